"""A pass rests on answers read (issue 17): which answers count, and how the fold of the
records turns a pass on none of them into `broken`."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks.readable import MIN_READABLE, Tally, is_readable
from conformance.model import Accepted, Exchange, Rejected, Unrecognized, WireRequest, WireResponse
from conformance.report.readable import NO_READABLE_ANSWER
from conformance.report.summary import rule_results

REQUEST = WireRequest("POST", "http://127.0.0.1:1/", (), b"{}")
PAGE_500 = Unrecognized("body is not JSON: b'<html>'", 500)


def exchange(status: int, outcome: object) -> Exchange:
    return Exchange(REQUEST, WireResponse(status, (), b"", 0.0), outcome)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule_id", "status", "outcome", "readable"),
    [
        ("recipients.max", 200, Accepted("id-1"), True),
        ("recipients.max", 400, Rejected("X", "m", 400), True),
        ("recipients.max", 500, PAGE_500, False),
        ("recipients.max", 302, Unrecognized("redirect", 302), False),
        ("http.status", 500, Rejected("InternalFailure", "m", 500), False),
        ("robust.no-5xx", 500, PAGE_500, True),  # the very answer the rule forbids
        ("robust.no-5xx", 307, Unrecognized("redirect", 307), False),
        ("no.such-rule", 200, Accepted("id-1"), True),
    ],
)
def test_which_answers_a_rule_can_rest_on(
    rule_id: str, status: int, outcome: object, readable: bool
) -> None:
    assert readable == is_readable(rule_id, exchange(status, outcome))


def test_a_tally_counts_per_rule_and_keeps_the_first_unreadable_answer() -> None:
    tally = Tally()
    redirect = exchange(302, Unrecognized("redirect", 302))
    for answer in (exchange(500, PAGE_500), exchange(200, Accepted("a")), redirect):
        tally.note("recipients.max", answer)
        tally.note("robust.no-5xx", answer)
    expected = {
        "exchanges": {"recipients.max": 3, "robust.no-5xx": 3},
        "readable": {"recipients.max": 1, "robust.no-5xx": 2},
        "unreadable": {
            "recipients.max": "unrecognised answer HTTP 500: body is not JSON: b'<html>'",
            "robust.no-5xx": "unrecognised answer HTTP 302: redirect",
        },
    }
    assert expected == tally.record()


def record(
    rule_id: str, status: str, examples: int, readable: int, *, nodeid: str | None = None
) -> dict[str, Any]:
    """A record as the plugin (or a process's monitor) writes it."""
    return {
        "nodeid": nodeid or f"test_x.py::test_{rule_id}",
        "rules": [rule_id],
        "status": status,
        "examples": examples,
        "events": {},
        "reason": "skipped here" if status == "skip" else "",
        "violations": [],
        "exchanges": {rule_id: examples},
        "readable": {rule_id: readable},
        "unreadable": {rule_id: "unrecognised answer HTTP 500"} if readable < examples else {},
    }


def fold(*records: dict[str, Any]) -> dict[str, Any]:
    (rule_id,) = {r["rules"][0] for r in records}
    (result,) = rule_results(records, selected=[rule_id], strict=False)
    return {k: result[k] for k in ("outcome", "reason", "readable", "exchanges")}


def test_a_pass_on_no_readable_answer_is_broken() -> None:
    expected = {
        "outcome": "broken",
        "reason": f"{NO_READABLE_ANSWER}: none of the 12 answers test_x.py::test_recipients.max"
        " judged could be read as accepted or rejected (3 needed); one was unrecognised answer"
        " HTTP 500",
        "readable": 0,
        "exchanges": 12,
    }
    assert expected == fold(record("recipients.max", "pass", 12, 0))


def test_each_test_of_a_rule_must_rest_on_readable_answers() -> None:
    """One test that read everything does not carry another that read too little."""
    good = record("recipients.valid", "pass", 40, 40, nodeid="t.py::test_good")
    weak = record("recipients.valid", "pass", 40, MIN_READABLE - 1, nodeid="t.py::test_weak")
    found = fold(good, weak)
    assert ("broken", 42) == (found["outcome"], found["readable"])
    assert found["reason"].startswith(f"{NO_READABLE_ANSWER}: only 2 of the 40 answers t.py::")


def test_a_pass_on_fewer_answers_only_where_fewer_examples_ran_says_so() -> None:
    expected = {
        "outcome": "pass",
        "reason": "pass on 2 readable answers (only 2 examples ran)",
        "readable": 2,
        "exchanges": 2,
    }
    assert expected == fold(record("sender.verified", "pass", 2, 2))
    assert "broken" == fold(record("sender.verified", "pass", 2, 1))["outcome"]
    assert "broken" == fold(record("sender.verified", "pass", 0, 0))["outcome"]  # sent nothing


def test_a_failure_and_a_skip_stand_whatever_was_read() -> None:
    failed = record("recipients.max", "fail", 5, 0)
    failed["violations"] = [{"rule": "recipients.max", "summary": "boom", "counterexample": {}}]
    assert ("fail", 0) == tuple(fold(failed)[k] for k in ("outcome", "readable"))
    skipped = fold(record("size.max", "skip", 0, 0))
    assert ("skip", 0) == (skipped["outcome"], skipped["readable"])


def test_an_answer_rule_rests_on_its_monitors_over_every_process() -> None:
    """The run-wide monitor's records of every process add up; a 5xx is no reading for
    http.status, so its monitors having read nothing break it however much they judged."""
    own = record("http.status", "pass", 12, 12)
    processes = [record("http.status", "pass", n, n, nodeid="monitor::http.status") for n in (2, 1)]
    assert {"outcome": "pass", "reason": "", "readable": 3, "exchanges": 3} == fold(own, *processes)
    unread = [record("http.status", "pass", 300, 0, nodeid="monitor::http.status")]
    found = fold(own, *unread)
    assert ("broken", 0, 300) == (found["outcome"], found["readable"], found["exchanges"])
    assert "the run-wide monitor judged" in found["reason"]


def test_a_test_s_controls_are_not_counted() -> None:
    """A control is the judgement's means: the pass rests on the answers to the cases."""
    tally, accepted = Tally(), exchange(200, Accepted("a"))
    tally.note_all(("recipients.max",), accepted)
    with tally.aside():
        tally.note_all(("recipients.max",), accepted)
    assert ({"recipients.max": 1}, {"recipients.max": 1}) == (
        tally.record()["exchanges"],
        tally.record()["readable"],
    )
