"""Run-wide monitors: every exchange of every test is judged by the answer rules.

A rule's own tests send narrow slices of requests; a target whose envelopes, statuses or
ids go wrong elsewhere is caught here. Each process keeps the smallest offending exchange
per rule and writes one record per rule (`monitor::<rule>`) into the run's records; the
accepted ids go to `ids-<pid>.idl` beside them as they come, and `fold_ids` judges
envelope.id-unique over every process of the run (xdist workers, the CLI's two passes,
resets included). The monitor records are made from the process's journal
(`report.journal`): each exchange names the rules that judged it, and each new smallest
offence is written at once, so a process stopped before its end loses none of them.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from conformance.checks.evidence import counterexample_of
from conformance.checks.judgements import Reading, accepted_id, answer_reading
from conformance.checks.readable import Judged, Tally, record_counts
from conformance.checks.registry import REGISTRY, Check, answer_checks, get_check
from conformance.model import Exchange, RawRequest
from conformance.profile import TargetProfile
from conformance.redact import redact_strings
from conformance.report.journal import Journal, monitor_record

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

    def __init__(
        self,
        profile: TargetProfile,
        client: Any,
        *,
        folder: Path | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.profile = profile
        self.client = client
        self.tally = Tally()
        """Of the exchanges each rule judged, those it could read (issue 17)."""
        self.worst: dict[str, tuple[int, dict[str, Any]]] = {}
        self.ids: list[dict[str, Any]] = []
        """Accepted ids not written yet (all of them when there is no `folder`)."""
        self.folder = folder
        self.journal = journal
        self._lock = threading.Lock()
        self._ids_file: tuple[tuple[Path, int], BinaryIO] | None = None
        """The ids file, open for appending while the process lives (one whole line per
        unbuffered write, as before)."""
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
    ) -> Judged:
        """Judge one exchange; returns the monitored rules that judged it, and which of
        them could read it (the journal carries both: a pass rests on answers read)."""
        reading = answer_reading(exchange, malformed=raw is not None)
        size = len(exchange.request.body)
        judged: list[str] = []
        readable: list[str] = []
        first_unreadable: dict[str, str] = {}
        with self._lock:
            for check in self.checks:
                if check.answer is None or not check.judges(reading):
                    continue
                rule_id = check.id
                judged.append(rule_id)
                known = rule_id in self.tally.unreadable
                if self.tally.note(rule_id, exchange, reading):
                    readable.append(rule_id)
                elif not known:  # the journal keeps one unreadable answer per rule
                    first_unreadable[rule_id] = self.tally.unreadable[rule_id]
                problems = check.answer(exchange, self.profile)
                if problems and size < self.worst.get(rule_id, (1 << 62, {}))[0]:
                    found = self._violation(rule_id, problems, exchange, nodeid, params, raw)
                    self.worst[rule_id] = (size, found)
                    if self.journal is not None:
                        self.journal.monitor(rule_id, found)
            ident = accepted_id(exchange) if reading is Reading.ACCEPTED else None
            if ident is not None:
                entry: dict[str, Any] = {"id": ident, "test": nodeid, "size": size, "ce": None}
                if size <= KEEP_CE_BYTES:
                    entry["ce"] = self._ce(ID_RULE, (), exchange, params, raw)
                self.ids.append(entry)
                if self.folder is not None:
                    self._write_ids(self.folder)
        return Judged(tuple(judged), tuple(readable), first_unreadable)

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

    def write(self, folder: Path) -> None:
        """This process's accepted ids not written yet. Its monitor records are made from
        its journal (`report.journal`), the one place a stopped process leaves them."""
        with self._lock:
            self._write_ids(folder)

    def _write_ids(self, folder: Path) -> None:
        """Append the ids not written yet, one whole line per write (the lock is held)."""
        ids, self.ids = self.ids, []
        if not ids:
            return
        if self._ids_file is None or self._ids_file[0] != (folder, os.getpid()):
            folder.mkdir(parents=True, exist_ok=True)  # a forked child opens its own
            path = folder / f"ids-{os.getpid()}{IDS_SUFFIX}"
            self._ids_file = ((folder, os.getpid()), open(path, "ab", buffering=0))  # noqa: SIM115
        out = self._ids_file[1]
        for entry in ids:  # an id is the target's text: it may echo a credential
            line = json.dumps(redact_strings(entry), default=repr) + "\n"
            out.write(line.encode("utf-8", "backslashreplace"))


def fold_ids(folder: Path) -> dict[str, Any] | None:
    """envelope.id-unique over every process of the run; writes (and returns) its record."""
    if not folder.is_dir():
        return None
    first: dict[str, dict[str, Any]] = {}
    best: tuple[int, dict[str, Any]] | None = None
    count = 0
    for path in sorted(folder.glob(f"*{IDS_SUFFIX}")):
        for line in path.read_text("utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:  # empty, or cut by a full disk
                continue
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
