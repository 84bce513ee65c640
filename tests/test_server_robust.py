"""The reference server never answers 5xx, bounds what it reads, and keeps exact state."""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.profile import load_builtin_profile
from conformance.server import RunningServer, make_app, start_server

REFERENCE = load_builtin_profile("reference")
ROUTES = ("envelope", "ses-query", "sesv2", "hook")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(REFERENCE) as running:
        yield running
        assert 0 == running.engine.internal_errors


def assert_protocol_form(protocol: str, response: requests.Response) -> None:
    """The answer is this protocol's success or error form, never a 5xx."""
    assert response.status_code < 500, response.text[:300]
    if protocol in ("envelope", "hook") and response.status_code >= 400:
        body = response.json()
        assert False is body["success"]
        assert body["error"]["code"] and body["error"]["message"]
    elif protocol == "envelope":
        assert True is response.json()["success"]
    elif protocol == "ses-query":
        root = ElementTree.fromstring(response.content)
        assert root.tag.endswith("ErrorResponse" if response.status_code >= 400 else "Response")
    else:
        body = response.json()
        if response.status_code >= 400:
            assert response.headers["x-amzn-ErrorType"] and body["message"]


def send(
    url: str, protocol: str, body: bytes, *, method: str = "POST", path: str = ""
) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    target = url + path
    if protocol == "ses-query":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif protocol == "sesv2":
        target = url + "v2/email/outbound-emails"
    elif protocol == "hook":
        target = url + "_outbox"
    return requests.request(method, target, data=body, headers=headers, timeout=30)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
SES_KEYS = st.sampled_from(
    [
        "Source",
        "Destination",
        "Message",
        "Subject",
        "Body",
        "Text",
        "Html",
        "Data",
        "ToAddresses",
        "CcAddresses",
        "BccAddresses",
        "FromEmailAddress",
        "Content",
        "Simple",
    ]
)
SES_SHAPED = st.recursive(
    st.none() | st.integers() | st.text(max_size=30) | st.just("a@verified.example"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SES_KEYS, inner, max_size=4),
    max_leaves=25,
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    SES_SHAPED.map(lambda value: json.dumps(value).encode()),
    st.lists(st.tuples(st.text(max_size=40), st.text(max_size=20)), max_size=6).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in [("Action", "SendEmail"), *pairs]).encode(
            "utf-8", "surrogatepass"
        )
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    protocol=st.sampled_from(ROUTES),
    body=BODIES,
    method=st.sampled_from(["POST", "POST", "GET", "PUT"]),
)
def test_fuzzed_bodies_never_5xx(
    server: RunningServer, protocol: str, body: bytes, method: str
) -> None:
    response = send(server.url, protocol, body, method=method)
    assert_protocol_form(protocol, response)
    assert 0 == server.engine.internal_errors


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"",
        b"[]",
        b"42",
        b'"text"',
        b"null",
        b"\xff\xfe{}",
        b'{"Source": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"Source": ' + b"9" * 10_000 + b"}",
        b'{"Source": "\\ud800@x.com"}',
    ],
    ids=[
        "open",
        "empty",
        "array",
        "number",
        "string",
        "null",
        "non-utf8",
        "nan",
        "deep-array",
        "deep-object",
        "huge-int",
        "lone-surrogate",
    ],
)
@pytest.mark.parametrize("protocol", ["envelope", "sesv2"])
def test_malformed_json_is_a_4xx(server: RunningServer, protocol: str, body: bytes) -> None:
    response = send(server.url, protocol, body)
    assert 400 == response.status_code
    assert_protocol_form(protocol, response)


@pytest.mark.parametrize(
    "body",
    [
        b"Action=SendEmail&Source=%FF%FE",
        b"\xff\xfe",
        b"Action=SendEmail&a..b=1",
        b"Action=SendEmail&Message=x&Message.Subject.Data=y",
        b"Action=SendEmail&" + b"a." * 100 + b"=1",
    ],
)
def test_malformed_forms_are_a_4xx(server: RunningServer, body: bytes) -> None:
    response = send(server.url, "ses-query", body)
    assert 400 == response.status_code
    assert_protocol_form("ses-query", response)


def test_wrong_methods_get_the_protocol_error_form(server: RunningServer) -> None:
    envelope = requests.get(server.url + "anything", timeout=5)
    assert (405, False) == (envelope.status_code, envelope.json()["success"])
    v2 = requests.put(server.url + "v2/email/outbound-emails", data=b"{}", timeout=5)
    assert (405, "MethodNotAllowedException") == (v2.status_code, v2.headers["x-amzn-ErrorType"])
    text = requests.post(
        server.url, data=b"hello", headers={"Content-Type": "text/plain"}, timeout=5
    )
    assert (415, False) == (text.status_code, text.json()["success"])


