"""The battery over raw sends (issue 19): a target that serves SendEmail, its hooks and
everything else as the reference does, but answers every raw send (Query
`Action=SendRawEmail`, a SESv2 body with `Content.Raw`) with one hostile behaviour of the
battery. `sesconf run --rules "raw.*" --rules recipients.min` ends with exit 1 or 3, in
bounded time and memory, leaks no credential, and passes no rule on answers it could not
read; each rule's outcome is asserted exactly.

By default nine behaviours run, each over one SES wire in turn; `SESCONF_HOSTILE_FULL=1`
runs every behaviour of the battery over both.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final, cast
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conformance.profile import load_builtin_profile
from conformance.report.readable import NO_READABLE_ANSWER
from conformance.server import RunningServer, start_server
from tests._hostile import BATTERY, Behaviour, _bomb
from tests._servers import RawServer, read_request
from tests.test_hostile_battery import (
    PEAK_RSS_MB,
    STARTUP_S,
    TIMEOUT_MULTIPLE,
    TIMEOUT_S,
    UNUSABLE,
    assert_reports_valid,
    leaked,
    profile_text,
    run_sesconf,
)

RAW_RULES: Final = ("raw.encoding", "raw.line-length", "raw.mime")
OWNER: Final = "recipients.min"
"""Selected beside the raw rules: the rule that owns a good raw message refused (its
control, as many recipients in a plain message, is refused too). No raw rule can: its
control is a raw message as well. Its SendEmail half runs against the reference."""
SES_WIRES: Final = ("ses-query", "sesv2")
SAMPLE: Final = (
    "html-500",
    "redirect-loop",
    "nested-json",
    "nested-xml-400",
    "endless-chunked",
    "body-trickle",
    "gzip-bomb",
    "garbage",
    "echo-body",
)
"""The default run's behaviours, each over one wire in turn; the full run takes them all."""
FULL = os.environ.get("SESCONF_HOSTILE_FULL") == "1"
HOP_BY_HOP: Final = frozenset({"connection", "content-length", "transfer-encoding", "host"})


# --- the target: the reference for all but raw sends -----------------------------------------


def is_raw_send(request: bytes) -> bool:
    """A SendRawEmail form, or a SESv2 send whose Content is Raw (protocols.md §4)."""
    head, _, body = request.partition(b"\r\n\r\n")
    if head.startswith(b"POST /v2/email/outbound-emails"):
        try:
            content = json.loads(body).get("Content")
        except (ValueError, AttributeError):
            return False
        return isinstance(content, dict) and "Raw" in content
    form = parse_qs(body.decode("latin-1"))
    return ["SendRawEmail"] == form.get("Action")


class Replayed:
    """The connection with the request already read put back in front of it, so a battery
    behaviour reads that request as its own."""

    def __init__(self, conn: socket.socket, request: bytes) -> None:
        self._conn = conn
        self._pending = request

    def recv(self, size: int) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        return self._conn.recv(size)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


def forward(reference: str, request: bytes) -> bytes:
    """The reference's answer to `request`, as bytes for the client's connection."""
    head, _, body = request.partition(b"\r\n\r\n")
    line, *fields = head.decode("latin-1").split("\r\n")
    method, path, _ = line.split(" ", 2)
    headers = {}
    for field in fields:
        name, _, value = field.partition(":")
        if name.strip().lower() not in HOP_BY_HOP:
            headers[name.strip()] = value.strip()
    where = urlsplit(reference)
    conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        conn.request(method, path, body, headers)
        answer = conn.getresponse()
        data = answer.read()
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
    finally:
        conn.close()
    lines = [f"HTTP/1.1 {answer.status} {answer.reason}", *(f"{k}: {v}" for k, v in kept)]
    lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


