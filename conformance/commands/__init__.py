"""Subcommands that live in their own module: `sesconf compare`, `sesconf replay`.

Each module exposes `add_parser(subparsers) -> None` (adds its subparser and sets
`func=run`) and `run(args) -> ExitCode`; the CLI registers them with `register`. The
modules never import `conformance.cli` at import time, so the CLI may import them.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

COMMAND_MODULES = ("compare", "replay", "report")
"""The command modules, in the order `sesconf --help` lists them."""


def register(subparsers: Any) -> None:
    """Add every command of this package to `subparsers` (from `add_subparsers()`)."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").add_parser(subparsers)


def positive_int(text: str) -> int:
    """An argparse type for counts: a clear message instead of a traceback or a silent 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type for durations in seconds: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value
