"""Planted-fault variants of the reference server, for the suite's own tests.

Each fault is a small change: the engine or the app asks `engine.effects(protocol)` at
one place per effect (request-dependent switches in `variants.py`). Each declares the
exact set of rules `sesconf run --strict` must fail against it (`breaks`, by default its
`rule_id`), over every protocol it applies to (`protocols`). A fault limited to one wire
(`wire="ses-query"`) shows only there. The correct-but-different variants break nothing:
they make other legal choices, so a suite that fails them is too strict.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.server.class_faults import CLASS_FAULTS
from conformance.server.fault_type import Fault
from conformance.server.raw_faults import RAW_FAULTS

_E = "envelope"
_Q = "ses-query"

# A table of facts, one Fault per planted fault: its rows are alike in shape only.
_RULES: tuple[Fault, ...] = (
    Fault("accept-51-recipients", "recipients.max", "allows one recipient over the limit"),
    Fault("count-to-only", "recipients.max", "counts only ToAddresses against the limit"),
    Fault("bcc-not-validated", "recipients.valid", "never checks BccAddresses syntax"),
    Fault("cc-not-validated", "recipients.valid", "never checks CcAddresses syntax"),
    Fault(
        "partial-delivery",
        "recipients.valid",
        "refuses a message with an invalid recipient but delivers to the valid ones",
    ),
    Fault(
        "accept-zero-recipients",
        "recipients.min",
        "accepts a message with no recipient",
        shows_on=(_E, "sesv2"),  # the Query form cannot carry an empty list
    ),
    Fault(
        "lookalike-domain-verified",
        "sender.verified",
        "domain identity test is endswith: evilverified.example passes",
        # the same identity test admits sandbox recipients at unverified.example
        breaks=frozenset({"sender.verified", "sandbox.recipients"}),
    ),
    Fault(
        "subdomain-not-verified",
        "sender.verified",
        "a verified domain covers no subdomain",
        # the same identity test refuses sandbox recipients in subdomains
        breaks=frozenset({"sender.verified", "sandbox.recipients"}),
    ),
    Fault(
        "address-case-insensitive",
        "sender.verified",
        "address identities match case-insensitively",
        breaks=frozenset({"sender.verified", "sandbox.recipients"}),  # one identity test
    ),
    Fault(
        "domain-case-sensitive",
        "sender.verified",
        "domain identities match case-sensitively",
        breaks=frozenset({"sender.verified", "sandbox.recipients"}),  # one identity test
    ),
    Fault(
        "display-name-unverified",
        "sender.verified",
        "verifies the Source as written, so `Name <addr>` is refused",
    ),
    Fault(
        "wrong-unverified-message",
        "sender.verified",
        "the verification error does not say 'not verified'",
        # the same message refuses sandbox recipients; over ses-query it is not real SES's
        breaks=frozenset({"sender.verified", "sandbox.recipients"}),
        also_on={_Q: frozenset({"ses.error-codes"})},
    ),
    Fault("sandbox-ignored", "sandbox.recipients", "sandbox recipients are not checked"),
    Fault(
        "simulator-label-refused",
        "sandbox.recipients",
        "mailbox simulator addresses with a +label are refused",
    ),
    Fault("size-not-enforced", "size.max", "no message size limit"),
    Fault("size-too-strict", "size.max", "refuses content over 1,000,000 bytes"),
    Fault("accept-missing-subject", "request.required", "Message.Subject is optional"),
    Fault("text-only-body-refused", "request.required", "Body needs Html"),
    Fault("accept-missing-source", "request.required", "Source is optional"),
    Fault("constant-id", "envelope.id-unique", "every message id is 'abc123'"),
    Fault(
        "constant-id-outbox-kept",
        "envelope.id-unique",
        "every message id is 'abc123', and a reset keeps the outbox (as some emulators' "
        "does): the state rules must not find their messages by id",
        effects=frozenset({"constant-id", "outbox-kept"}),
    ),
    Fault("created-at-missing", "envelope.success", "no data.created_at", wire=_E),
    Fault("success-as-string", "envelope.success", '"success": "true"', wire=_E),
    Fault("created-at-no-zone", "envelope.success", "created_at has no zone", wire=_E),
    Fault("error-without-message", "envelope.error", "error.message left out", wire=_E),
    Fault("error-with-data", "envelope.error", "error envelope carries data", wire=_E),
    Fault(
        "error-says-success",
        "envelope.error",
        'error envelopes say "success": true (beside their error member): every other rule '
        "reads them by their 4xx",
        wire=_E,
    ),
    Fault("500-on-malformed-json", "robust.no-5xx", "malformed JSON gets a 500", wire=_E),
    Fault("500-on-wrong-type", "robust.no-5xx", "a wrong member type gets a 500", wire=_E),
    Fault(
        "success-with-500",
        "robust.no-5xx",
        "accepted sends are answered HTTP 500 with a well-formed success body: an acceptance "
        "(counted against the quota), the 5xx robust.no-5xx's alone",
    ),
    Fault("quota-not-enforced", "quota.recipients", "never refuses for quota"),
    Fault("quota-counts-messages", "quota.recipients", "counts 1 per message, not per recipient"),
    Fault("rejected-counted", "quota.recipients", "refused sends consume quota"),
    Fault("status-200-on-error", "http.status", "error envelopes come with HTTP 200", wire=_E),
    Fault("created-at-stale", "envelope.created-at", "created_at is a day old", wire=_E),
    # --- faults that show on the SES Query wire --------------------------------------------
    Fault(
        "query-accept-51",
        "recipients.max",
        "Query: one recipient over the limit accepted",
        effects=frozenset({"accept-51-recipients"}),
        wire=_Q,
    ),
    Fault(
        "query-wrong-code",
        "ses.error-codes",
        "Query: address syntax errors use MessageRejected, not InvalidParameterValue",
        wire=_Q,
    ),
    Fault(
        "query-requestid-missing",
        "envelope.success",
        "Query: success XML without ResponseMetadata/RequestId",
        wire=_Q,
    ),
    Fault("query-messageid-empty", "envelope.success", "Query: empty MessageId", wire=_Q),
    Fault(
        "query-no-namespace",
        "envelope.success",
        "Query: success XML without the SES namespace",
        wire=_Q,
    ),
    Fault("query-error-type-missing", "envelope.error", "Query: error XML without Type", wire=_Q),
    Fault(
        "query-bcc-not-validated",
        "recipients.valid",
        "Query: BccAddresses syntax not checked",
        effects=frozenset({"bcc-not-validated"}),
        wire=_Q,
    ),
    Fault(
        "query-lookalike-verified",
        "sender.verified",
        "Query: domain identity test is endswith",
        effects=frozenset({"lookalike-domain-verified"}),
        wire=_Q,
        breaks=frozenset({"sender.verified", "sandbox.recipients"}),
    ),
    Fault("query-500-on-bad-form", "robust.no-5xx", "Query: undecodable form gets 500", wire=_Q),
    Fault(
        "query-200-without-action",
        "robust.no-5xx",
        "Query: a body without Action is answered 200 VerifyEmailIdentityResponse (as moto's "
        "is): a 2xx to no SendEmail call is robust.no-5xx's alone, not envelope.success's",
        wire=_Q,
    ),
    Fault(
        "query-constant-id",
        "envelope.id-unique",
        "Query: every MessageId is 'abc123'",
        effects=frozenset({"constant-id"}),
        wire=_Q,
    ),
    Fault(
        "query-status-200-on-error",
        "http.status",
        "Query: ErrorResponse with HTTP 200",
        effects=frozenset({"status-200-on-error"}),
        wire=_Q,
    ),
    Fault(
        "query-errors-403",
        "http.status",
        "Query: every error answered with HTTP 403 (real SES answers SendEmail's sender "
        "faults with 400)",
        wire=_Q,
    ),
    # --- wrong only where a rule's own test never looks: the run-wide monitors see it ------
    Fault(
        "constant-id-after-reset",
        "envelope.id-unique",
        "every message id is 'abc123', but only after the first reset of the run",
    ),
    Fault("500-on-cc-only", "robust.no-5xx", "HTTP 500 for messages whose recipients are all CC"),
    Fault(
        "created-at-stale-bcc-only",
        "envelope.created-at",
        "created_at is a day old, only for BCC-only messages",
        wire=_E,
    ),
    Fault("status-200-on-size-error", "http.status", "size refusals come with HTTP 200"),
    Fault(
        "bad-success-at-limit",
        "envelope.success",
        "a malformed success (no created_at / RequestId / MessageId) at exactly the limit",
    ),
    Fault(
        "bad-error-on-quota",
        "envelope.error",
        "a malformed error (no message / Type / x-amzn-ErrorType) for quota refusals",
    ),
    # --- right one request at a time, wrong under concurrent sends (conformance/server/races.py)
    Fault(
        "quota-check-then-count",
        "quota.recipients",
        "the quota is checked, then counted in a second step after a short sleep: a burst of "
        "concurrent sends crosses it",
    ),
    Fault(
        "id-counter-unlocked",
        "envelope.id-unique",
        "ids from a counter read, then written after a short sleep, with no lock: concurrent "
        "sends get the same id",
    ),
    Fault(
        "partial-delivery-in-flight",
        "recipients.valid",
        "a message refused for an invalid recipient is delivered to its valid ones when "
        "another send is in flight",
    ),
    # --- legal, but a SHOULD finding: exit 0, `non-strict`; --strict fails that rule alone --
    Fault(
        "problem-json-errors",
        "http.content-type",
        "exact error envelopes served as application/problem+json",
        wire=_E,
    ),
    Fault(
        "created-at-space",
        "envelope.created-at",
        "created_at with a space for the T (RFC 3339 section 5.6 NOTE)",
        wire=_E,
    ),
)
_CORRECT: tuple[Fault, ...] = (
    Fault(
        "refuse-empty-body",
        None,
        "refuses a Body whose Text and Html Data are all empty (a documented gray zone)",
    ),
    Fault(
        "tags-unchecked",
        "tags.valid",
        "message tags are not checked: any string passes",
        effects=frozenset({"tags-not-first"}),
    ),
    Fault(
        "tags-after-identities",
        "tags.valid",
        "tags are checked after the identities: an unverified sender's bad tag gets the "
        "identity error",
        effects=frozenset({"tags-not-first", "tags-after-identities"}),
    ),
    Fault("quota-first", None, "checks the quota before anything else"),
    Fault("outbox-kept", None, "a reset zeroes the quota count but keeps the outbox"),
    Fault("body-first", None, "checks the message size before addresses"),
    Fault("echo-input", None, "every error message echoes the whole request (2 MB Source too)"),
    Fault(
        "odd-statuses",
        None,
        "refusals with 403 (not verified), 413 (size), 422 (address): legal where the wire "
        "leaves a refusal's status open; on the Query wire real SES answers its sender faults "
        "with 400 (protocols.md §2), a SHOULD finding of http.status there",
        also_on={_Q: frozenset({"http.status"})},
    ),
    Fault(
        "identities-any-order",
        None,
        "lists the identities that failed verification last first (the recipient before "
        "the sender), in region EU-CENTRAL-1",
    ),
    Fault(
        "different-but-correct",
        None,
        "other legal choices: codes InvalidRecipient/Unverified, 422 and 201, gray addresses "
        "accepted, +label on address identities, raw size count, 300 ms latency",
        effects=frozenset(
            {"alt-codes", "alt-status", "gray-accepted", "plus-label", "size-raw", "latency"}
        ),
    ),
)

_ALL = (*_RULES, *RAW_FAULTS, *_CORRECT)
"""The rules' faults, the raw messages' (server/raw_faults.py), then the correct variants."""
FAULTS: Mapping[str, Fault] = {fault.name: fault for fault in (*_ALL, *CLASS_FAULTS)}
"""Every planted fault, by name."""
RULE_FAULTS: Mapping[str, Fault] = {fault.name: fault for fault in _ALL}
"""The faults of the rules and their answers (tests/test_planted_faults.py runs each over
every protocol it applies to); the class faults have their own test."""


def get_fault(name: str | None) -> Fault | None:
    """The fault called `name` (None for the faithful server); ValueError naming it otherwise."""
    if name is None:
        return None
    if not isinstance(name, str) or name not in FAULTS:
        known = ", ".join(FAULTS)
        raise ValueError(f"unknown fault {name!r}; known faults: {known}")
    return FAULTS[name]