def raw_hostile(behaviour: Behaviour, reference: str) -> Behaviour:
    """Every request on a connection forwarded to the reference until a raw send: that
    one, and the connection, go to `behaviour`."""

    def serve(conn: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            request = read_request(conn)
            if not request:
                return
            if is_raw_send(request):
                behaviour(cast(socket.socket, Replayed(conn, request)), stopping)
                return
            conn.sendall(forward(reference, request))

    return serve


@pytest.fixture(scope="module")
def reference() -> Iterator[RunningServer]:
    with start_server(load_builtin_profile("reference")) as running:
        yield running


@pytest.fixture(scope="module", autouse=True)
def _gzip_bomb_ready() -> None:
    _bomb()  # compressed once, before any run times its first call


# --- the runs -----------------------------------------------------------------------------


def check_raw_hostile(name: str, protocol: str, reference: str, tmp_path: Path) -> None:
    behaviour, _ = BATTERY[name]
    with RawServer(raw_hostile(behaviour, reference)) as server:
        profile = tmp_path / "hostile.toml"
        profile.write_text(profile_text(server.url, protocol), "utf-8")
        report_dir = tmp_path / "report"
        kill_after = 2 * STARTUP_S + 3 * TIMEOUT_MULTIPLE * TIMEOUT_S
        args = ["--profile", str(profile), "--rules", "raw.*", "--rules", OWNER]
        args += ["--concurrency", "1"]
        finished = run_sesconf(args, report_dir, kill_after=kill_after)
    expected = expected_outcomes(name, protocol)
    assert expected_exit(expected) == finished.returncode, finished.output[-3000:]
    bound = STARTUP_S + TIMEOUT_MULTIPLE * TIMEOUT_S
    assert finished.seconds < bound, f"{finished.seconds:.1f} s > {bound} s"
    summary = assert_reports_valid(report_dir)
    assert finished.returncode == summary["exit_code"]
    assert finished.peak_rss_mb < PEAK_RSS_MB, f"{finished.peak_rss_mb:.0f} MB"
    assert [] == leaked(report_dir, finished.output)
    rules = {str(r["id"]): r for r in summary["rules"]}  # type: ignore[union-attr]
    assert expected == {rule_id: r["outcome"] for rule_id, r in rules.items()}, finished.output
    for rule in rules.values():
        if rule["outcome"] == "broken":  # for want of an answer, not for a crash
            assert str(rule["reason"]).startswith((NO_READABLE_ANSWER, UNUSABLE)), rule


READ_AS_ACCEPTED: Final = frozenset({"echo-body", "gzip-bomb"})
"""A 200 whose body the client cannot parse: an acceptance by its status (issue 17's
reading, `checks.judgements.read`), so the target took messages it must refuse."""
READ_AS_REFUSED: Final = frozenset(
    {
        *((name, wire) for wire in SES_WIRES for name in ("echo-headers", "invalid-utf8")),
        *((name, wire) for wire in SES_WIRES for name in ("length-too-short", "nested-json-400")),
        ("nested-xml-400", "sesv2"),
    }
)
"""A 4xx whose body the client cannot parse (over ses-query 100,000 nested tags are not
read at all): a refusal by its status, whatever its body. Every raw message is refused,
and no raw rule can own the refusal of a good one (its control is refused too)."""


def expected_outcomes(name: str, protocol: str) -> dict[str, str]:
    """Each rule's outcome as the spec and issue 17's reading make it: `broken` on answers
    not read as an acceptance or a refusal (no verdict without evidence)."""
    if name in READ_AS_ACCEPTED:
        # raw.mime (MUST), recipients.min (MUST) and raw.line-length (SHOULD) messages
        # taken; raw.encoding (INFO) is `either` for every message: any acceptance will do.
        taken = {"raw.encoding": "pass", "raw.line-length": "non-strict", "raw.mime": "fail"}
        return {**taken, OWNER: "fail"}
    if (name, protocol) in READ_AS_REFUSED:
        # Every raw message refused: what the raw rules demand be refused is; a good
        # message refused is recipients.min's finding.
        return {**{rule_id: "pass" for rule_id in RAW_RULES}, OWNER: "fail"}
    return {rule_id: "broken" for rule_id in (*RAW_RULES, OWNER)}


def expected_exit(outcomes: dict[str, str]) -> int:
    """3 when a rule is broken, else 1 when a MUST rule failed, else 0 (README, exit codes)."""
    values = set(outcomes.values())
    return 3 if "broken" in values else 1 if "fail" in values else 0


def _rotating() -> list[tuple[str, str]]:
    return [(name, SES_WIRES[index % 2]) for index, name in enumerate(SAMPLE)]


@pytest.mark.parametrize(
    ("name", "protocol"), _rotating(), ids=[f"{n}-{p}" for n, p in _rotating()]
)
def test_a_hostile_raw_answer_ends_a_run_cleanly(
    name: str, protocol: str, reference: RunningServer, tmp_path: Path
) -> None:
    check_raw_hostile(name, protocol, reference.url, tmp_path)


_EVERY = [(name, protocol) for name in sorted(BATTERY) for protocol in SES_WIRES]


@pytest.mark.slow
@pytest.mark.skipif(not FULL, reason="52 runs, about 3 min: set SESCONF_HOSTILE_FULL=1")
@pytest.mark.parametrize(("name", "protocol"), _EVERY, ids=[f"{n}-{p}" for n, p in _EVERY])
def test_every_hostile_raw_answer_over_both_wires(
    name: str, protocol: str, reference: RunningServer, tmp_path: Path
) -> None:
    check_raw_hostile(name, protocol, reference.url, tmp_path)


def test_the_target_serves_sendemail_and_turns_only_raw_sends(reference: RunningServer) -> None:
    """The proxy's own contract: SendEmail gets the reference's answer, a raw send the
    behaviour's (here a fixed 418), on the same connection."""
    teapot = b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def behaviour(conn: socket.socket, stopping: threading.Event) -> None:
        assert is_raw_send(read_request(conn))
        conn.sendall(teapot)

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    plain = "Action=SendEmail&Source=sender%40verified.example&Destination.ToAddresses.member.1="
    plain += "r0%40verified.example&Message.Subject.Data=s&Message.Body.Text.Data=b"
    v2 = {"Content": {"Raw": {"Data": "AA=="}}}
    with RawServer(raw_hostile(behaviour, reference.url)) as server, requests.Session() as s:
        s.post(server.url + "_reset", timeout=30).raise_for_status()
        sent = s.post(server.url, data=plain, headers=form, timeout=30)
        quota = s.post(server.url, data="Action=GetSendQuota", headers=form, timeout=30)
        raw_form = "Action=SendRawEmail&RawMessage.Data=AA%3D%3D"
        raw = s.post(server.url, data=raw_form, headers=form, timeout=30)
        raw_v2 = s.post(server.url + "v2/email/outbound-emails", json=v2, timeout=30)
        outbox = s.get(server.url + "_outbox", timeout=30)
    assert (200, 200, 418, 418) == tuple(r.status_code for r in (sent, quota, raw, raw_v2))
    assert b"<SendEmailResponse" in sent.content and b"<Max24HourSend>" in quota.content
    assert [["r0@verified.example"]] == [m["to"] for m in outbox.json()["messages"]]
