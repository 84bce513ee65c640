"""The rule catalogue: every rule of `shared/spec/rules.md`, with a stable id.

Ids never change meaning; a retired rule keeps its id. Each rule names the conformance
tests that check it (`conformance/suite/...`); a self-test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """How much a violation weighs (after autobahn and h2spec)."""

    MUST = "MUST"  # written in the documentation: a violation fails the run
    SHOULD = "SHOULD"  # real SES or plain hygiene: `non-strict`, gating under --strict
    INFO = "INFO"  # left open by the documentation: recorded, never gating


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: Level
    quote: str
    """The documentation's own words (or the model's), quoted."""
    notes: str
    """How the oracle reads the rule."""
    tests: tuple[str, ...]
    """Node ids, relative to `conformance/suite/`, of the tests that check it."""
    doc_url: str = "https://docs.aws.amazon.com/ses/latest/APIReference/API_SendEmail.html"

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


_DOC = "shared/seed/sendemail-doc.txt"
_RAW_DOC = "https://docs.aws.amazon.com/ses/latest/APIReference/API_SendRawEmail.html"

_CATALOGUE: tuple[Rule, ...] = (
    Rule(
        "sender.verified",
        Level.MUST,
        "The message must be sent from a verified email address or domain. If you attempt "
        "to send email using a non-verified address or domain, the operation will result "
        'in an "Email address not verified" error.',
        "Verified: the address inside <> is a verified address identity (case-sensitive), "
        "or its domain is a verified domain or a subdomain of one at any depth (domains "
        "compare case-insensitively). A look-alike domain (evilverified.example) is not "
        "verified. The error message must contain 'not verified'.",
        ("test_sender.py::test_sender_verification", "test_raw.py::test_raw_sender"),
    ),
    Rule(
        "sandbox.recipients",
        Level.MUST,
        "If your account is still in the Amazon SES sandbox, you may only send to verified "
        "addresses or domains, or to email addresses associated with the Amazon SES Mailbox "
        "Simulator.",
        "Only when the profile says sandbox = true. Simulator addresses: success@, bounce@, "
        "ooto@, complaint@, suppressionlist@simulator.amazonses.com, each with an optional "
        "+label. The error message must contain 'not verified'.",
        ("test_sandbox.py::test_sandbox_recipients", "test_raw.py::test_raw_sandbox"),
    ),
    Rule(
        "size.max",
        Level.MUST,
        "The maximum message size is 10 MB.",
        "Content (subject + text + html, UTF-8 bytes) <= 7,000,000 -> accept; over "
        "max_message_bytes (10,485,760) -> reject; in between -> either, unless the "
        "profile pins size_exact.",
        ("test_size.py::test_message_size", "test_raw.py::test_raw_size"),
    ),
    Rule(
        "recipients.min",
        Level.MUST,
        "The message must include at least one recipient email address. The recipient "
        "address can be a To: address, a CC: address, or a BCC: address.",
        "Zero recipients across the three lists -> reject; missing and empty lists are both zero.",
        ("test_recipients.py::test_at_least_one_recipient", "test_raw.py::test_raw_no_recipients"),
    ),
    Rule(
        "recipients.valid",
        Level.MUST,
        "If a recipient email address is invalid (that is, it is not in the format "
        "UserName@[SubDomain.]Domain.TopLevelDomain), the entire message will be rejected, "
        "even if the message contains other recipients that are valid.",
        "One invalid address in To, CC or BCC -> reject, whatever the others are; nothing "
        "delivered and nothing counted (checked through the outbox where declared).",
        (
            "test_recipients.py::test_invalid_recipient_rejects_whole_message",
            "test_recipients.py::test_rejection_is_atomic",
            "test_state_bursts.py::test_atomic_burst",
            "test_raw.py::test_raw_recipients_valid",
        ),
    ),
    Rule(
        "recipients.max",
        Level.MUST,
        "The message may not include more than 50 recipients, across the To:, CC: and BCC: fields.",
        "50 -> accept, 51+ -> reject, counted across the three lists together; duplicates "
        "count each time.",
        ("test_recipients.py::test_recipient_count_limit", "test_raw.py::test_raw_recipient_count"),
    ),
    Rule(
        "quota.recipients",
        Level.MUST,
        "For every message that you send, the total number of recipients (including each "
        "recipient in the To:, CC: and BCC: fields) is counted against the maximum number "
        "of emails you can send in a 24-hour period (your sending quota).",
        "Needs max_24h_send and reset_url. Accepted messages add their recipients, rejected "
        "ones nothing; a send when the quota is used up -> reject; a send that would cross "
        "it -> either (real SES is unresolved there).",
        (
            "test_quota.py::TestSendingQuota::runTest",
            "test_quota.py::test_quota_boundary",
            "test_state_bursts.py::test_quota_burst",
        ),
        "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html",
    ),
    Rule(
        "request.required",
        Level.MUST,
        "Source, Destination, Message, Message.Subject, Message.Body and each Content's "
        "Data are required (SES API model).",
        "Missing -> reject. A Body with only Text or only Html is valid.",
        ("test_request.py::test_required_members", "test_raw.py::test_raw_required"),
    ),
    Rule(
        "envelope.success",
        Level.MUST,
        '{"success": true, "data": {"id": "abc123", "created_at": "2025-01-01T00:00:00Z"}}',
        "success is the JSON boolean true; data.id a non-empty string; data.created_at an "
        "RFC 3339 timestamp with a zone; no error member.",
        ("test_envelope.py::test_success_envelope",),
    ),
    Rule(
        "envelope.error",
        Level.MUST,
        '{"success": false, "error": {"code": "VALIDATION_ERROR", "message": "Invalid '
        'request parameters"}}',
        "success is the JSON boolean false; code and message non-empty strings; no data member.",
        ("test_envelope.py::test_error_envelope",),
    ),
    Rule(
        "envelope.id-unique",
        Level.MUST,
        "Composes an email message and immediately queues it for sending.",
        "Each accepted message is its own message: no two accepted messages share an id.",
        ("test_envelope.py::test_ids_are_unique", "test_state_bursts.py::test_id_burst"),
    ),
    Rule(
        "envelope.created-at",
        Level.SHOULD,
        "created_at is when the message was accepted.",
        "Within a tolerance (5 minutes) of the client's clock.",
        ("test_envelope.py::test_created_at_is_now",),
    ),
    Rule(
        "http.status",
        Level.SHOULD,
        "Success with 2xx; the error envelope with 4xx for a fault in the request.",
        "A 5xx for a bad request is robust.no-5xx's business.",
        ("test_envelope.py::test_http_status",),
    ),
    Rule(
        "http.content-type",
        Level.SHOULD,
        "Both envelopes are JSON (the project's addition: plain HTTP hygiene).",
        "Envelope wire only: each envelope served as application/json (charset=utf-8 "
        "allowed); another media type, a +json suffix or other parameters are this rule's "
        "finding, never the envelope's.",
        ("test_envelope.py::test_content_type",),
    ),
    Rule(
        "robust.no-5xx",
        Level.MUST,
        "Bad input gets a clear error.",
        "Malformed JSON, wrong types, huge or non-UTF-8 values: the error envelope (4xx), "
        "never a 5xx, a hang or a dropped connection.",
        (
            "test_robust.py::test_malformed_bodies",
            "test_robust.py::test_wrong_types",
            "test_raw.py::test_raw_wrong_types",
        ),
    ),
    Rule(
        "ses.error-codes",
        Level.SHOULD,
        "Real SES's codes and messages (ses-ground-truth.md section 10).",
        "SES protocols only: MessageRejected for verification, InvalidParameterValue for "
        "syntax, count and size, ValidationError for missing members, Throttling for quota.",
        ("test_ses_codes.py::test_real_ses_codes", "test_ses_codes.py::test_real_ses_codes_raw"),
        "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html",
    ),
    Rule(
        "rate.max-send-rate",
        Level.SHOULD,
        "Real SES refuses sends beyond the account's MaxSendRate (per second) with "
        "Throttling, 'Maximum sending rate exceeded.' (SESv2: HTTP 429 "
        "TooManyRequestsException); it also allows short bursts over the rate.",
        "Only for a profile with account.max_send_rate and account.rate_enforced = true "
        "(never real SES). Sends sustained at three times the rate for three seconds -> some "
        "refused with a throttling error; sends spaced at half the rate -> accepted. A "
        "throttling refusal is a valid reason for any refusal in such a run.",
        ("test_rate.py::test_max_send_rate",),
        "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html",
    ),
    Rule(
        "tags.valid",
        Level.SHOULD,
        "A tag's name and value are required, 1-255 characters; names hold ASCII letters, "
        "digits, _ and - (a name may start with ses:); values hold ASCII letters, digits, "
        "_, -, . and @.",
        "A tag outside these -> reject with InvalidParameterValue at the SHOULD level, even "
        "from an unverified sender (real SES checks tags before identities); at the MUST "
        "level either. Wrong JSON types stay robust.no-5xx's. A 256-character name or value "
        "is either (the boundary was not probed on real SES).",
        ("test_tags.py::test_tags_valid",),
        "https://docs.aws.amazon.com/ses/latest/APIReference/API_MessageTag.html",
    ),
    Rule(
        "raw.mime",
        Level.MUST,
        "The message has to contain a header and a body, separated by a blank line. All of "
        "the required header fields must be present in the message. Each part of a "
        "multipart MIME message must be formatted properly.",
        "Raw messages (SendRawEmail, SESv2 Content.Raw) only. A header-section line that is "
        "neither a field nor a folded continuation before the first blank line, neither a "
        "From: header nor a Source, or a multipart boundary that never appears -> reject. "
        "An empty message, headers with no blank line and no body, odd folding or a missing "
        "MIME-Version -> either. The other rules read the sender and recipients from the "
        "message when Source and Destinations are not given.",
        ("test_raw.py::test_raw_mime",),
        _RAW_DOC,
    ),
    Rule(
        "raw.line-length",
        Level.SHOULD,
        "Per RFC 5321, the maximum length of each line of text, including the <CRLF>, must "
        "not exceed 1,000 characters.",
        "A line of more than 1,000 characters before its CRLF -> reject at the SHOULD level; "
        "999 or 1,000 -> either (the documentation counts the CRLF; many implementations do "
        "not). At the MUST level every length is either.",
        ("test_raw.py::test_raw_line_length",),
        _RAW_DOC,
    ),
    Rule(
        "raw.encoding",
        Level.INFO,
        'Content outside 7-bit ASCII "should be encoded".',
        "8-bit content in a part without Content-Transfer-Encoding -> either; recorded.",
        ("test_raw.py::test_raw_encoding",),
        _RAW_DOC,
    ),
)

RULES: Mapping[str, Rule] = {rule.id: rule for rule in _CATALOGUE}
"""Every rule, by id, in catalogue order."""

DOC_SOURCE = _DOC


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; a clear error naming the id otherwise."""
    try:
        return RULES[rule_id]
    except KeyError:
        known = ", ".join(RULES)
        raise KeyError(f"unknown rule id {rule_id!r}; known ids: {known}") from None


