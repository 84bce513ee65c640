"""What a person sees in the terminal: live progress while rules run, then the final table.

On a TTY progress is one line rewritten in place (throttled, so Hypothesis' thousands of
examples do not flood the terminal); anywhere else (CI logs, pipes) it is one plain line per
finished rule with no control characters, because logs are read after the fact and `\\r`
garbles them. Colour only on request and never under NO_COLOR (https://no-color.org).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from conformance.redact import redact
from conformance.report.parts import OUTCOMES, by_family, exit_code_name
from conformance.report.text import clip, printable

REASON_CHARS = 300
"""Characters of a reason shown in the table (a target's text can be megabytes)."""

_COLOURS: Mapping[str, str] = {
    "pass": "32",
    "fail": "31;1",
    "non-strict": "33",
    "skip": "2",
    "broken": "35;1",
}
_RESET = "\x1b[0m"
_MIN_INTERVAL_S = 0.1
"""At most ~10 redraws a second."""


def colour_allowed(*, tty: bool, env: Mapping[str, str] | None = None) -> bool:
    """Colour when asked for (tty) and NO_COLOR is unset or empty."""
    environ = os.environ if env is None else env
    return tty and not environ.get("NO_COLOR")


def paint(text: str, outcome: str, *, colour: bool) -> str:
    code = _COLOURS.get(outcome)
    return f"\x1b[{code}m{text}{_RESET}" if colour and code else text


class ProgressPrinter:
    """Live progress of a run; the plugin calls the three hooks as rules start, run, finish."""

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
    ) -> None:
        self._stream = stream
        if tty is None:
            isatty = getattr(stream, "isatty", None)
            tty = bool(isatty and isatty())
        self._tty = tty
        self._colour = colour_allowed(tty=tty, env=env)
        self._clock = clock
        self._width = width
        self._lock = threading.Lock()
        self._run_start: float | None = None
        self._starts: dict[str, float] = {}
        self._examples: dict[str, int] = {}
        self._current: str | None = None
        self._last_draw = float("-inf")
        self._drawn = False
        self.finished = 0

    def rule_started(self, rule_id: str) -> None:
        with self._lock:
            now = self._clock()
            if self._run_start is None:
                self._run_start = now
            self._starts[rule_id] = now
            self._examples[rule_id] = 0
            self._current = rule_id
            self._draw(now, force=True)

    def example(self, rule_id: str) -> None:
        with self._lock:
            self._examples[rule_id] = self._examples.get(rule_id, 0) + 1
            self._current = rule_id
            self._draw(self._clock(), force=False)

    def rule_finished(self, rule_id: str, outcome: str) -> None:
        with self._lock:
            now = self._clock()
            self.finished += 1
            if self._tty:
                self._current = rule_id
                self._draw(now, force=True, outcome=outcome)
            elapsed = now - self._starts.pop(rule_id, now)
            examples = self._examples.pop(rule_id, 0)
            if self._tty:
                return
            word = outcome.upper().ljust(10)
            self._stream.write(f"{word} {rule_id}  {examples} examples  {elapsed:.1f}s\n")
            self._stream.flush()

    def close(self) -> None:
        """Clear the progress line so the final table starts on a clean line."""
        with self._lock:
            if self._tty and self._drawn:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
                self._drawn = False

    def _draw(self, now: float, *, force: bool, outcome: str | None = None) -> None:
        if not self._tty or self._current is None:
            return
        if not force and now - self._last_draw < _MIN_INTERVAL_S:
            return
        self._last_draw = now
        rule_id = self._current
        examples = self._examples.get(rule_id, 0)
        total = now - (self._run_start if self._run_start is not None else now)
        state = outcome or "running"
        line = f"[{self.finished} done] {rule_id} {state}  {examples} examples  {total:.1f}s"
        width = self._width or shutil.get_terminal_size((80, 24)).columns
        line = line[: max(width - 1, 10)]  # a wrapped line cannot be rewritten with \r
        if outcome:
            line = line.replace(outcome, paint(outcome, outcome, colour=self._colour), 1)
        self._stream.write(f"\r{line}\x1b[K")
        self._stream.flush()
        self._drawn = True


def _readable(rule: Mapping[str, Any]) -> str:
    """The answers the verdict rests on (`-` in a summary from before issue 17)."""
    found = rule.get("readable")
    return str(found) if isinstance(found, int) else "-"


def render_table(
    summary: Mapping[str, Any],
    *,
    tty: bool = False,
    report_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The final table (rule, level, outcome, examples, readable answers), the report path
    and the verdict."""
    colour = colour_allowed(tty=tty, env=env)
    rules = [rule for members in by_family(summary.get("rules") or []).values() for rule in members]
    id_width = max([len("RULE"), *(len(str(r.get("id", ""))) for r in rules)])
    lines = [f"{'RULE'.ljust(id_width)}  LEVEL   {'OUTCOME'.ljust(10)}  EXAMPLES  READABLE"]
    for rule in rules:
        outcome = str(rule.get("outcome", "unknown"))
        cell = paint(outcome.ljust(10), outcome, colour=colour)
        lines.append(
            f"{str(rule.get('id', '?')).ljust(id_width)}  {str(rule.get('level', '')).ljust(6)}  "
            f"{cell}  {str(rule.get('examples', 0)).rjust(8)}  {_readable(rule).rjust(8)}"
        )
        if rule.get("reason"):  # a pass has one when it rests on few answers (issue 17)
            reason = clip(printable(str(rule["reason"]), newlines=False), REASON_CHARS)
            lines.append(f"{' ' * id_width}  \u21b3 {reason}")
    counts = summary.get("counts") or {}
    lines.append("")
    lines.append("  ".join(f"{counts.get(o, 0)} {o}" for o in OUTCOMES))
    budget = summary.get("budget") or {}
    if budget.get("scaled"):  # fewer examples than a fast target gets: say so, and why
        lines.append(f"budget: {budget.get('max_examples')} examples a test ({budget.get('why')})")
    if report_dir is not None:
        lines.append(f"report: {Path(report_dir) / 'index.html'}")
    code = summary.get("exit_code")
    verdict = str(summary.get("verdict", "unknown"))
    tone = "pass" if code == 0 else "fail" if code == 1 else "broken"
    lines.append(
        f"verdict: {paint(verdict, tone, colour=colour)} (exit {code} {exit_code_name(code)})"
    )
    return redact("\n".join(lines)) + "\n"
