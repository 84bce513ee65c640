"""`sesconf compare TARGET...`: run the suite against several targets, then one matrix.

    sesconf compare TARGET... [--report-dir DIR] [--max-examples N] [--seed N] [--strict]
                    [--parallel N]

TARGET is a profile file, a built-in target name (`reference` alone is the embedded
reference server), `NAME=URL` (the `reference` profile at URL, or the built-in profile
NAME when NAME is one), `NAME=PROFILE_FILE` or `NAME=BUILTIN`. Each target runs as its own
`sesconf run` process (the suite keeps per-process state, and one target's crash must not
take the others down) into `DIR/<label>/`; the matrix goes to `DIR/index.html` and
`DIR/matrix.json`. The exit code is the worst of the runs (`worst_exit_code`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.commands import positive_int
from conformance.errors import UsageError
from conformance.exitcodes import ExitCode
from conformance.profile import builtin_profile_names
from conformance.report.matrix import write_matrix_html

DEFAULT_REPORT_DIR = Path("reports") / "compare"
DEFAULT_PARALLEL = 2
LOG_NAME = "sesconf.log"
"""Each run's stdout and stderr, kept beside its report (the terminal shows one line)."""

_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SEVERITY: dict[int, int] = {
    ExitCode.INTERNAL_ERROR: 6,
    ExitCode.USAGE_ERROR: 5,
    ExitCode.INTERRUPTED: 4,
    ExitCode.RULE_FAILED: 3,
    ExitCode.TARGET_UNREACHABLE: 2,
    ExitCode.NO_RULES_SELECTED: 1,
    ExitCode.OK: 0,
}
"""5 > 2 > 6 > 1 > 3 > 4 > 0: a broken suite or command line hides everything, then a run
that did not finish, then failures."""


@dataclass(frozen=True, slots=True)
class Target:
    """One column of the comparison: its label and the `sesconf run` options that name it."""

    label: str
    run_args: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one target's `sesconf run` process left behind."""

    target: Target
    report_dir: Path
    exit_code: ExitCode
    verdict: str
    has_summary: bool


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="run the suite against several targets and write a comparison matrix",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="profile file, built-in target name, NAME=URL, NAME=PROFILE_FILE or NAME=BUILTIN",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=DEFAULT_REPORT_DIR,
        help=f"the matrix goes here, each target's report under DIR/NAME "
        f"(default: {DEFAULT_REPORT_DIR})",
    )
    parser.add_argument("--max-examples", type=positive_int, help="Hypothesis examples per test")
    parser.add_argument("--seed", type=int, help="random generation from this seed")
    parser.add_argument("--strict", action="store_true", help="SHOULD rules gate the exit code")
    parser.add_argument(
        "--parallel",
        type=positive_int,
        default=DEFAULT_PARALLEL,
        help=f"targets run at the same time (default: {DEFAULT_PARALLEL})",
    )
    parser.set_defaults(func=run)


# --- targets ------------------------------------------------------------------------------


def parse_target(text: str, *, builtins: Iterable[str] | None = None) -> Target:
    """TARGET as written on the command line; UsageError naming it when it is none of them."""
    known = tuple(builtins) if builtins is not None else _builtin_names()
    if Path(text).is_file():
        path = Path(text).resolve()
        return Target(_label(path.stem, text), ("--profile", str(path)), str(path))
    if "=" not in text:
        if text == "reference":  # no URL: the embedded reference, as `sesconf run` does
            return Target("reference", (), "embedded reference server")
        if text in known:
            return Target(text, ("--target", text), f"built-in target {text}")
        raise UsageError(
            f"compare: target {text!r} is neither a profile file nor a built-in target "
            f"({', '.join(known)}); use NAME=URL for a server"
        )
    name, _, where = text.partition("=")
    label = _label(name, text)
    if where.startswith(("http://", "https://")):
        profile = name if name in known else "reference"
        return Target(label, ("--target", profile, "--url", where), f"{profile} profile at {where}")
    if Path(where).is_file():
        path = Path(where).resolve()
        return Target(label, ("--profile", str(path)), str(path))
    if where in known:
        return Target(label, ("--target", where), f"built-in target {where}")
    raise UsageError(
        f"compare: in {text!r}, {where!r} is not an http(s) URL, a profile file or a built-in "
        f"target ({', '.join(known)})"
    )


