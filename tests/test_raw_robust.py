"""Bad raw input gets a clear error and loses nothing (issue 19): every raw body the
reference is sent over ses-query (SendRawEmail) and sesv2 (Content.Raw) gets the
protocol's error form or a well-formed acceptance, never a 5xx, a crash or a stall; and
the suite's own oracle reads the same hostile messages without crashing or hanging.

The hostile messages are built inside their test (some are 10 MB), never at collection.
"""

from __future__ import annotations

import base64
import json
import random
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Final

import pytest
import requests
from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.model import Accept, Expectation, Reject
from conformance.oracle_raw import expect_raw, expect_raw_lines
from conformance.profile import load_builtin_profile
from conformance.raw import read_message
from conformance.server import RunningServer, start_server
from sesconf_strategies.raw import BODIES

REFERENCE = load_builtin_profile("reference")
PROTOCOLS: Final = ("ses-query", "sesv2")
CALL_S: Final = 30.0
"""A generous bound on one call: a stall fails the test, a slow machine does not."""
HEAD: Final = (
    b"From: sender@verified.example\r\nTo: r0@verified.example\r\n"
    b"Subject: hostile\r\nMIME-Version: 1.0\r\n"
)
MIXED: Final = b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n'
PART: Final = b"--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n"


# --- hostile messages, each built when its test runs ----------------------------------------


def _nested(depth: int) -> bytes:
    """A multipart in a multipart, `depth` deep, each with its own boundary, all closed."""
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--" % i for i in reversed(range(depth)))
    return HEAD + opening + b"Content-Type: text/plain\r\n\r\nhi" + closing + b"\r\n"


def _garbage(size: int) -> bytes:
    return random.Random(19).randbytes(size)


HOSTILE: Final[dict[str, Callable[[], bytes]]] = {
    "binary-garbage": lambda: _garbage(2_000_000),
    "garbage-with-line-ends": lambda: _garbage(1_000_000).replace(b"\x00", b"\r\n"),
    "nested-1000-deep": lambda: _nested(1000),
    "nested-1000-deep-padded": lambda: _nested(1000).replace(b"hi", b"pad line\r\n" * 800_000),
    "header-section-10MB": lambda: (
        HEAD + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 56) for i in range(140_000)) + b"\r\nhi\r\n"
    ),
    "one-header-folded-10MB": lambda: HEAD + b"X-Folded: a\r\n" + b" fold\r\n" * 1_400_000,
    "endless-header-line": lambda: HEAD + b"X-Long: " + b"a" * 6_000_000,
    "header-section-without-end": lambda: HEAD + b"X-H: v\r\n" * 600_000,
    "to-header-of-9MB": lambda: HEAD + b"Cc: " + b"a@b.example, " * 700_000 + b"\r\n\r\nhi\r\n",
    "boundary-never-closes": lambda: HEAD + MIXED + PART * 100_000,
    "boundary-never-appears": lambda: HEAD + MIXED + b"hello\r\n" * 100_000,
    "parts-50000": lambda: HEAD + MIXED + PART * 50_000 + b"--zz--\r\n",
    "empty-boundary-lines": lambda: HEAD + MIXED + b"--zz\r\n" * 300_000,
    "bare-cr-and-nul": lambda: HEAD + b"\r\n" + b"a\rb\x00c\r" * 300_000,
}
NOT_BASE64: Final = ("not base64!", "=" * 1000, "QUJD\u00e9", "A" * 5, "\x00\ud7ff")


# --- the wire forms -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(REFERENCE) as running:
        yield running
        assert 0 == running.engine.internal_errors


def send_data(url: str, protocol: str, data: str) -> requests.Response:
    """POST one raw send carrying `data` as RawMessage.Data / Content.Raw.Data."""
    if protocol == "ses-query":
        form = {"Action": "SendRawEmail", "Version": "2010-12-01", "RawMessage.Data": data}
        body = urllib.parse.urlencode(form, errors="surrogatepass").encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return requests.post(url, data=body, headers=headers, timeout=CALL_S)
    payload = json.dumps({"Content": {"Raw": {"Data": data}}}).encode("ascii")
    headers = {"Content-Type": "application/json"}
    return requests.post(
        url + "v2/email/outbound-emails", data=payload, headers=headers, timeout=CALL_S
    )


