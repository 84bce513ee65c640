"""The pieces the battery relies on, each against a real server or real bytes (issue 12)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from conformance.model import SendEmailRequest, WireResponse
from conformance.profile import load_profile
from conformance.protocols import envelope, query, sesv2
from conformance.protocols.base import TestHookError
from conformance.protocols.bounded import MAX_JSON_DEPTH, load_json, nested_deeper_than
from conformance.protocols.envelope import EnvelopeClient
from conformance.protocols.transport import RunStopped, clear_stop, stop_all_calls
from conformance.redact import (
    MASK,
    RedactingStream,
    forget_secrets,
    redact,
    register_secrets,
)
from conformance.report.caps import MAX_STRING_CHARS, cap_record, expand_params
from conformance.report.caps import cut as cut_text
from conformance.report.html import render_index_html
from conformance.report.text import pretty_body
from sesconf_strategies.content import fill_utf8
from tests._hostile import BATTERY
from tests._servers import PARAMS, RawServer, hang, target_profile, timed

TOKEN = "IQoJb3JpZ2luX2VjUnitTestToken/Zz+Yy=Xx"


@pytest.fixture
def secrets() -> Iterator[None]:
    register_secrets([TOKEN])
    yield
    forget_secrets()


def answer(body: bytes, content_type: str = "application/json", status: int = 500) -> WireResponse:
    return WireResponse(status, (("Content-Type", content_type),), body, 0.01)


# --- parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_json_is_a_reason_not_a_crash(depth: int) -> None:
    body = b"[" * depth + b"]" * depth
    outcome, problems = envelope.judge_envelope(answer(body))
    assert "nested too deeply" in outcome.reason  # type: ignore[union-attr]
    assert {"envelope.error", "robust.no-5xx"} == set(problems)
    v2_outcome, v2_problems = sesv2.judge_send_answer(answer(body))
    assert ("Unrecognized", {"robust.no-5xx"}) == (type(v2_outcome).__name__, set(v2_problems))


def test_deep_json_inside_a_member_is_shown_not_crashed() -> None:
    body = b'{"success": ' + b"[" * 900 + b"]" * 900 + b"}"
    outcome, problems = envelope.judge_envelope(answer(body, status=200))
    assert "success is" in problems["envelope.success"][0]
    assert type(outcome).__name__ == "Unrecognized"


def test_deep_xml_is_unreadable_at_once() -> None:
    """100,000 nested tags: refused by counting, before a parse that took a second."""
    body = b"<a>" * 100_000 + b"</a>" * 100_000
    with timed() as elapsed:
        outcome, problems = query.judge_send_answer(answer(body, "text/xml"))
    assert ("unreadable", {"robust.no-5xx"}) == (outcome.kind, set(problems))  # type: ignore[union-attr]
    assert elapsed() < 0.1


def test_a_shallow_ses_answer_still_parses() -> None:
    body = (
        b'<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult>'
        b"<MessageId>m-1</MessageId></SendEmailResult><ResponseMetadata><RequestId>r</RequestId>"
        b"</ResponseMetadata></SendEmailResponse>"
    )
    outcome, problems = query.judge_send_answer(answer(body, "text/xml", status=200))
    assert ("m-1", {}) == (outcome.id, problems)  # type: ignore[union-attr]


# --- transport ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["headers-trickle", "status-then-stall", "body-trickle"])
def test_a_trickled_answer_ends_at_the_call_deadline(name: str) -> None:
    behaviour, _ = BATTERY[name]
    with RawServer(behaviour) as server, timed() as elapsed:
        with EnvelopeClient(target_profile(server.url, timeout_s=0.5)) as client:
            exchange = client.send(SendEmailRequest(PARAMS))
        seconds = elapsed()
    assert "timeout" == exchange.outcome.kind  # type: ignore[union-attr]
    assert 0.5 <= seconds < 1.5


def test_hooks_do_not_call_a_dead_target() -> None:
    with RawServer(hang) as server:
        profile = target_profile(server.url, timeout_s=0.3)
        account = replace(profile.account, reset_url=server.url + "_reset")
        with EnvelopeClient(replace(profile, account=account)) as client:
            for _ in range(2):
                client.send(SendEmailRequest(PARAMS))
            with timed() as elapsed, pytest.raises(TestHookError, match="not tried"):
                client.reset()
            assert elapsed() < 0.1
        assert 2 == server.connections


def test_a_stopped_run_ends_the_call_in_flight_and_refuses_the_next() -> None:
    with RawServer(hang) as server:
        client = EnvelopeClient(target_profile(server.url, timeout_s=30))
        threading.Timer(0.3, stop_all_calls, args=("SIGTERM received",)).start()
        try:
            with timed() as elapsed, pytest.raises(RunStopped, match="SIGTERM"):
                client.send(SendEmailRequest(PARAMS))
            assert elapsed() < 2
            with pytest.raises(RunStopped):
                client.send(SendEmailRequest(PARAMS))
        finally:
            clear_stop()
            client.close()


# --- caps and redaction -------------------------------------------------------------------


def test_generated_params_are_stored_compactly_and_exactly() -> None:
    text = fill_utf8("h\u00e9llo ", 10_485_761)
    params = {"Message": {"Body": {"Text": {"Data": text}}}, "Source": "x" * 70_000}
    stored = cap_record({"params": params})
    size = len(json.dumps(stored))
    assert size < 2 * MAX_STRING_CHARS
    assert params == expand_params(json.loads(json.dumps(stored))["params"])


def test_target_text_is_cut_with_a_marker() -> None:
    stored = cap_record({"response": {"body": "b" * 1_000_000, "headers": {"h": ["v"] * 5000}}})
    body = stored["response"]["body"]
    assert body.endswith("[cut: 934,464 of 1,000,000 characters]")
    assert "[cut: 4,000 of 5,000 items]" == stored["response"]["headers"]["h"][-1]


def test_a_secret_is_masked_whatever_surrounds_it(secrets: None) -> None:
    encoded = quote(TOKEN, safe="")
    for text in (f"x{TOKEN}y", json.dumps({"t": TOKEN}), f"q={encoded}&", f"<{TOKEN}>"):
        masked = redact(text)
        assert (TOKEN in masked, encoded in masked, MASK in masked) == (False, False, True)
    assert f"a{MASK}b" == redact(f"a{TOKEN}b")


def test_a_secret_cut_in_half_by_a_cap_is_masked(secrets: None) -> None:
    """A client keeps only so much of an answer and records cut long strings: the head of
    a secret left at the cut no longer matches the whole value, and must not leak."""
    echoed = "a" * (MAX_STRING_CHARS - 10) + TOKEN + "b" * 100
    stored = cap_record({"body": echoed})["body"]
    assert TOKEN[:10] in cut_text(echoed)  # the cap leaves the secret's head
    assert (False, True) == (TOKEN[:10] in redact(stored), MASK in redact(stored))
    assert f"echo: {MASK}" == redact(f"echo: {TOKEN[:12]}")  # a body the client cut short
    assert f"ends {TOKEN[:5]}" == redact(f"ends {TOKEN[:5]}")  # too short to be a secret's


def test_a_secret_written_in_pieces_is_masked(secrets: None) -> None:
    sink = io.StringIO()
    stream = RedactingStream(sink)
    stream.write("start " + TOKEN[:10])
    stream.write(TOKEN[10:] + " end\n")
    stream.flush()
    assert f"start {MASK} end\n" == sink.getvalue()


def test_secret_env_values_are_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIT_SECRET", "s3cr3t-value-from-env")
    path = tmp_path / "p.toml"
    path.write_text('secret_env = ["UNIT_SECRET"]\nrun_timeout_s = 30\n', "utf-8")
    profile = load_profile(path)
    assert ("s3cr3t-value-from-env" in profile.secrets, 30.0) == (True, profile.run_timeout_s)
    assert "s3cr3t-value-from-env" not in repr(profile)


# --- rendering ----------------------------------------------------------------------------


def test_the_page_shows_binary_and_deep_bodies_escaped() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    binary = "\x00\x01\x1b[2J" + "\ud800"
    rule = {
        "id": "envelope.error",
        "outcome": "fail",
        "reason": binary,
        "counterexample": {
            "expected": "reject",
            "actual": binary,
            "request": {"method": "POST", "url": "u", "headers": {}, "body": deep},
            "response": {"status": 500, "headers": {"X": binary}, "body": binary * 1000},
        },
    }
    page = render_index_html({"rules": [rule], "counts": {}, "target": {}, "exit_code": 1})
    assert ("\x00" in page, "\x1b" in page, "\\x00\\x01\\x1b" in page) == (False, False, True)
    page.encode("utf-8")  # no lone surrogate left
    assert deep[:100] == pretty_body(deep)[0][:100]


def test_json_nested_too_deep_is_refused_before_it_is_parsed() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with timed() as elapsed:
        value, error = load_json(deep)
    assert (None, True, True) == (value, isinstance(error, RecursionError), elapsed() < 0.5)
    limit = MAX_JSON_DEPTH
    assert (False, True) == (
        nested_deeper_than(b"[" * limit + b"]" * limit),
        nested_deeper_than(b"{" * (limit + 1)),
    )
    brackets_in_a_string = b'{"a": "' + b"[" * 5000 + b'", "b": [[1]]}'
    assert ({"a": "[" * 5000, "b": [[1]]}, None) == load_json(brackets_in_a_string)
