"""The end of `sesconf run`: its records and journals folded into every report, its exit code.

The same writing ends a complete run, a stopped one (from the main thread, or from the
guard's thread when the run did not get there in time) and one whose target was not
reachable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.expectations import apply_expectations
from conformance.profile import TargetProfile
from conformance.report.console import print_class_reach, print_outcome
from conformance.report.runfiles import RunFiles
from conformance.report.summary import (
    exit_code_for,
    load_run,
    mark_unfinished,
    rule_results,
    write_summary_files,
)
from conformance.suite.monitors import fold_ids

__all__ = ["RunEnd"]


@dataclass(slots=True)
class RunEnd:
    """What the reports of one run need; `profile` moves to the embedded server's URL."""

    args: argparse.Namespace
    profile: TargetProfile
    selected: tuple[str, ...]
    max_examples: int
    started: float
    budget: dict[str, Any] | None = None
    """summary.json's `budget`: the examples per test chosen for the target, and why."""

    def files(self) -> RunFiles:
        args = self.args
        return RunFiles(
            args.report_dir,
            self.profile,
            args.strict,
            self.max_examples,
            args.seed,
            self.selected,
            self.started,
            self.budget,
        )

    def stopped_before_tests(
        self, why: str, code: ExitCode = ExitCode.TARGET_UNREACHABLE
    ) -> ExitCode:
        """Every rule `broken` for `why`, before any test ran: exit `code` (3, the target
        unreachable or refusing to provision; 2, the profile wrong for this target)."""
        records = self.args.report_dir / "records"
        results = [
            dict(r, outcome="broken", reason=why)
            for r in rule_results(
                load_run(records)[0],
                selected=self.selected,
                strict=self.args.strict,
                profile=self.profile,
            )
        ]
        self.files().write(results, exit_code=code, interrupted=None)
        print(f"sesconf: {why}", file=sys.stderr)
        return code

    def report(self, returncodes: Sequence[int], interrupted: str | None) -> ExitCode:
        """Fold the records into the reports, marked interrupted when the run was stopped
        (exit 6, whatever the rules found before the stop)."""
        args = self.args
        folder = args.report_dir / "records"
        if interrupted is not None:
            fold_ids(folder)  # the processes cut short did not get to it
        records, exchanges = load_run(folder)
        results = rule_results(
            records, selected=self.selected, strict=args.strict, profile=self.profile
        )
        code = exit_code_for(results)
        if interrupted is not None:
            results = mark_unfinished(results, records, interrupted)
            why = f"sesconf: stopped: {interrupted}; writing the report of what ran"
            print(why, file=sys.stderr)
            code = ExitCode.INTERRUPTED
        elif code is ExitCode.OK and any(rc in (2, 3, 4) for rc in returncodes):
            code = ExitCode.INTERNAL_ERROR  # pytest itself failed (usage, crash)
        summary = self.files().write(
            results, exit_code=code, interrupted=interrupted, exchanges=exchanges
        )
        expectation_lines: list[str] = []
        if args.expectations is not None:
            code, expectation_lines = apply_expectations(summary, args.expectations)
            write_summary_files(args.report_dir, summary)
        print_outcome(summary, report_dir=args.report_dir, quiet=args.quiet)
        for line in expectation_lines:
            print(line)
        if args.coverage:
            print_class_reach(summary)
        return code
