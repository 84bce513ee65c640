"""Planted faults that hide in one equivalence class (conformance/classes.py).

Each breaks the reference in a class a narrower generator would miss: an invalid
recipient only past position 5, whitespace only at an address's ends, a size counted in
characters, duplicates left uncounted. The engine's hooks live in server/class_hooks.py
and do nothing unless one of these is planted. Each fault's `breaks` is the exact set of
rules a default run must fail against it (tests/test_class_faults.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.server.fault_type import Fault

_E = "envelope"
# A table of facts, one row per class fault: its rows are alike in shape only.
_SPEC: tuple[tuple[str, str, str, str | None], ...] = (
    # recipients.valid
    (
        "class-invalid-past-5-unchecked",
        "recipients.valid",
        "recipients past position 5 are not validated",
        None,
    ),
    (
        "class-strips-address-ends",
        "recipients.valid",
        "whitespace at a recipient's ends is stripped, not refused",
        None,
    ),
    (
        "class-strips-crlf",
        "recipients.valid",
        "CR and LF in a recipient are dropped, not refused",
        None,
    ),
    (
        "class-unicode-space-allowed",
        "recipients.valid",
        "non-ASCII whitespace in a recipient is allowed",
        None,
    ),
    # found by the mutation run: MAX_ADDRESS and MAX_LABEL one smaller refused the longest
    # valid address, which no example sent
    (
        "class-limits-one-short",
        "recipients.valid",
        "the length limits count one character too few: a valid 254-character recipient "
        "is refused as too long",
        None,
    ),
    # found by the mutation run: `continue` made `break` after a Source accepted for its
    # raw non-ASCII display name left every recipient after it unread
    (
        "class-recipients-unread-after-raw-name-source",
        "recipients.valid",
        "after a Source accepted for its raw non-ASCII display name (`Blog 한국어 <...>`), "
        "the recipients are not validated",
        None,
    ),
    # sender.verified
    # found by the mutation run: raw_name_accepted's gray test made `==` judged every
    # invalid Source with its non-ASCII characters swapped for `a`
    (
        "class-source-unicode-space-allowed",
        "sender.verified",
        "non-ASCII whitespace in a Source is dropped: `s\u2003ender@verified.example` is read "
        "as a verified address",
        None,
    ),
    (
        "class-source-trailing-dot",
        "sender.verified",
        "a Source domain's trailing dot is ignored",
        None,
    ),
    (
        "class-named-source-unchecked",
        "sender.verified",
        "with a display name only the Source's domain is checked",
        None,
    ),
    (
        "class-unbalanced-source",
        "sender.verified",
        "a Source `Name <addr` without `>` is accepted",
        None,
    ),
    ("class-source-xn-refused", "sender.verified", "a Source under an xn-- label is refused", None),
    (
        "class-source-suffix-lookalike",
        "sender.verified",
        "verified.example.evil.example verifies as a Source",
        None,
    ),
    (
        "class-source-depth-1-only",
        "sender.verified",
        "a verified domain covers one subdomain level of Sources",
        None,
    ),
    # sandbox.recipients
    (
        "class-recipient-case-insensitive",
        "sandbox.recipients",
        "sandbox recipients match address identities in any case",
        None,
    ),
    (
        "class-simulator-lookalike",
        "sandbox.recipients",
        "any domain containing the simulator's is the simulator",
        None,
    ),
    (
        "class-recipient-suffix-lookalike",
        "sandbox.recipients",
        "verified.example.evil.example is a verified recipient",
        None,
    ),
    (
        "class-recipient-domain-case",
        "sandbox.recipients",
        "sandbox recipient domains match case-sensitively",
        None,
    ),
    # size.max
    ("class-size-in-characters", "size.max", "the size counts characters, not UTF-8 bytes", None),
    ("class-size-ignores-html", "size.max", "the size ignores the Html part", None),
    ("class-size-ignores-subject", "size.max", "the size ignores the Subject", None),
    ("class-size-largest-part", "size.max", "the size is the largest part's, not the sum", None),
    # found by the mutation run: parse_json's `<=` made `>` counted escaped quotes as strings
    (
        "class-size-quotes-counted",
        "size.max",
        "a request's strings are capped by counting its quote characters, escaped ones too: "
        "an Html part with 40,002 quotes (HTML attributes) is refused",
        None,
    ),
    # recipients.max and recipients.min
    ("class-duplicates-uncounted", "recipients.max", "a repeated recipient counts once", None),
    (
        "class-far-beyond-accepted",
        "recipients.max",
        "counts over twice the limit wrap to zero",
        None,
    ),
    (
        "class-per-list-limit",
        "recipients.max",
        "the limit applies to each list, not to the three",
        None,
    ),
    (
        "class-empty-lists-accepted",
        "recipients.min",
        "three empty lists are taken for a recipient",
        None,
    ),
    ("class-null-lists-accepted", "recipients.min", "null lists are taken for a recipient", None),
    # request.required
    ("class-null-optional-refused", "request.required", "a null optional member is refused", None),
    (
        "class-other-charset-refused",
        "request.required",
        "a Charset other than `UTF-8` is refused",
        None,
    ),
    ("class-html-data-optional", "request.required", "an Html part without Data is ignored", None),
    (
        "class-empty-subject-accepted",
        "request.required",
        "an empty Subject object is accepted",
        None,
    ),
    # sender.verified and sandbox.recipients: gray for its syntax only (issue 8, item 4)
    (
        "class-gray-source-unverified",
        "sender.verified",
        "a gray Source (display name, quoted or commented address) is taken unverified",
        None,
    ),
    (
        "class-gray-recipient-unverified",
        "sandbox.recipients",
        "in the sandbox, a gray recipient is delivered without its identity checked",
        None,
    ),
    # quota.recipients
    (
        "class-quota-duplicates-once",
        "quota.recipients",
        "a recipient listed twice uses the quota once",
        None,
    ),
    # robust.no-5xx
    (
        "class-unknown-nested-500",
        "robust.no-5xx",
        "an unknown member inside Message gets a 500",
        _E,
    ),
    ("class-charset-type-500", "robust.no-5xx", "a Charset that is not a string gets a 500", _E),
    (
        "class-tags-element-500",
        "robust.no-5xx",
        "a Tags element that is not an object gets a 500",
        _E,
    ),
    # issue 17: three classes the run did not declare (appended: the other faults keep the
    # seed test_class_faults.py gives each by its place in this table)
    (
        "class-source-name-address",
        "sender.verified",
        "a Source's display name that is an address is read as the Source: "
        '`"sender@verified.example" <x@unverified.example>` is taken as verified',
        None,
    ),
    (
        "class-source-address-domain-case",
        "sender.verified",
        "address identities match with the domain's case folded (as RFC 5321 would), so "
        "`Mixed.Case@OTHER.EXAMPLE` verifies as `Mixed.Case@other.example`; rules.md and "
        "the oracle: an address identity is case-sensitive, domain part included",
        None,
    ),
    (
        "class-strips-trailing-line-break",
        "recipients.valid",
        "a line break (LF, CRLF or CR) at a recipient's very end is stripped, not refused",
        None,
    ),
    # found by the mutation run (docs/mutation/): `if destination is not None` negated in
    # server/checks.py member_problems left every list unchecked, and only an object whose
    # keys are addresses got through (the other wrong types fail later, as invalid addresses)
    (
        "class-list-object-read-as-list",
        "robust.no-5xx",
        "a recipient list sent as a JSON object is read by its keys: "
        '`"ToAddresses": {"success@simulator.amazonses.com": "x"}` is accepted',
        _E,
    ),
    # found by the mutation run: `isinstance(item, Mapping) and all(...)` made `or` in
    # server/checks.py _item_ok accepted any object as a tag (a non-object still failed)
    (
        "class-tag-member-type-unchecked",
        "robust.no-5xx",
        'a Tags item\'s Name or Value that is not a string is read as its text: `{"Name": 5, '
        '"Value": "spring"}` is accepted',
        _E,
    ),
    # found by the mutation run: is_simulator's allow_label default made False survived, as
    # the quota tests sent only bare simulator mailboxes
    (
        "class-quota-labelled-simulator-counted",
        "quota.recipients",
        "a simulator recipient with a +label (`ooto+quota@simulator.amazonses.com`) is "
        "counted against the quota, which the profile says simulator recipients are not",
        None,
    ),
)

_ALSO: Mapping[str, frozenset[str]] = {}
"""Rules a class fault breaks besides its own; none: the quota tests reset after a wrongly
accepted invalid message, so `class-invalid-past-5-unchecked` is blamed once."""
_WITH: Mapping[str, frozenset[str]] = {
    # a target that accepts gray addresses (a legal choice) and then skips their identities
    "class-gray-source-unverified": frozenset({"gray-accepted"}),
    "class-gray-recipient-unverified": frozenset({"gray-accepted"}),
}
"""Switches a class fault turns on besides its own (legal choices it builds on)."""
CLASS_FAULTS: tuple[Fault, ...] = tuple(
    Fault(
        name,
        rule,
        description,
        wire=wire,
        breaks=frozenset({rule}) | _ALSO.get(name, frozenset()),
        effects=frozenset({name}) | _WITH.get(name, frozenset()),
    )
    for name, rule, description, wire in _SPEC
)
BREAKS: Mapping[str, frozenset[str]] = {f.name: f.broken_rules for f in CLASS_FAULTS}
"""The exact rules a default run fails against each fault (`Fault.breaks`), by name."""