def answer_form(protocol: str, response: requests.Response) -> str:
    """'accepted' or 'rejected', asserting the protocol's exact form (protocols.md §2-4)."""
    status = response.status_code
    if protocol == "ses-query":
        root = ElementTree.fromstring(response.content)
        if status == 200:
            assert root.tag.endswith("SendRawEmailResponse"), response.text[:300]
            assert root.findtext(".//{*}MessageId")
            return "accepted"
        assert 400 == status, response.text[:300]
        assert root.tag.endswith("ErrorResponse")
        assert root.findtext(".//{*}Code") and root.findtext(".//{*}Message")
        return "rejected"
    body = response.json()
    if status == 200:
        assert body["MessageId"]
        return "accepted"
    assert 400 <= status < 500, response.text[:300]
    assert response.headers["x-amzn-ErrorType"] and body["message"]
    return "rejected"


def judged(server: RunningServer, protocol: str, data: str) -> str:
    """The reference's answer to one raw send, its form checked; the quota reset after."""
    answer = answer_form(protocol, send_data(server.url, protocol, data))
    assert 0 == server.engine.internal_errors
    if answer == "accepted":
        requests.post(server.url + "_reset", timeout=CALL_S).raise_for_status()
    return answer


def agrees(expected: object, answer: str) -> None:
    """The reference is the strict conformant target: it answers as the oracle says."""
    if isinstance(expected, Accept):
        assert "accepted" == answer, expected
    elif isinstance(expected, Reject):
        assert "rejected" == answer, expected


def b64(message: bytes) -> str:
    return base64.b64encode(message).decode("ascii")


# --- fuzzed RawMessage.Data ------------------------------------------------------------------


def _spliced(draw: st.DrawFn) -> bytes:
    """A message the email package wrote, cut short and with drawn bytes spliced in."""
    message = BODIES[draw(st.sampled_from(sorted(BODIES)))]
    cut = draw(st.integers(0, len(message)))
    at = draw(st.integers(0, cut))
    return message[:at] + draw(st.binary(max_size=40)) + message[at:cut]


ODD_LINES = st.sampled_from(
    [
        b"From: sender@verified.example",
        b"To: r0@verified.example, team: a@verified.example;",
        b'Content-Type: multipart/mixed; boundary="q"',
        b"Content-Type: multipart/alternative; boundary=",
        b"Content-Transfer-Encoding: base64",
        b"--q",
        b"--q--",
        b" folded",
        b"",
        b"no colon here",
        b"\xff\xfe\x00",
        b"=?utf-8?b?SsO2cmc=?= <x@verified.example>",
    ]
)
MIME_ISH = st.lists(ODD_LINES, max_size=25).flatmap(
    lambda lines: st.sampled_from([b"\r\n", b"\n", b"\r"]).map(lambda end: end.join(lines))
)
DATA = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=300).map(b64),
    st.composite(_spliced)().map(b64),
    MIME_ISH.map(b64),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(protocol=st.sampled_from(PROTOCOLS), data=DATA)
def test_fuzzed_raw_data_never_5xx(server: RunningServer, protocol: str, data: str) -> None:
    answer = judged(server, protocol, data)
    agrees(expect_raw({"RawMessage": {"Data": data}}, REFERENCE), answer)


# --- written-out hostile messages ------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_raw_message_gets_an_answer(
    server: RunningServer, protocol: str, name: str
) -> None:
    data = b64(HOSTILE[name]())
    answer = judged(server, protocol, data)
    agrees(expect_raw({"RawMessage": {"Data": data}}, REFERENCE), answer)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("data", NOT_BASE64)
def test_data_that_is_not_base64_is_refused(
    server: RunningServer, protocol: str, data: str
) -> None:
    assert "rejected" == judged(server, protocol, data)


def _read_and_judge(message: bytes) -> tuple[Expectation, Expectation]:
    """The reader, the MUST oracle and raw.line-length's own (SHOULD) on one message."""
    assert len(message) == read_message(message).size
    params = {"RawMessage": {"Data": b64(message)}}
    return expect_raw(params, REFERENCE), expect_raw_lines(params, REFERENCE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_oracle_reads_a_hostile_message(name: str) -> None:
    """The suite's oracle on the same messages: an expectation, no crash, no hang (bound
    generously, as a call to a target is: a stall fails, a slow machine does not)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        expected, lines = pool.submit(_read_and_judge, HOSTILE[name]()).result(timeout=CALL_S)
    if name == "boundary-never-appears":
        assert isinstance(expected, Reject) and {"raw.mime"} == expected.rules
    if name == "binary-garbage":
        assert isinstance(expected, Reject)
    if name == "endless-header-line":
        assert isinstance(lines, Reject) and "raw.line-length" in lines.rules
