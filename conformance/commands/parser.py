"""`sesconf`'s command line: every subcommand's options, in one parser.

`conformance.cli` dispatches; this module only says what may be typed. The options are a
public contract: extend them, never rename one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from conformance.commands import positive_float, positive_int, register
from conformance.commands.concurrency import AUTO, concurrency_argument
from conformance.errors import UsageError
from conformance.expectations import expectations_argument
from conformance.profile import PROTOCOLS
from conformance.version import __version__

DEFAULT_REPORT_DIR = Path("reports") / "latest"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep its message clear
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sesconf", description="Conformance suite for Amazon SES SendEmail.")
    parser.add_argument("--version", action="version", version=f"sesconf {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_run_parser(sub)
    _add_serve_parser(sub)
    listing = sub.add_parser("rules", help="list the rules the suite checks")
    add_checks_option(listing)
    sub.add_parser("schema", help="print the JSON Schema of summary.json")

    register(sub)  # compare, replay: each sets `func`
    return parser


def add_checks_option(parser: Any) -> None:
    """--checks MODULE[,MODULE]: extension modules that register more rules (the registry)."""
    parser.add_argument(
        "--checks",
        action="append",
        default=[],
        metavar="MODULE[,MODULE]",
        help="import these modules first: each registers its rules' checks (repeatable)",
    )


def _add_run_parser(sub: Any) -> None:
    """`sesconf run`: what to run against, which rules, how hard, where the reports go."""
    run = sub.add_parser("run", help="run the suite against a target")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--profile", help="target profile (TOML)")
    where.add_argument("--target", help="a built-in target: reference, moto, localstack, ...")
    run.add_argument("--url", help="the target's URL (overrides the profile's)")
    run.add_argument("--protocol", choices=PROTOCOLS, help="override the profile's protocol")
    run.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="GLOB",
        help="only rules whose id matches (repeatable), e.g. 'recipients.*'",
    )
    run.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out rules whose id matches (repeatable)",
    )
    run.add_argument("--strict", action="store_true", help="SHOULD rules gate the exit code")
    add_checks_option(run)
    run.add_argument("--max-examples", type=positive_int, help="Hypothesis examples per test")
    run.add_argument(
        "--seed",
        type=int,
        help="random generation from this seed (default: the derandomized 'ci' profile)",
    )
    run.add_argument(
        "-n",
        "--workers",
        "--concurrency",
        dest="workers",
        type=concurrency_argument,
        default=AUTO,
        metavar="auto|N",
        help="test processes (pytest-xdist); auto (default): one for a fast target, more "
        "for a slow one, from a few probe round trips",
    )
    _add_run_output_options(run)


def _add_run_output_options(run: Any) -> None:
    """Where `sesconf run` writes, what it prints, when it stops, what it expects to fail."""
    run.add_argument(
        "--report-dir",
        type=Path,
        default=DEFAULT_REPORT_DIR,
        help=f"where reports go (default: {DEFAULT_REPORT_DIR})",
    )
    run.add_argument("--quiet", action="store_true", help="only the verdict line")
    run.add_argument(
        "--coverage",
        action="store_true",
        help="list each rule's declared equivalence classes the run never reached",
    )
    run.add_argument(
        "--run-timeout",
        type=positive_float,
        metavar="SECONDS",
        help="stop the whole run after this long, mark what did not finish broken and write "
        "the reports (default: the profile's run_timeout_s, else derived from the budget)",
    )

    run.add_argument(
        "--expectations",
        type=expectations_argument,
        metavar="FILE",
        help="known failures (TOML): exit 0 when the failed rules are exactly these",
    )


def _add_serve_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the strict reference server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8025)
    serve.add_argument("--profile", help="identities and limits to serve (TOML)")
    serve.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        metavar="MS",
        help="delay every SendEmail answer by MS milliseconds (a slow but correct target)",
    )
    serve.add_argument(
        "--max-send-rate",
        type=float,
        metavar="R",
        help="refuse sends over R a second (a token bucket of one second), as a target "
        "that enforces MaxSendRate strictly; its profile says so (account.max_send_rate)",
    )
