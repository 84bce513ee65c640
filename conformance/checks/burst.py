"""The state rules under concurrency (rules.md, "State under concurrency"): a burst of
sends released together, recorded as summary.json's `counterexample.burst`, and its
judgement. The run's burst tests and `sesconf replay` build and judge bursts with these
same functions, so replay judges a burst as the run did."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from conformance.checks.evidence import Verdict, describe_outcome, json_ready
from conformance.checks.judgements import Reading, read
from conformance.checks.state import atomic_problems, repeated_id, witness_address
from conformance.model import Exchange, Rejected
from conformance.oracle import recipients_of
from conformance.profile import TargetProfile
from conformance.verification import is_simulator
from sesconf_strategies.build import deliverable, params_of, verified_sender
from sesconf_strategies.recipients import Recipients

KINDS = {
    "quota": "quota.recipients",
    "id-unique": "envelope.id-unique",
    "atomic": "recipients.valid",
}
"""A burst's kind -> the rule it judges."""
QUOTA_PER_SEND = 5
"""Recipients of each send of a quota burst (as many are left of the quota: one fits)."""


@dataclass(frozen=True, slots=True)
class Burst:
    """Sends released together, and what the judgement needs to know of the state."""

    kind: str
    sends: tuple[Mapping[str, Any], ...]
    left: int = 0
    """quota: the recipients left of the quota when the burst is released."""
    witnesses: tuple[str | None, ...] = ()
    """atomic: each send's witness recipient (None for a valid send)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
        if not self.sends:
            raise ValueError("sends: a burst needs at least one send, got none")
        if self.witnesses and len(self.witnesses) != len(self.sends):
            raise ValueError(f"witnesses: {len(self.witnesses)} for {len(self.sends)} sends")

    @property
    def rule_id(self) -> str:
        return KINDS[self.kind]

    def record(self) -> dict[str, Any]:
        """summary.json's `counterexample.burst`."""
        return {
            "kind": self.kind,
            "sends": [json_ready(p) for p in self.sends],
            "left": self.left,
            "witnesses": list(self.witnesses),
        }

    def described(self) -> str:
        recipients = sum(len(recipients_of(p)) for p in self.sends)
        return f"{len(self.sends)} concurrent sends, {recipients} recipients"


def burst_from_record(raw: Any) -> Burst | None:
    """The burst of a report's counterexample; None when there is none or it is malformed
    (a report is read, never trusted)."""
    if not isinstance(raw, Mapping):
        return None
    sends, witnesses, left = raw.get("sends"), raw.get("witnesses") or [], raw.get("left", 0)
    if not isinstance(sends, list) or not all(isinstance(p, Mapping) for p in sends):
        return None
    if not isinstance(witnesses, list) or not all(isinstance(w, str | None) for w in witnesses):
        return None
    if isinstance(left, bool) or not isinstance(left, int):
        return None
    try:
        return Burst(str(raw.get("kind")), tuple(sends), left, tuple(witnesses))
    except ValueError:
        return None


def counted(profile: TargetProfile, addresses: Iterable[str]) -> int:
    """The recipients a message uses of the quota: simulator ones as the profile says."""
    if profile.account.quota_counts_simulator:
        return len(list(addresses))
    return sum(1 for a in addresses if not is_simulator(a))


# --- building --------------------------------------------------------------------------


def _send(profile: TargetProfile, recipients: Sequence[str]) -> dict[str, Any]:
    return params_of(source=verified_sender(profile), recipients=Recipients(tuple(recipients)))


def quota_burst(
    profile: TargetProfile, n: int, first: int, per_send: int = QUOTA_PER_SEND
) -> Burst:
    """`n` sends of `per_send` recipients, released when `per_send` are left: each fits
    alone, any two together cross the quota."""
    per_send = max(1, min(per_send, profile.limits.max_recipients))
    sends = tuple(
        _send(profile, [deliverable(profile, first + i * per_send + j) for j in range(per_send)])
        for i in range(n)
    )
    return Burst("quota", sends, left=per_send)


def id_burst(profile: TargetProfile, n: int, first: int) -> Burst:
    """`n` valid sends of one recipient each: `n` ids."""
    return Burst(
        "id-unique", tuple(_send(profile, [deliverable(profile, first + i)]) for i in range(n))
    )


def invalid_recipient(profile: TargetProfile) -> str:
    """In a verified domain: a sandbox check cannot hide the bad syntax."""
    return f"bad..dot@{(profile.identities.verified_domains or ('x.example',))[0]}"


