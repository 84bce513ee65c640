"""What `sesconf run` prints at the end: the rule table, each failure, the report's path."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from conformance.redact import redact
from conformance.report.terminal import render_table
from conformance.report.text import clip, printable


def print_outcome(
    summary: Mapping[str, Any],
    *,
    report_dir: Path,
    quiet: bool = False,
    stream: TextIO | None = None,
) -> None:
    out = _Shown(stream or sys.stdout)
    if not quiet:
        out.write(render_table(summary, report_dir=report_dir) + "\n")
        for rule in summary["rules"]:
            ce = rule.get("counterexample")
            if rule["outcome"] in ("fail", "non-strict") and ce:
                out.write(
                    f"\n{rule['outcome'].upper()} [{rule['level']}] {rule['id']}: "
                    f"{rule['reason']}\n"
                )
                out.write(f'  documentation: "{rule["quote"]}"\n')
                actual = clip(str(ce.get("actual")).replace("\n", "\\n"), 600)
                out.write(f"  expected: {ce.get('expected')}\n  actual:   {actual}\n")
                out.write(f"  replay:   {clip(str(ce.get('curl')), 2000)}\n")
    details = any(r["outcome"] in ("fail", "non-strict") for r in summary["rules"])
    if quiet or details:  # else the table's last two lines say the same
        verdict = summary["verdict"]
        if (summary.get("expectations") or {}).get("matched"):
            verdict += ", exactly as its expectations file says"
        out.write(
            f"sesconf: {verdict} (exit {summary['exit_code']}); "
            f"report: {report_dir / 'index.html'}\n"
        )
    out.flush()


def print_class_reach(summary: Mapping[str, Any], *, stream: TextIO | None = None) -> None:
    """`sesconf run --coverage`: each rule's declared classes this run never reached."""
    out = stream or sys.stdout
    totals = summary.get("class_reach") or {}
    out.write(
        f"equivalence classes: {totals.get('reached', 0)} of {totals.get('declared', 0)} "
        f"reached, {totals.get('missed', 0)} missed\n"
    )
    for rule in summary["rules"]:
        missed = rule.get("classes_missed") or []
        if missed:
            out.write(f"  {rule['id']}: {len(missed)} never reached\n")
            for name in missed:
                out.write(f"    - {name}\n")
    out.flush()


class _Shown:
    """Writes through `printable` and `redact`: a target's text reaches a terminal as text."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> None:
        self.inner.write(redact(printable(text)))

    def flush(self) -> None:
        self.inner.flush()
