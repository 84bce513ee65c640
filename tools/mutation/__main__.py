"""`python -m tools.mutation ...`: see tools/mutation/cli.py (and `.ci/mutation --help`)."""

from __future__ import annotations

import sys

from tools.mutation.cli import main

sys.exit(main())