def atomic_burst(profile: TargetProfile, n: int, first: int) -> Burst:
    """`n` sends, every other one refused for an invalid recipient beside its own witness;
    the valid ones keep the target busy meanwhile."""
    sends: list[dict[str, Any]] = []
    witnesses: list[str | None] = []
    for i in range(n):
        if i % 2 == 0:
            witness = witness_address(profile)
            sends.append(_send(profile, [witness, invalid_recipient(profile)]))
            witnesses.append(witness)
        else:
            sends.append(_send(profile, [deliverable(profile, first + i)]))
            witnesses.append(None)
    return Burst("atomic", tuple(sends), witnesses=tuple(witnesses))


def with_fresh_witnesses(burst: Burst, profile: TargetProfile) -> Burst:
    """The same burst with new witnesses: an outbox that outlives a reset keeps the
    deliveries of an earlier run of it."""
    if not burst.witnesses:
        return burst
    sends, witnesses = [], []
    for params, old in zip(burst.sends, burst.witnesses, strict=True):
        new = witness_address(profile) if old is not None else None
        sends.append(_swapped(params, old, new) if old is not None and new else params)
        witnesses.append(new)
    return replace(burst, sends=tuple(sends), witnesses=tuple(witnesses))


def _swapped(params: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    out = copy.deepcopy(dict(params))
    lists = out.get("Destination")
    if isinstance(lists, dict):
        for key, value in lists.items():
            if isinstance(value, list):
                lists[key] = [new if item == old else item for item in value]
    return out


def smaller(burst: Burst, profile: TargetProfile, first: int) -> list[Burst]:
    """The bursts a shrink tries next, smallest change first: fewer sends (never under
    two), then fewer recipients a send (quota)."""
    n = len(burst.sends)
    fewer = max(2, n // 2)
    found: list[Burst] = []
    if burst.kind == "quota":
        if fewer < n:
            found.append(quota_burst(profile, fewer, first, burst.left))
        if burst.left > 1:
            found.append(quota_burst(profile, n, first, max(1, burst.left // 2)))
    elif fewer < n:
        keep = burst.sends[:fewer]
        found.append(replace(burst, sends=keep, witnesses=burst.witnesses[:fewer]))
    return found


# --- judging ----------------------------------------------------------------------------


def judge_burst(
    burst: Burst,
    answers: Sequence[Exchange],
    profile: TargetProfile,
    outbox: Iterable[Mapping[str, Any]] | None = None,
) -> Verdict | None:
    """The burst's rule, as rules.md defines it under concurrency (None: it holds)."""
    if burst.kind == "quota":
        return _quota(burst, answers, profile)
    if burst.kind == "id-unique":
        return _ids(burst, answers)
    return _atomic(burst, answers, list(outbox or []))


def _outcomes(answers: Sequence[Exchange]) -> tuple[str, ...]:
    return tuple(f"send {i + 1}: {describe_outcome(a)}"[:300] for i, a in enumerate(answers))


def _quota(burst: Burst, answers: Sequence[Exchange], profile: TargetProfile) -> Verdict | None:
    taken = [i for i, a in enumerate(answers) if read(a) is Reading.ACCEPTED]
    total = sum(counted(profile, recipients_of(burst.sends[i])) for i in taken)
    if total <= burst.left:
        return None
    last = taken[-1]
    summary = (
        f"{len(taken)} of {len(answers)} concurrent sends were accepted, {total} counted "
        f"recipients in all, with {burst.left} left of the quota"
    )
    expected = f"the accepted sends add up to at most {burst.left} recipients"
    return Verdict(
        "quota.recipients", summary, answers[last], expected, burst.sends[last],
        problems=_outcomes(answers),
    )  # fmt: skip


def _ids(burst: Burst, answers: Sequence[Exchange]) -> Verdict | None:
    repeat = repeated_id(answers)
    if repeat is None:
        return None
    first, i, ident = repeat
    summary = (
        f"concurrent sends {first + 1} and {i + 1} of {len(answers)} got the same id {ident!r}"
    )
    return Verdict(
        "envelope.id-unique", summary, answers[i], "a new id for every accepted message",
        burst.sends[i], problems=_outcomes(answers),
    )  # fmt: skip


def _atomic(
    burst: Burst, answers: Sequence[Exchange], outbox: list[Mapping[str, Any]]
) -> Verdict | None:
    for i, (answer, witness) in enumerate(zip(answers, burst.witnesses, strict=False)):
        if witness is None or not isinstance(answer.outcome, Rejected):
            continue
        problems = atomic_problems(answer, outbox, witness)
        if problems:
            summary = (
                f"send {i + 1} of {len(answers)}, refused while other sends ran: {problems[0]}"
            )
            return Verdict(
                "recipients.valid", summary[:600], answer, "refused, and nothing delivered",
                burst.sends[i], problems=_outcomes(answers),
            )  # fmt: skip
    return None
