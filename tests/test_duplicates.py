"""Repeated code in `conformance/` and `strategies/` stays down (issue 16).

pylint's similarity checker (`duplicate-code`, six lines or more, imports and signatures
left out) runs over both packages; the pairs of modules it reports must be exactly the
allow-list below, each with the reason it stays. A new repeat fails here: make one piece of
code serve, or, when the two places are only alike, add the pair with its reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDERS = ("conformance", "strategies")
CHECKER = (
    "--disable=all",
    "--enable=duplicate-code",
    "--min-similarity-lines=6",
    "--ignore-imports=yes",
    "--ignore-signatures=yes",
    "--persistent=no",
    "--score=no",
)

Pair = frozenset[str]

ALLOWED: Mapping[Pair, str] = {}
"""Pairs of modules (dotted, as pylint names them) allowed to share six lines or more, each
with the one-line reason it stays. At most five."""

_PLACE = re.compile(r"^==([\w.]+):\[\d+:\d+\]$", re.M)


def reported_pairs(root: Path) -> set[Pair]:
    """The pairs of modules pylint's similarity checker finds in `root`'s two packages,
    keyed by module name only, so that lines moving within a module change nothing."""
    run = subprocess.run(
        [sys.executable, "-m", "pylint", *CHECKER, *FOLDERS],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "R0801" in run.stdout or run.returncode == 0, run.stdout + run.stderr
    pairs: set[Pair] = set()
    for message in run.stdout.split("R0801")[1:]:
        modules = sorted(set(_PLACE.findall(message)))
        pairs.update(frozenset(pair) for pair in combinations(modules, 2))
    return pairs


def test_repeated_code_is_only_what_the_allow_list_explains() -> None:
    assert set(ALLOWED) == reported_pairs(REPO)


def test_every_allowed_pair_has_a_reason() -> None:
    assert len(ALLOWED) <= 5
    assert all(len(pair) == 2 and reason.strip() for pair, reason in ALLOWED.items())


_PLANTED = '''

def planted_repeat(values: list[int]) -> int:
    """Eight lines written twice, in two modules."""
    total = 0
    for value in values:
        if value % 2:
            total += value * 3
        else:
            total -= value // 2
    return total
'''


def test_a_planted_repeat_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "copy"
    for folder in FOLDERS:
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("*.pyc"))
    for module in ("conformance/version.py", "strategies/build.py"):
        path = root / module
        path.write_text(path.read_text("utf-8") + _PLANTED)
    planted = frozenset({"conformance.version", "strategies.build"})
    assert set(ALLOWED) | {planted} == reported_pairs(root)