def parse_targets(texts: Sequence[str]) -> list[Target]:
    """Every TARGET; labels must be unique (they name report folders and matrix columns)."""
    targets = [parse_target(text) for text in texts]
    labels = [t.label for t in targets]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise UsageError(
            f"compare: target labels must be unique; repeated: {', '.join(repeated)} "
            "(name them: NAME=URL or NAME=PROFILE_FILE)"
        )
    return targets


def _label(name: str, text: str) -> str:
    if not _LABEL.fullmatch(name):
        raise UsageError(
            f"compare: in {text!r}, the label {name!r} must be letters, digits, '.', '_' or '-' "
            "(it names a report folder)"
        )
    return name


def _builtin_names() -> tuple[str, ...]:
    return builtin_profile_names()


# --- running ------------------------------------------------------------------------------


def run_args(target: Target, args: argparse.Namespace, report_dir: Path) -> list[str]:
    """The `sesconf run` process for one target, with the options compare passes through."""
    argv = [sys.executable, "-m", "conformance", "run", *target.run_args]
    argv += ["--report-dir", str(report_dir)]
    if args.max_examples is not None:
        argv += ["--max-examples", str(args.max_examples)]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    if args.strict:
        argv.append("--strict")
    return argv


def run_one(target: Target, args: argparse.Namespace, out_dir: Path) -> RunResult:
    """Run one target; its report (and the process's output, in sesconf.log) go to DIR/label."""
    report_dir = out_dir / target.label
    report_dir.mkdir(parents=True, exist_ok=True)
    summary_path = report_dir / "summary.json"
    summary_path.unlink(missing_ok=True)  # a crashed run must not show an older run's result
    with open(report_dir / LOG_NAME, "wb") as log:
        proc = subprocess.run(
            run_args(target, args, report_dir), stdout=log, stderr=subprocess.STDOUT, check=False
        )
    code = _exit_code(proc.returncode)
    verdict, has_summary = _verdict(summary_path)
    return RunResult(target, report_dir, code, verdict, has_summary)


def _exit_code(returncode: int) -> ExitCode:
    try:
        return ExitCode(returncode)
    except ValueError:  # killed by a signal, or something that is not sesconf's contract
        return ExitCode.INTERNAL_ERROR


def _verdict(summary_path: Path) -> tuple[str, bool]:
    try:
        summary = json.loads(summary_path.read_text("utf-8"))
    except (OSError, ValueError):
        return "no report", False
    return str(summary.get("verdict", "unknown")), True


def worst_exit_code(codes: Iterable[int]) -> ExitCode:
    """The worst code by 5 > 2 > 6 > 1 > 3 > 4 > 0; OK when there are none."""
    return max((_exit_code(c) for c in codes), key=_SEVERITY.__getitem__, default=ExitCode.OK)


def run(args: argparse.Namespace) -> ExitCode:
    targets = parse_targets(args.targets)
    out_dir: Path = args.report_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"sesconf compare: {len(targets)} targets, {min(args.parallel, len(targets))} at a time",
        flush=True,
    )
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        results = list(pool.map(lambda t: run_one(t, args, out_dir), targets))

    width = max(len(r.target.label) for r in results)
    for r in results:
        where = r.report_dir / ("index.html" if r.has_summary else LOG_NAME)
        print(
            f"{r.target.label:<{width}}  {r.verdict}  (exit {int(r.exit_code)} "
            f"{r.exit_code.name})  {where}"
        )
    code = worst_exit_code(r.exit_code for r in results)
    reported = [(r.target.label, r.report_dir) for r in results if r.has_summary]
    if reported:
        matrix = write_matrix_html(out_dir, reported)
        print(f"matrix: {matrix}")
    else:
        print("sesconf compare: no run wrote a report; no matrix (see each sesconf.log)")
    missing = [r.target.label for r in results if not r.has_summary]
    if reported and missing:
        print(f"sesconf compare: left out of the matrix (no report): {', '.join(missing)}")
    print(f"sesconf compare: exit {int(code)} {code.name} (the worst of the runs)")
    return code
