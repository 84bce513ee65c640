"""Requests wrong in their recipients: none at all, or one invalid address among valid ones
(recipients.min's and recipients.valid's tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.members import DESTINATION_LISTS
from conformance.profile import TargetProfile
from sesconf_strategies.addresses import gray_addresses, invalid_addresses
from sesconf_strategies.build import case_of, params_of, verified_sender
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.recipients import (
    FIELDS,
    Recipients,
    deliverable_recipients,
    recipient_lists,
)

_NO_LISTS: dict[str, dict[str, list[str]]] = {
    "missing lists": {},
    "empty lists": {key: [] for key in DESTINATION_LISTS},
    "empty To only": {"ToAddresses": []},
}


def no_recipients(*, profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """Zero recipients, written every way: no Destination members, empty lists."""
    sender = verified_sender(profile)

    def case(shape: str) -> GeneratedCase:
        params = params_of(source=sender, recipients=Recipients())
        params["Destination"] = {k: list(v) for k, v in _NO_LISTS[shape].items()}
        return case_of(params, f"0 recipients: {shape}", violates=frozenset({"recipients.min"}))

    return st.sampled_from(tuple(_NO_LISTS)).map(case)


def one_invalid_recipient(*, profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """A valid request, then one invalid (sometimes also a gray) address planted in To, CC
    or BCC, anywhere in its list. The invalid address is planted into a deliverable one, so
    a sandbox check cannot hide the defect."""
    deliverable = deliverable_recipients(profile=profile)
    invalid = invalid_addresses(bases=deliverable).map(
        lambda bad: (bad.text, f"invalid: {bad.defect}")
    )
    gray = gray_addresses().map(lambda found: (found.text, f"gray: {found.reason}"))
    good = recipient_lists(count=st.integers(0, 8), addresses=deliverable)
    fields = st.sampled_from(FIELDS)
    positions = st.integers(0, 8)
    sender = verified_sender(profile)

    @st.composite
    def draw_case(draw: st.DrawFn) -> GeneratedCase:
        base = draw(good)
        text, label = draw(invalid)
        field = draw(fields)
        recipients = base.with_address(field, text, draw(positions))
        if draw(st.booleans()):
            gray_text, _ = draw(gray)
            recipients = recipients.with_address(draw(fields), gray_text, draw(positions))
        return case_of(
            params_of(source=sender, recipients=recipients),
            f"invalid recipient in {field[:-9]}: {label}",
            recipients.label(),
            violates=frozenset({"recipients.valid"}),
        )

    return draw_case()
