"""The envelope client and the shared transport, against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from werkzeug.wrappers import Response

from conformance.model import (
    Accepted,
    RawRequest,
    Rejected,
    SendEmailRequest,
    Unrecognized,
)
from conformance.protocols.envelope import EnvelopeClient, parse_timestamp
from conformance.protocols.transport import MAX_BODY_BYTES, HttpTransport
from tests._servers import (
    ERR,
    OK,
    PARAMS,
    RawServer,
    answering,
    closed_port_url,
    garbage,
    hang,
    huge_body,
    json_response,
    keep_alive,
    reset,
    timed,
    trickle,
)
from tests._servers import (
    target_profile as profile,
)


def send(response: Response) -> Any:
    with answering(response) as server, EnvelopeClient(profile(server.url)) as client:
        return client.send(SendEmailRequest(PARAMS))


# --- well-formed answers --------------------------------------------------------------


def test_success_is_accepted_and_the_wire_is_exact() -> None:
    with answering(json_response(OK)) as server:
        url = server.url + "v1/send?Action=SendEmail"
        with EnvelopeClient(profile(url)) as client:
            exchange = client.send(SendEmailRequest(PARAMS))
    assert Accepted(id="m-1", created_at="2025-01-01T00:00:00Z") == exchange.outcome
    assert exchange.problems == {}
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/v1/send")
    assert seen.header("Content-Type") == "application/json"
    assert seen.header("Accept") == "application/json"
    assert json.dumps(PARAMS, ensure_ascii=False).encode() == seen.body
    assert seen.body == exchange.request.body
    assert url == exchange.request.url
    assert exchange.response.status == 200


def test_error_is_rejected() -> None:
    exchange = send(json_response(ERR, status=400))
    assert Rejected("VALIDATION_ERROR", "Invalid request", 400) == exchange.outcome
    assert exchange.problems == {}


def test_charset_parameter_is_fine() -> None:
    exchange = send(json_response(OK, content_type="application/json; charset=utf-8"))
    assert exchange.problems == {}


def test_send_raw_posts_the_bytes_as_they_are() -> None:
    raw = RawRequest(b'{"Source": "\xff', content_type="text/plain")
    with (
        answering(json_response(ERR, status=400)) as server,
        EnvelopeClient(profile(server.url)) as client,
    ):
        exchange = client.send_raw(raw)
    assert raw.body == server.requests[0].body
    assert server.requests[0].header("Content-Type") == "text/plain"
    assert type(exchange.outcome).__name__ == "Rejected"


def test_lone_surrogate_still_goes_out_as_valid_json() -> None:
    with answering(json_response(OK)) as server, EnvelopeClient(profile(server.url)) as client:
        client.send(SendEmailRequest({"Source": "a\ud800b"}))
    assert json.loads(server.requests[0].body) == {"Source": "a\ud800b"}


# --- envelope defects: each gives exactly its rule ------------------------------------


def _ok(**data: Any) -> dict[str, Any]:
    return {"success": True, "data": {**OK["data"], **data}}


def _no(member: str) -> dict[str, Any]:
    return {"success": True, "data": {k: v for k, v in OK["data"].items() if k != member}}


_E = dict(ERR["error"])
DEFECTS: list[tuple[str, int, Any, str, set[str], type]] = [
    ("success string", 200, {**OK, "success": "true"}, "json", {"envelope.success"}, Unrecognized),
    ("success 1", 200, {**OK, "success": 1}, "json", {"envelope.success"}, Unrecognized),
    ("id missing", 200, _no("id"), "json", {"envelope.success"}, Accepted),
    ("id empty", 200, _ok(id=""), "json", {"envelope.success"}, Accepted),
    ("data not object", 200, {"success": True, "data": []}, "json", {"envelope.success"}, Accepted),
    ("created_at missing", 200, _no("created_at"), "json", {"envelope.success"}, Accepted),
    ("no zone", 200, _ok(created_at="2025-01-01T00:00:00"), "json", {"envelope.success"}, Accepted),
    (
        "month 13",
        200,
        _ok(created_at="2025-13-01T00:00:00Z"),
        "json",
        {"envelope.success"},
        Accepted,
    ),
    ("error on success", 200, {**OK, "error": _E}, "json", {"envelope.success"}, Accepted),
    ("data on error", 400, {**ERR, "data": OK["data"]}, "json", {"envelope.error"}, Rejected),
    # a body that contradicts itself is read by its status: its envelope's finding alone
    ("success true on error", 400, {**ERR, "success": True}, "json", {"envelope.error"}, Rejected),
    (
        "success false on success",
        200,
        {**OK, "success": False},
        "json",
        {"envelope.success"},
        Accepted,
    ),
    ("code empty", 400, {**ERR, "error": {**_E, "code": ""}}, "json", {"envelope.error"}, Rejected),
    ("message missing", 400, {**ERR, "error": {"code": "X"}}, "json", {"envelope.error"}, Rejected),
    ("success 'false'", 400, {**ERR, "success": "false"}, "json", {"envelope.error"}, Unrecognized),
    ("200 error", 200, ERR, "json", {"http.status"}, Rejected),
    ("success with 400", 400, OK, "json", {"http.status"}, Accepted),
    ("302", 302, ERR, "json", {"http.status"}, Rejected),
    ("500", 500, ERR, "json", {"robust.no-5xx"}, Rejected),
    ("text/plain", 200, OK, "text/plain", {"http.content-type"}, Accepted),
    ("problem+json", 400, ERR, "application/problem+json", {"http.content-type"}, Rejected),
    ("space for T", 200, _ok(created_at="2025-01-01 00:00:00Z"), "json", set(), Accepted),
    ("html 200", 200, b"<html>hi</html>", "text/html", {"envelope.success"}, Unrecognized),
    ("html 502", 502, b"<html/>", "text/html", {"envelope.error", "robust.no-5xx"}, Unrecognized),
    (
        "not utf-8",
        400,
        b'{"success": false, "x": "\xff"}',
        "json",
        {"envelope.error"},
        Unrecognized,
    ),
    ("json array", 200, [OK], "json", {"envelope.success"}, Unrecognized),
    ("NaN", 400, b'{"success": false, "n": NaN}', "json", {"envelope.error"}, Unrecognized),
]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "keys", "outcome"),
    [case[1:] for case in DEFECTS],
    ids=[case[0] for case in DEFECTS],
)
def test_each_defect_gives_exactly_its_rule(
    status: int, body: Any, content_type: str, keys: set[str], outcome: type
) -> None:
    media = "application/json" if content_type == "json" else content_type
    exchange = send(json_response(body, status=status, content_type=media))
    assert keys == set(exchange.problems)
    assert all(exchange.problems[key] for key in keys)
    assert outcome is type(exchange.outcome)


def test_non_json_problem_quotes_the_body() -> None:
    exchange = send(json_response(b"<html>oops</html>", status=200, content_type="text/html"))
    assert any(
        "body is not JSON: b'<html>oops</html>'" in p for p in exchange.problems["envelope.success"]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T00:00:00Z", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01t00:00:00.5z", datetime(2025, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        (
            "2025-06-30T23:59:60+05:30",
            datetime(2025, 6, 30, 23, 59, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("2025-01-01T00:00:00-00:00", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T00:00:00", None),
        ("2025-13-01T00:00:00Z", None),
        ("2025-02-30T00:00:00Z", None),
        ("2025-01-01T24:00:00Z", None),
        ("2025-01-01T00:00:00+24:00", None),
        ("2025-01-01 00:00:00Z", datetime(2025, 1, 1, tzinfo=UTC)),  # RFC 3339 5.6 NOTE
        ("2025-01-01_00:00:00Z", None),
        ("２０２５-01-01T00:00:00Z", None),
        ("", None),
    ],
)
def test_parse_timestamp(text: str, expected: datetime | None) -> None:
    assert expected == parse_timestamp(text)


# --- transport ------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection() -> None:
    with (
        RawServer(keep_alive(json.dumps(OK).encode())) as server,
        EnvelopeClient(profile(server.url)) as client,
    ):
        outcomes = [client.send(SendEmailRequest(PARAMS)).outcome for _ in range(20)]
    assert 20 * [Accepted("m-1", "2025-01-01T00:00:00Z")] == outcomes
    assert server.connections == 1


def _transport_failure(behaviour: Any, *, timeout_s: float = 2.0) -> tuple[Any, float, int]:
    with (
        RawServer(behaviour) as server,
        EnvelopeClient(profile(server.url, timeout_s=timeout_s)) as client,
        timed() as t,
    ):
        exchange = client.send(SendEmailRequest(PARAMS))
        elapsed = t()
    return exchange, elapsed, server.connections


def test_hang_ends_as_timeout_within_timeout_s() -> None:
    exchange, elapsed, _ = _transport_failure(hang, timeout_s=0.5)
    assert exchange.outcome.kind == "timeout"
    assert None is exchange.response
    assert 0.5 <= elapsed < 0.5 + 1.0


def test_reset_is_connection() -> None:
    exchange, _, connections = _transport_failure(reset)
    assert exchange.outcome.kind == "connection"
    assert connections == 1  # no retry of a SendEmail


def test_garbage_is_connection() -> None:
    assert _transport_failure(garbage)[0].outcome.kind == "connection"


def test_closed_port_is_refused() -> None:
    with EnvelopeClient(profile(closed_port_url())) as client:
        exchange = client.send(SendEmailRequest(PARAMS))
    assert exchange.outcome.kind == "refused"


def test_trickled_body_ends_at_the_deadline() -> None:
    exchange, elapsed, _ = _transport_failure(trickle, timeout_s=0.5)
    deadline = 0.5  # the call deadline: reads never wait 0.5 s, only the deadline ends it
    assert exchange.outcome.kind == "timeout"
    assert exchange.response is not None and exchange.response.truncated
    assert deadline <= elapsed < deadline + 1.0


def test_huge_body_is_capped_without_holding_it() -> None:
    tracemalloc.start()
    try:
        exchange, _, _ = _transport_failure(huge_body(50_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exchange.outcome.kind == "too-large"
    assert exchange.response.truncated
    assert len(exchange.response.body) == MAX_BODY_BYTES
    assert peak < 8 * MAX_BODY_BYTES
    assert {"envelope.success"} == set(exchange.problems)


def test_transport_validates_its_options() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        HttpTransport(timeout_s=0)
    with pytest.raises(ValueError, match="max_body_bytes"):
        HttpTransport(timeout_s=1, max_body_bytes=0)
