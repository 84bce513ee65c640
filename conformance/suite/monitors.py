"""Run-wide monitors: every exchange of every test is judged by the answer rules.

A rule's own tests send narrow slices of requests; a target whose envelopes, statuses or
ids go wrong elsewhere is caught here. Each process keeps the smallest offending exchange
per rule and writes one record per rule (`monitor::<rule>`) into the run's records; the
accepted ids go to `ids-<pid>.idl` beside them, and `fold_ids` judges envelope.id-unique
over every process of the run (xdist workers, the CLI's two passes, resets included).
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.checks.evidence import counterexample_of
from conformance.checks.judgements import Reading, accepted_id, answer_reading
from conformance.checks.readable import Tally, record_counts
from conformance.checks.registry import REGISTRY, Check, answer_checks, get_check
from conformance.exitcodes import Outcome
from conformance.model import Exchange, RawRequest
from conformance.profile import TargetProfile
from conformance.redact import redact_strings
from conformance.report.caps import cap_record

ID_RULE = "envelope.id-unique"
IDS_SUFFIX = ".idl"
IDS_VERDICT = "monitor-ids.jsonl"
KEEP_CE_BYTES = 16_384
"""Accepted requests up to this size keep a counterexample for a later duplicate id."""


def monitored_rules() -> frozenset[str]:
    """The rules the run-wide monitors judge (the answer rules and envelope.id-unique)."""
    return frozenset(c.id for c in REGISTRY.values() if c.monitored)


class Monitors:
    """The answer rules of one process; thread-safe."""

    def __init__(self, profile: TargetProfile, client: Any) -> None:
        self.profile = profile
        self.client = client
        self.seen: Counter[str] = Counter()
        self.tally = Tally()
        """Of the exchanges each rule judged, those it could read (issue 17)."""
        self.worst: dict[str, tuple[int, dict[str, Any]]] = {}
        self.ids: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.checks: tuple[Check, ...] = tuple(
            c for c in answer_checks() if client is None or client.rule_applies(c.id)
        )

    def observe(
        self,
        exchange: Exchange,
        *,
        nodeid: str,
        params: Mapping[str, Any] | None = None,
        raw: RawRequest | None = None,
    ) -> None:
        reading = answer_reading(exchange, malformed=raw is not None)
        size = len(exchange.request.body)
        with self._lock:
            for check in self.checks:
                if check.answer is None or not check.judges(reading):
                    continue
                rule_id = check.id
                self.seen[rule_id] += 1
                self.tally.note(rule_id, exchange, reading)
                problems = check.answer(exchange, self.profile)
                if problems and size < self.worst.get(rule_id, (1 << 62, {}))[0]:
                    self.worst[rule_id] = (
                        size,
                        self._violation(rule_id, problems, exchange, nodeid, params, raw),
                    )
            ident = accepted_id(exchange) if reading is Reading.ACCEPTED else None
            if ident is not None:
                self.seen[ID_RULE] += 1
                entry: dict[str, Any] = {"id": ident, "test": nodeid, "size": size, "ce": None}
                if size <= KEEP_CE_BYTES:
                    entry["ce"] = self._ce(ID_RULE, (), exchange, params, raw)
                self.ids.append(entry)

    def _ce(
        self,
        rule_id: str,
        problems: tuple[str, ...],
        exchange: Exchange,
        params: Mapping[str, Any] | None,
        raw: RawRequest | None,
    ) -> dict[str, Any]:
        return counterexample_of(
            exchange,
            client=self.client,
            expected=get_check(rule_id).expected,
            params=params,
            raw=raw,
            problems=problems,
            rule_id=rule_id,
        )

    def _violation(
        self,
        rule_id: str,
        problems: tuple[str, ...],
        exchange: Exchange,
        nodeid: str,
        params: Mapping[str, Any] | None,
        raw: RawRequest | None,
    ) -> dict[str, Any]:
        where = nodeid.split("suite/", 1)[-1]
        return {
            "rule": rule_id,
            "summary": f"{problems[0]} (run-wide monitor, seen in {where})",
            "counterexample": self._ce(rule_id, problems, exchange, params, raw),
        }

    def records(self) -> list[dict[str, Any]]:
        """One record per monitored rule this process saw an answer for."""
        out: list[dict[str, Any]] = []
        for rule_id, count in sorted(self.seen.items()):
            if rule_id == ID_RULE:
                continue
            found = self.worst.get(rule_id)
            record = monitor_record(rule_id, count, found[1] if found else None)
            out.append({**record, **self.tally.of(rule_id)})
        return out

    def write(self, folder: Path) -> None:
        """This process's monitor records and accepted ids, beside the test records."""
        folder.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        with self._lock:
            records, ids = self.records(), list(self.ids)
            self.ids.clear()
        if records:
            with open(folder / f"{pid}.jsonl", "a", encoding="utf-8") as out:
                for record in records:  # capped and redacted like every record (issue 12)
                    line = json.dumps(redact_strings(cap_record(record)), default=repr)
                    out.write(line + "\n")
        if ids:
            with open(folder / f"ids-{pid}{IDS_SUFFIX}", "a", encoding="utf-8") as out:
                for entry in ids:  # an id is the target's text: it may echo a credential
                    out.write(json.dumps(redact_strings(entry), default=repr) + "\n")


def monitor_record(rule_id: str, examples: int, violation: dict[str, Any] | None) -> dict[str, Any]:
    """The record of one monitored rule: pass, or fail with its smallest violation."""
    return {
        "nodeid": f"monitor::{rule_id}",
        "rules": [rule_id],
        "status": Outcome.FAIL if violation else Outcome.PASS,
        "examples": examples,
        "events": {},
        "reason": violation["summary"] if violation else "",
        "violations": [violation] if violation else [],
    }


def fold_ids(folder: Path) -> dict[str, Any] | None:
    """envelope.id-unique over every process of the run; writes (and returns) its record."""
    if not folder.is_dir():
        return None
    first: dict[str, dict[str, Any]] = {}
    best: tuple[int, dict[str, Any]] | None = None
    count = 0
    for path in sorted(folder.glob(f"*{IDS_SUFFIX}")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            count += 1
            earlier = first.setdefault(entry["id"], entry)
            if earlier is entry:
                continue
            size = entry["size"] if entry.get("ce") else 1 << 61
            if best is None or size < best[0]:
                best = (size, _duplicate(earlier, entry))
    if count == 0:
        return None
    record = monitor_record(ID_RULE, count, best[1] if best else None)
    record.update(record_counts({ID_RULE: count}, {ID_RULE: count}, {}))  # all acceptances
    (folder / IDS_VERDICT).write_text(json.dumps(record, default=repr) + "\n", "utf-8")
    return record


def _duplicate(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> dict[str, Any]:
    def short(nodeid: str) -> str:
        return str(nodeid).split("suite/", 1)[-1]

    summary = (
        f"the id {later['id']!r} was given to two accepted messages "
        f"(in {short(earlier['test'])} and in {short(later['test'])}; run-wide monitor)"
    )
    ce = dict(later.get("ce") or earlier.get("ce") or {})
    ce["problems"] = [summary]
    ce.setdefault("expected", get_check(ID_RULE).expected)
    return {"rule": ID_RULE, "summary": summary, "counterexample": ce}
