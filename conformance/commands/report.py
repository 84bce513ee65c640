"""`sesconf report --allure DIR`: build the Allure HTML report from a run's allure-results.

The `allure` command (Allure 3, from npm) does the building; where it is missing the
command says how to get it rather than failing obscurely. Allure 3's pages hard-code Google
Analytics: the built report is rewritten (report/offline.py) so that opening it loads
nothing from outside its folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.report.offline import make_offline

INSTALL_HINT = (
    "the `allure` command (Allure 3) is not installed; get it with `npm install -g allure` "
    "(Node.js 20+), or run it once with `npx allure generate {results} --output {output}`"
)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help="build the Allure HTML report of a run")
    parser.add_argument(
        "--allure",
        type=Path,
        required=True,
        metavar="DIR",
        help="a report directory (with allure-results/) or an allure-results directory",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the Allure report goes (default: <report dir>/allure-report)",
    )
    parser.set_defaults(func=run)


def results_dir(path: Path) -> Path | None:
    """The allure-results directory that `path` names or holds; None when there is none."""
    for candidate in (path / "allure-results", path):
        if candidate.is_dir() and any(candidate.glob("*-result.json")):
            return candidate
    return None


def run(args: argparse.Namespace) -> ExitCode:
    results = results_dir(args.allure)
    if results is None:
        print(
            f"sesconf report: no Allure results in {args.allure} (run `sesconf run` first)",
            file=sys.stderr,
        )
        return ExitCode.USAGE_ERROR
    output = args.output or results.parent / "allure-report"
    allure = shutil.which("allure")
    if allure is None:
        print(
            f"sesconf report: {INSTALL_HINT.format(results=results, output=output)}",
            file=sys.stderr,
        )
        return ExitCode.USAGE_ERROR
    proc = subprocess.run(
        [allure, "generate", str(results), "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ALLURE_NO_ANALYTICS": "true"},  # honoured by some plugins only
    )
    if proc.returncode != 0 or not (output / "index.html").is_file():
        print(
            f"sesconf report: allure generate failed ({proc.returncode}):\n"
            f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL_ERROR
    removed = make_offline(output)
    print(f"allure report: {output / 'index.html'} (offline: {len(removed)} outside loads removed)")
    return ExitCode.OK
