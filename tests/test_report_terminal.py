"""Terminal output: progress on a TTY and in logs, and the final table."""

from __future__ import annotations

import io
import re

import pytest
from test_report_html import FAILING_RULE, sample_summary

from conformance.report.terminal import ProgressPrinter, render_table
from conformance.rules import RULES

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # everything but \n
_ESCAPE = "\x1b["


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _run_all(printer: ProgressPrinter, clock: FakeClock, *, examples: int = 3) -> None:
    for rule in sample_summary("failing")["rules"]:
        printer.rule_started(rule["id"])
        for _ in range(examples):
            clock.now += 0.01
            printer.example(rule["id"])
        printer.rule_finished(rule["id"], rule["outcome"])
    printer.close()


def test_not_a_tty_prints_one_plain_line_per_finished_rule() -> None:
    stream, clock = io.StringIO(), FakeClock()
    _run_all(ProgressPrinter(stream, clock=clock), clock)  # StringIO: isatty() is False
    text = stream.getvalue()
    assert _CONTROL.findall(text) == []
    outcomes = {r["id"]: r["outcome"] for r in sample_summary("failing")["rules"]}
    expected = [f"{o.upper().ljust(10)} {i}  3 examples  0.0s" for i, o in outcomes.items()]
    assert text.splitlines() == expected


def test_tty_rewrites_one_line_and_throttles() -> None:
    stream, clock = io.StringIO(), FakeClock()
    printer = ProgressPrinter(stream, tty=True, clock=clock, env={}, width=200)
    printer.rule_started("recipients.max")  # drawn at once
    for _ in range(500):
        printer.example("recipients.max")  # same instant: throttled away
    clock.now += 0.05
    printer.example("recipients.max")  # 50 ms later: still throttled
    clock.now += 0.06
    printer.example("recipients.max")  # 110 ms after the last draw: drawn
    printer.rule_finished("recipients.max", "fail")  # always drawn
    printer.close()
    text = stream.getvalue()
    assert "\n" not in text
    frames = [f.removesuffix("\x1b[K") for f in text.split("\r")[1:]]
    assert frames[:2] == [
        "[0 done] recipients.max running  0 examples  0.0s",
        "[0 done] recipients.max running  502 examples  0.1s",
    ]
    assert frames[2] == "[1 done] recipients.max \x1b[31;1mfail\x1b[0m  502 examples  0.1s"
    assert frames[3] == ""  # close() clears the line


def test_tty_line_never_wraps() -> None:
    stream, clock = io.StringIO(), FakeClock()
    printer = ProgressPrinter(stream, tty=True, clock=clock, env={"NO_COLOR": "1"}, width=30)
    printer.rule_started("envelope.created-at")
    printer.rule_finished("envelope.created-at", "non-strict")
    frames = [f.removesuffix("\x1b[K") for f in stream.getvalue().split("\r")[1:]]
    assert [len(f) for f in frames] == [29, 29]
    assert "\x1b[3" not in stream.getvalue()  # NO_COLOR: no colour, line clearing only


def test_table_lists_every_rule_then_report_and_verdict() -> None:
    text = render_table(sample_summary("failing"), report_dir="reports/latest")
    lines = text.splitlines()
    rows = [line.split()[0] for line in lines[1:] if line and line.split()[0] in RULES]
    assert rows == list(RULES)
    assert lines[-2] == "report: reports/latest/index.html"
    assert lines[-1] == "verdict: non-conformant (exit 1 RULE_FAILED)"
    assert "17 pass  1 fail  1 non-strict  1 skip  1 broken" in lines
    assert _ESCAPE not in text
    row = next(line for line in lines if line.startswith(FAILING_RULE))
    assert row.split() == [FAILING_RULE, "MUST", "fail", "54", "54"]
    assert "\u21b3 accepted 51 recipients" in text
    assert ["RULE", "LEVEL", "OUTCOME", "EXAMPLES", "READABLE"] == lines[0].split()


def test_table_says_what_a_pass_rests_on() -> None:
    """The readable answers of each rule, and a pass's note when it rests on few (issue 17);
    a summary written before the count shows `-`."""
    summary = sample_summary("all-pass")
    few = summary["rules"][0]
    few.update(readable=2, reason="pass on 2 readable answers (only 2 examples ran)")
    del summary["rules"][1]["readable"]
    lines = render_table(summary).splitlines()
    rows = {line.split()[0]: line.split() for line in lines if line and line.split()[0] in RULES}
    assert ["pass", str(few["examples"]), "2"] == rows[few["id"]][2:]
    assert "-" == rows[summary["rules"][1]["id"]][-1]
    assert "  \u21b3 pass on 2 readable answers (only 2 examples ran)" in "\n".join(lines)


def test_table_colour_only_on_request_and_never_under_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = sample_summary("failing")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[31;1mfail" in render_table(summary, tty=True)
    assert _ESCAPE not in render_table(summary, tty=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert _ESCAPE not in render_table(summary, tty=True)


def test_all_pass_table_verdict() -> None:
    text = render_table(sample_summary("all-pass"))
    assert text.splitlines()[-1] == "verdict: conformant (exit 0 OK)"
    assert "report:" not in text
