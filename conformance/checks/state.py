"""The checks of state: what one answer cannot show. The run's tests and `sesconf replay`
call these same functions, so replay judges recipients.valid by the witness recipient and
envelope.id-unique by the ids, exactly as the run does."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from conformance.addresses import AddressClass, classify_address
from conformance.checks.evidence import Verdict
from conformance.checks.judgements import accepted_id
from conformance.members import DESTINATION_LISTS
from conformance.model import Exchange, Rejected
from conformance.outbox_formats import delivered_to
from conformance.profile import TargetProfile
from sesconf_strategies.build import deliverable


def witness_address(profile: TargetProfile) -> str:
    """A deliverable recipient named by one send only (a random 64-bit number, not a
    serial: the outbox of a target that is not reset keeps the deliveries of earlier runs)."""
    return deliverable(profile, uuid.uuid4().int >> 64)


def params_with_witness(params: Mapping[str, Any], witness: str, limit: int) -> dict[str, Any]:
    """`params` with `witness` appended to its To list, or, when that would pass the
    recipient limit, in place of its first valid recipient (the request keeps its invalid
    recipient); unchanged when there is no valid recipient to stand in for."""
    out = copy.deepcopy(dict(params))
    lists = out.setdefault("Destination", {})
    count = sum(len(lists.get(key) or []) for key in DESTINATION_LISTS)
    if count < limit:
        lists.setdefault("ToAddresses", []).append(witness)
        return out
    at = next(
        (
            (key, i)
            for key in DESTINATION_LISTS
            for i, address in enumerate(lists.get(key) or [])
            if classify_address(address, role="recipient").cls is AddressClass.VALID
        ),
        None,
    )
    if at is None:  # no valid recipient to stand in for: no witness, no finding
        return copy.deepcopy(dict(params))
    lists[at[0]][at[1]] = witness
    return out


def atomic_problems(
    exchange: Exchange, outbox: Iterable[Mapping[str, Any]] | None, witness: str
) -> tuple[str, ...]:
    """recipients.valid's state: a refused message naming `witness` left nothing in the
    outbox (a delivery naming the witness comes from that send alone)."""
    if not isinstance(exchange.outcome, Rejected):
        return ()
    delivered = [m for m in outbox or [] if witness in delivered_to(m)]
    if delivered:
        return (f"a rejected message still reached the outbox: {delivered!r}"[:500],)
    return ()


def atomic_verdict(
    exchange: Exchange,
    outbox: Iterable[Mapping[str, Any]] | None,
    witness: str,
    *,
    params: Mapping[str, Any],
    expected: str,
) -> Verdict | None:
    """recipients.valid's state check as a verdict (`expected`: the oracle's, described)."""
    problems = atomic_problems(exchange, outbox, witness)
    if not problems:
        return None
    return Verdict(
        "recipients.valid", problems[0], exchange, f"{expected} and nothing delivered", params
    )


def id_unique_verdict(
    exchanges: Sequence[Exchange], *, params: Mapping[str, Any]
) -> Verdict | None:
    """envelope.id-unique over a sequence of answers: each acceptance has an id of its own."""
    repeat = repeated_id(exchanges)
    if repeat is None:
        return None
    first, i, ident = repeat
    summary = f"message {i + 1} got the id {ident!r} of message {first + 1}"
    return Verdict("envelope.id-unique", summary, exchanges[i], "a new id", params)


def repeated_id(exchanges: Sequence[Exchange]) -> tuple[int, int, str] | None:
    """(first, later, id): the first acceptance whose id an earlier one had; None if none."""
    seen: dict[str, int] = {}
    for i, exchange in enumerate(exchanges):
        ident = accepted_id(exchange)
        if ident is None:
            continue
        if ident in seen:
            return seen[ident], i, ident
        seen[ident] = i
    return None
