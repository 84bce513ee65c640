"""The reference rule engine: SES SendEmail params -> accepted or refused, and its state.

Protocol-neutral: every wire decodes into the SES parameter names and renders the
`Accepted`/`Refused` it gets back. Strict: it refuses every rule violation, refuses gray
addresses, and refuses a send that would take the quota count past the limit. Unknown
members are ignored. A refused send changes nothing (no outbox entry, no quota).
Checks run in real SES's order (ses-ground-truth.md §3.15): members, tags, address
syntax, recipient count, size, verification, quota.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from conformance.addresses import AddressClass, classify_address
from conformance.members import DESTINATION_LISTS
from conformance.profile import SES_SIZE_LIMIT, TargetProfile
from conformance.server.checks import (
    SIMULATOR_DOMAIN,
    address_message,
    content_parts,
    is_simulator,
    member_problems,
    mime_size,
    recipient_lists,
    recipients_declared,
)
from conformance.server.class_hooks import ACCEPT, INTERNAL, size_parts
from conformance.server.class_hooks import counted as class_count
from conformance.server.class_hooks import view as class_view
from conformance.server.fault_type import Fault
from conformance.server.faults import get_fault
from conformance.server.identities import bare_address_of, raw_name_accepted, unverified
from conformance.server.races import Races, pause_unlocked
from conformance.server.rate import bucket_for, throttled
from conformance.server.results import Accepted, Kind, Refused, Result
from conformance.server.stamps import format_timestamp, new_message_id
from conformance.server.tags import tag_refusal
from conformance.server.variants import (
    countable_guess,
    early_refusal,
    request_switches,
    rewritten,
)

SESV2_SIZE_LIMIT = 41_943_040
STRICT_SIZE_FAULT_BYTES = 1_000_000
MAX_ADDRESS_CHARS = 10_000
"""Longer addresses (gray or invalid, refused either way) are refused unread: classifying
a 2 MB Source took seconds, past a client's call deadline."""
RECIPIENTS_READ = 1_000
"""Past this many recipients a request is refused as too many before any is classified:
classifying 167,772 addresses took 15-20 s (issue 12)."""
PROTOCOLS = ("envelope", "ses-query", "sesv2")
_TO, _CC, _BCC = DESTINATION_LISTS