@dataclass(frozen=True, slots=True)
class Uncovered:
    """A part of the SendEmail surface the suite does not judge, and why."""

    what: str
    why: str


NOT_COVERED: tuple[Uncovered, ...] = (
    Uncovered(
        "SESv2 Content.Simple.Attachments",
        "no rule reads them: no request carries one, and a target's attachment handling "
        "is not judged",
    ),
    Uncovered(
        "SESv2 Content.Simple.Headers",
        "no rule reads them (max 15, name and value limits in the model): not generated, "
        "not judged",
    ),
    Uncovered(
        "Templates: SendTemplatedEmail, SESv2 Content.Template",
        "another operation (and content kind) with its own rules; never sent",
    ),
    Uncovered(
        "Bulk sends: SendBulkTemplatedEmail, SESv2 SendBulkEmail",
        "other operations, per-destination answers; never sent",
    ),
    Uncovered(
        "Configuration sets (ConfigurationSetName)",
        "rules.md has no configuration-set rule yet: a missing or paused set is not "
        "judged (real SES: ConfigurationSetDoesNotExist)",
    ),
)
"""What `sesconf rules` and the report say the suite does not check: the one list."""


def not_covered_json() -> list[dict[str, str]]:
    """NOT_COVERED as summary.json carries it (`not_covered`), and as the report reads it."""
    return [{"what": item.what, "why": item.why} for item in NOT_COVERED]