def raw_exchange(url: str, request: bytes, *, timeout: float = 5.0) -> tuple[bytes, float]:
    """Send raw bytes and read one response by its Content-Length; (response, seconds)."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, "connection closed before the headers"
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed before the body"
            rest += chunk
    return head + b"\r\n\r\n" + rest, time.monotonic() - started


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/", "application/json", b'"code": "VALIDATION_ERROR"'),
        ("/", "application/x-www-form-urlencoded", b"<Code>InvalidParameterValue</Code>"),
        ("/v2/email/outbound-emails", "application/json", b"too large"),
    ],
)
def test_declared_huge_body_refused_without_reading_it(
    server: RunningServer, path: str, content_type: str, marker: bytes
) -> None:
    request = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {100 * 1024 * 1024}\r\n\r\n"
    ).encode() + b'{"Source": '
    response, seconds = raw_exchange(server.url, request)
    assert response.startswith(b"HTTP/1.1 413")
    assert marker in response
    assert b"too large" in response
    assert seconds < 2.0


def test_chunked_body_over_the_limit_is_cut_off() -> None:
    with start_server(REFERENCE, max_body_bytes=1000) as running:
        chunks = iter([b'{"Source": "', b"x" * 4000, b'"}'])
        response = requests.post(
            running.url, data=chunks, headers={"Content-Type": "application/json"}, timeout=10
        )
        assert 413 == response.status_code
        assert "too large" in response.json()["error"]["message"]
        small = requests.post(running.url, data=iter([b"{}"]), timeout=10)
        assert (400, "VALIDATION_ERROR") == (small.status_code, small.json()["error"]["code"])


def test_bad_options_are_refused_eagerly() -> None:
    with pytest.raises(ValueError, match=r"max_body_bytes.*got 0"):
        make_app(REFERENCE, max_body_bytes=0)
    with pytest.raises(ValueError, match=r"port.*got 70000"):
        start_server(REFERENCE, port=70000)
    with pytest.raises(TypeError, match="profile"):
        make_app("reference")  # type: ignore[arg-type]


def test_concurrent_sends_keep_ids_unique_and_quota_exact() -> None:
    account = dataclasses.replace(REFERENCE.account, max_24h_send=350)
    with start_server(dataclasses.replace(REFERENCE, account=account)) as running:
        params: dict[str, Any] = {
            "Source": "sender@verified.example",
            "Destination": {"ToAddresses": ["to@verified.example"]},
            "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        }
        results: list[tuple[int, str | None]] = []
        lock = threading.Lock()

        def worker() -> None:
            with requests.Session() as session:
                for _ in range(50):
                    response = session.post(running.url, json=params, timeout=30)
                    body = response.json()
                    with lock:
                        results.append((response.status_code, (body.get("data") or {}).get("id")))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ids = [message_id for status, message_id in results if status == 200]
        assert (350, 350, 50) == (len(ids), len(set(ids)), sum(s == 429 for s, _ in results))
        assert 350 == running.engine.sent_last_24h
        assert 350 == len(running.engine.outbox())
        assert 0 == running.engine.internal_errors


def test_a_session_keeps_one_connection_alive(server: RunningServer) -> None:
    with requests.Session() as session:
        for _ in range(20):
            response = session.post(server.url, json={}, timeout=10)
            assert 400 == response.status_code
            assert "close" != response.headers.get("Connection", "").lower()
        pools = session.get_adapter(server.url).poolmanager.pools  # not iterable itself
        assert 1 == sum(pools[key].num_connections for key in pools.keys())  # noqa: SIM118


def test_unread_or_refused_bodies_do_not_stall_a_kept_alive_connection(
    server: RunningServer,
) -> None:
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        v2 = "/v2/email/outbound-emails"
        conn.request("PUT", v2, body=b"x" * 10_000)  # refused without the app reading it
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        assert (405, None) == (first.status, first.getheader("Connection"))
        conn.request("GET", "/_outbox", body=iter([b"a" * 100, b"b" * 100]))  # chunked
        second = conn.getresponse()
        second.read()
        assert (200, sock) == (second.status, conn.sock)
        conn.request("POST", "/", body=b"{}", headers={"Content-Type": "application/json"})
        third = conn.getresponse()
        third.read()
        assert (400, sock) == (third.status, conn.sock)
        conn.putrequest("POST", "/")  # declared over the limit: answered, then closed
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(100 * 1024 * 1024))
        conn.endheaders(b"{")
        fourth = conn.getresponse()
        assert (413, "close") == (fourth.status, fourth.getheader("Connection"))
    finally:
        conn.close()


def test_a_chunked_body_with_trailers_leaves_the_connection_usable(server: RunningServer) -> None:
    request = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: t\r\n\r\n"
        b"GET /_outbox HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 400 ")
    assert 1 == data.count(b"HTTP/1.1 200 OK") and b'"messages"' in data


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\nHost: x\n\n",
        b"GET /_outbox HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1_0\r\n\r\n{}",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFF\r\nabc",
        b"GET /" + b"a" * (2 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (2 << 20) + b"\r\n\r\n",
    ],
    ids=[
        "garbage",
        "http2",
        "bare-lf",
        "header-line",
        "unknown-te",
        "negative-length",
        "underscore-length",
        "repeated-length",
        "length-and-chunked",
        "chunk-size",
        "chunk-crlf",
        "huge-chunk",
        "long-uri",
        "big-header",
    ],
)
def test_http_framing_errors_are_a_prompt_4xx(server: RunningServer, request_bytes: bytes) -> None:
    response, seconds = raw_exchange(server.url, request_bytes)
    status = int(response.split(b" ", 2)[1])
    assert 400 <= status < 500, response[:200]
    assert seconds < 2.0
    assert 0 == server.engine.internal_errors