class Engine:
    """Thread-safe state (identities, quota count, outbox) and the rules applied to it.

    The lock covers the state only: a request is validated (members, addresses, count,
    size) before the lock is taken, so one huge request never stalls other clients.
    """

    def __init__(self, profile: TargetProfile, *, fault: str | None = None) -> None:
        if not isinstance(profile, TargetProfile):
            raise TypeError(f"profile: expected a TargetProfile, got {profile!r}")
        self.profile = profile
        self.fault: Fault | None = get_fault(fault)
        self.internal_errors = 0
        """Exceptions the app's catch-all turned into 400s; tests assert it stays 0."""
        self.latency_s = 0.0
        """Added to every SendEmail answer: a slow but correct target (`--latency-ms`)."""
        self._lock = threading.Lock()
        self._addresses: set[str] = set()
        self._domains: set[str] = set()
        self._sent = 0
        self._outbox: list[dict[str, Any]] = []
        self._resets = 0
        self._races = Races()
        self._request = threading.local()
        """Switches a fault turns on for the request being answered (per thread)."""
        self.bucket = bucket_for(profile.account)
        """The send rate enforced (`sesconf serve --max-send-rate`); None: no limit."""
        self.reset()

    # --- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Quota count and outbox to zero, identities back to the profile's."""
        with self._lock:
            self._addresses = set(self.profile.identities.verified_addresses)
            self._domains = set(self.profile.identities.verified_domains)
            self._sent = 0
            if self.fault is None or "outbox-kept" not in self.fault.switches:
                self._outbox = []  # an emulator's outbox may outlive its quota reset
            self._resets += 1

    def begin_request(self) -> None:
        """Forget the switches the previous request on this thread turned on."""
        self._request.extra = frozenset()

    def verify_address(self, address: str) -> None:
        with self._lock:
            self._addresses.add(address)

    def verify_domain(self, domain: str) -> None:
        with self._lock:
            self._domains.add(domain)

    def outbox(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._outbox]

    @property
    def sent_last_24h(self) -> int:
        with self._lock:
            return self._sent

    @property
    def max_24h_send(self) -> int:
        """The daily quota in recipients; -1 for unlimited."""
        limit = self.profile.account.max_24h_send
        return -1 if limit is None or limit < 0 else limit

    def has_effect(self, effect: str, *, protocol: str) -> bool:
        """Whether the planted fault turns `effect` on for this protocol."""
        return effect in self.effects(protocol)

    def record_internal_error(self) -> None:
        with self._lock:
            self.internal_errors += 1

    # --- sending -------------------------------------------------------------------------

    def send(self, params: Mapping[str, Any], *, protocol: str = "envelope") -> Result:
        """Apply every rule to one SendEmail request; commit it only if all pass."""
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol: expected one of {', '.join(PROTOCOLS)}, got {protocol!r}")
        if self.latency_s:
            time.sleep(self.latency_s)
        elif self.has_effect("latency", protocol=protocol):
            time.sleep(0.3)
        self.begin_request()
        if throttled(self.bucket):  # before anything of the request is read
            return Refused(Kind.THROTTLED, "Maximum sending rate exceeded.")
        if not isinstance(params, Mapping):
            return Refused(Kind.MALFORMED, "The request must be a JSON object of SES parameters.")
        with self._races.flight(self.effects(protocol), params) as extra:  # planted races only
            self._request.extra = extra
            refused, viewed = self._validate(params, protocol)  # no state read: unlocked
            with self._lock:
                result = self._commit(viewed, protocol) if refused is None else refused
                if isinstance(result, Refused) and self.has_effect(
                    "rejected-counted", protocol=protocol
                ):
                    self._sent += countable_guess(params)
        on = self.effects(protocol)
        self._request.extra = request_switches(on, params, result, self.profile)
        return rewritten(on, params, result)

    def _validate(
        self, params: Mapping[str, Any], protocol: str
    ) -> tuple[Result | None, Mapping[str, Any]]:
        """Every check that needs no state: members, addresses, recipient count, size.
        (None when all pass, or the refusal; a planted class fault may accept here, its
        delivery locks), and the request as the target reads it, which the checks under
        the lock (identities, quota, delivery) read too."""
        on = self.effects(protocol)
        if recipients_declared(params) > RECIPIENTS_READ:  # before any member is read
            refused = Refused(
                Kind.TOO_MANY_RECIPIENTS,
                f"Recipient count exceeds {self.profile.limits.max_recipients}.",
            )
            return refused, params
        # Planted class faults (server/class_hooks.py) read the request their own way.
        with self._lock:  # the placeholder reads the identities: state
            placeholder = self._placeholder()
        viewed, early = class_view(params, on, placeholder)
        return self._validate_viewed(viewed, early, protocol, on), viewed

    def _validate_viewed(
        self, params: Mapping[str, Any], early: str | None, protocol: str, on: frozenset[str]
    ) -> Result | None:
        """`_validate`'s checks on the request as the target reads it (`early`: a planted
        class fault's own answer, if it has one)."""
        if early == ACCEPT:
            with self._lock:
                return self._deliver(params.get("Source"), recipient_lists(params), on)
        if early == INTERNAL:
            return Refused(Kind.INTERNAL, "Internal error.")
        if early is not None:
            return Refused(Kind.WRONG_TYPE, early.removeprefix("refuse: "))
        problems = member_problems(
            params,
            require_subject="accept-missing-subject" not in on,
            require_source="accept-missing-source" not in on,
            require_html="text-only-body-refused" in on,
        )
        if problems:
            kind = Kind.MISSING_MEMBER if problems.missing else Kind.WRONG_TYPE
            return Refused(kind, problems.message())
        refused = early_refusal(on, params)
        if refused is not None:
            return refused
        if "tags-not-first" not in on:
            refused = tag_refusal(params)  # before identities, as real SES
            if refused is not None:
                return refused

        lists = recipient_lists(params)
        recipients = [address for addresses in lists.values() for address in addresses]
        if "quota-first" in on:
            with self._lock:  # the quota count is state
                refused = self._check_quota(recipients, on)
            if refused is not None:
                return refused
        if "body-first" in on:
            refused = self._check_size(params, protocol, on)
            if refused is not None:
                return refused
        refused = self._check_addresses(params, lists, on)
        if refused is not None:
            return refused

        counted = lists[_TO] if "count-to-only" in on else recipients
        limit = self.profile.limits.max_recipients + ("accept-51-recipients" in on)
        count = class_count(lists, on, limit)
        if (len(counted) if count is None else count) > limit:
            return Refused(
                Kind.TOO_MANY_RECIPIENTS,
                f"Recipient count exceeds {self.profile.limits.max_recipients}.",
            )
        if not recipients and "accept-zero-recipients" not in on:
            return Refused(Kind.NO_RECIPIENTS, "There are no recipients specified.")

        return self._check_size(params, protocol, on)

    def commit(self, params: Mapping[str, Any], protocol: str) -> Result:
        """The state step alone, for a request validated elsewhere (a raw message, read as
        SendEmail params by server/raw.py): identities, quota, delivery, under the lock."""
        with self._lock:
            return self._commit(params, protocol)

    def _commit(self, params: Mapping[str, Any], protocol: str) -> Result:
        """Under the lock: verification (identities are state), quota, delivery."""
        on = self.effects(protocol)
        source = params.get("Source")
        lists = recipient_lists(params)
        recipients = [address for addresses in lists.values() for address in addresses]
        refused = self._check_identities(params, recipients, on)
        if "tags-after-identities" in on:
            refused = refused or tag_refusal(params)
        if refused is not None:
            return refused

        refused = self._check_quota(recipients, on)
        if refused is not None:
            return refused
        if "quota-check-then-count" in on:  # a planted race: checked, then counted apart
            pause_unlocked(self._lock)
        self._sent += self._quota_cost(recipients, on)
        return self._deliver(source, lists, on)

    def _check_quota(self, recipients: list[str], on: frozenset[str]) -> Refused | None:
        cost = self._quota_cost(recipients, on)
        quota = self.max_24h_send
        if quota >= 0 and "quota-not-enforced" not in on and self._sent + cost > quota:
            return Refused(Kind.THROTTLED, "Daily message quota exceeded.")
        return None

    def effects(self, protocol: str) -> frozenset[str]:
        """The behaviour switches the planted fault turns on for this protocol, and those
        it turned on for the request being answered."""
        planted = frozenset() if self.fault is None else self.fault.switches_on(protocol)
        extra: frozenset[str] = getattr(self._request, "extra", frozenset())
        return planted | extra if planted else planted

    def _placeholder(self) -> str:
        """A recipient every identity check passes (for faults that skip a recipient)."""
        if self._domains:
            return f"skipped@{next(iter(self._domains))}"
        return f"success@{SIMULATOR_DOMAIN}"

    def _check_addresses(
        self,
        params: Mapping[str, Any],
        lists: dict[str, list[str]],
        on: frozenset[str],
    ) -> Refused | None:
        """Source, recipients, then Reply-To and Return-Path: gray counts as invalid."""
        source = params.get("Source")
        accept_gray = "gray-accepted" in on
        to_check: list[tuple[str, str]] = []
        if source is not None:
            to_check.append((source, "source"))
        skipped = {_CC} if "cc-not-validated" in on else set()
        skipped |= {_BCC} if "bcc-not-validated" in on else set()
        for key, addresses in lists.items():
            if key not in skipped:
                to_check += [(address, "recipient") for address in addresses]
        to_check += [(address, "recipient") for address in params.get("ReplyToAddresses") or []]
        if params.get("ReturnPath") is not None:
            to_check.append((params["ReturnPath"], "recipient"))
        for text, role in to_check:
            if isinstance(text, str) and len(text) > MAX_ADDRESS_CHARS:  # never classified
                return Refused(Kind.INVALID_ADDRESS, f"Address too long: {len(text)} characters.")
            verdict = classify_address(text, role=role)  # type: ignore[arg-type]
            if verdict.cls is AddressClass.VALID:
                continue
            if verdict.cls is AddressClass.GRAY and accept_gray:
                continue
            if role == "source" and raw_name_accepted(text, verdict):  # as real SES did
                continue
            if role == "recipient" and "partial-delivery" in on:
                with self._lock:
                    self._deliver_valid_only(source, lists)
            return Refused(Kind.INVALID_ADDRESS, address_message(verdict))
        return None

    def _check_size(
        self, params: Mapping[str, Any], protocol: str, on: frozenset[str]
    ) -> Refused | None:
        if "size-not-enforced" in on:
            return None
        parts = size_parts(params, content_parts(params), on)
        raw = sum(len(part) for part in parts)
        if "size-too-strict" in on and raw > STRICT_SIZE_FAULT_BYTES:
            return Refused(
                Kind.TOO_LARGE, f"Message length is more than 1000000 bytes long: '{raw}'."
            )
        limit = self.profile.limits.max_message_bytes
        if protocol == "sesv2" and limit == SES_SIZE_LIMIT:
            limit = SESV2_SIZE_LIMIT
        exact = self.profile.limits.size_exact or "size-raw" in on
        size = raw if exact else mime_size(parts)
        if size > limit:
            return Refused(
                Kind.TOO_LARGE, f"Message length is more than {limit} bytes long: '{size}'."
            )
        return None

    def _check_identities(
        self, params: Mapping[str, Any], recipients: list[str], on: frozenset[str]
    ) -> Refused | None:
        """Source and Return-Path must be verified; recipients too in the sandbox."""
        failed = unverified(params, recipients, on, self.profile, self._addresses, self._domains)
        if not failed:
            return None
        region = self.profile.region.upper()
        if "wrong-unverified-message" in on:
            return Refused(Kind.NOT_VERIFIED, f"Sender identity rejected: {', '.join(failed)}")
        return Refused(
            Kind.NOT_VERIFIED,
            "Email address is not verified. The following identities failed the check "
            f"in region {region}: {', '.join(failed)}",
        )

    def _quota_cost(self, recipients: list[str], on: frozenset[str]) -> int:
        if "quota-counts-messages" in on:
            return 1
        if "class-quota-duplicates-once" in on:  # a planted class fault: distinct only
            recipients = list(dict.fromkeys(recipients))
        if self.profile.account.quota_counts_simulator:
            return len(recipients)
        if "class-quota-labelled-simulator-counted" in on:  # a planted class fault
            recipients = [
                a for a in recipients if not is_simulator(bare_address_of(a), allow_label=False)
            ]
            return len(recipients)
        return sum(1 for address in recipients if not is_simulator(bare_address_of(address)))

    def _deliver(
        self, source: str | None, lists: dict[str, list[str]], on: frozenset[str]
    ) -> Accepted:
        now = datetime.now(UTC)
        constant = "constant-id" in on or ("constant-id-after-reset" in on and self._resets > 1)
        message_id = "abc123" if constant else new_message_id(now)
        if "id-counter-unlocked" in on:  # a planted race: a counter read, then written
            message_id = self._races.next_id(self._lock)
        self._outbox.append(
            {
                "id": message_id,
                "source": source,
                "to": list(lists[_TO]),
                "cc": list(lists[_CC]),
                "bcc": list(lists[_BCC]),
                "created_at": format_timestamp(now),
            }
        )
        return Accepted(message_id, now)

    def _deliver_valid_only(self, source: str | None, lists: dict[str, list[str]]) -> None:
        """The partial-delivery fault: what a non-atomic target would do."""

        def valid(address: str) -> bool:
            return classify_address(address, role="recipient").cls is AddressClass.VALID

        kept = {key: [a for a in addresses if valid(a)] for key, addresses in lists.items()}
        if any(kept.values()):
            self._deliver(source, kept, frozenset())
