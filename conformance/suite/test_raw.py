"""Raw messages (rules.md "Raw messages"): SendRawEmail over ses-query, `Content.Raw` over
sesv2. raw.mime, raw.line-length and raw.encoding, and the documented rules read from the
message (sender from From:, recipients from To/Cc/Bcc and their group lists, its size).

Every raw class of conformance/class_raw.py runs as an explicit example; the envelope
wire has no raw form (protocols.md §4), so there every test skips, saying why.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from conformance.suite.reach import check
from conformance.suite.reach import examples as class_examples
from conformance.suite.support import TestContext, configured, examples, rule
from sesconf_strategies.cases import Deferred, GeneratedCase, built
from sesconf_strategies.raw import raw_requests, raw_sizes
from sesconf_strategies.raw_cases import raw_class_cases, size_plans

PROFILE = configured().profile
SHARE = settings(max_examples=examples(0.2, at_least=5))
"""Ten raw tests share the run: a fifth of the budget each, the classes always."""
DRAWN = raw_requests(profile=PROFILE)


def _raw(ctx: TestContext, case: GeneratedCase) -> None:
    """Send the raw message and judge it for the test's rule (skipped without raw form)."""
    if not ctx.target.client.rule_applies("raw.mime"):
        pytest.skip(
            f"the {ctx.profile.protocol} wire has no raw form: raw messages travel over "
            "ses-query (SendRawEmail) and sesv2 (Content.Raw) only (protocols.md §4)"
        )
    check(ctx, case)


@rule("raw.mime")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("raw.mime", PROFILE))
def test_raw_mime(ctx: TestContext, case: GeneratedCase) -> None:
    _raw(ctx, case)


@rule("raw.line-length")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("raw.line-length", PROFILE))
def test_raw_line_length(ctx: TestContext, case: GeneratedCase) -> None:
    _raw(ctx, case)


@rule("raw.encoding")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("raw.encoding", PROFILE))
def test_raw_encoding(ctx: TestContext, case: GeneratedCase) -> None:
    """INFO: recorded, never gating (8-bit content is either way)."""
    _raw(ctx, case)


@rule("sender.verified")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("sender.verified", PROFILE))
def test_raw_sender(ctx: TestContext, case: GeneratedCase) -> None:
    _raw(ctx, case)


@rule("sandbox.recipients")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("sandbox.recipients", PROFILE))
def test_raw_sandbox(ctx: TestContext, case: GeneratedCase) -> None:
    if not ctx.profile.account.sandbox:
        pytest.skip("applies only in the sandbox (profile: account.sandbox = false)")
    _raw(ctx, case)


@rule("recipients.valid")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("recipients.valid", PROFILE))
def test_raw_recipients_valid(ctx: TestContext, case: GeneratedCase) -> None:
    _raw(ctx, case)


@rule("recipients.max")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("recipients.max", PROFILE))
def test_raw_recipient_count(ctx: TestContext, case: GeneratedCase) -> None:
    _raw(ctx, case)


@rule("recipients.min")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("recipients.min", PROFILE))
def test_raw_no_recipients(ctx: TestContext, case: GeneratedCase) -> None:
    _raw(ctx, case)


# Each example moves up to 14 MB of base64 (56 MB over SESv2): the band's five edges
# always, each written out only when it runs (Deferred), and one drawn size.
@rule("size.max")
@settings(max_examples=1)
@given(case=raw_sizes(profile=PROFILE))
@class_examples(size_plans(PROFILE))
def test_raw_size(ctx: TestContext, case: GeneratedCase | Deferred) -> None:
    _raw(ctx, built(case))


@rule("request.required")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("request.required", PROFILE))
def test_raw_required(ctx: TestContext, case: GeneratedCase) -> None:
    """RawMessage.Data is required (null, or absent from RawMessage)."""
    _raw(ctx, case)


@rule("robust.no-5xx")
@SHARE
@given(case=DRAWN)
@class_examples(raw_class_cases("robust.no-5xx", PROFILE))
def test_raw_wrong_types(ctx: TestContext, case: GeneratedCase) -> None:
    """Members of the wrong type around a raw message are refused, never read loosely."""
    _raw(ctx, case)
