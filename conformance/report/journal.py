"""What each test process has done so far, appended as it happens: a stopped run loses nothing.

A test's record (`records/<pid>.jsonl`) is written when the test ends; a run stopped by a
signal, or a worker killed, never gets there. So every process also appends to
`records/<pid>.journal`, as it goes: one line per SendEmail exchange (the test, its
examples and events so far, whether an answer came, the monitored rules that judged it),
one per verdict found (a failure or a broken target, with its counterexample) and one
per new smallest offence of a monitored rule. Each line is one `os.write` on a file
opened for appending, so a process killed at any instant leaves whole lines.

`fold_journals` makes the monitors' records from the journals (their one source, so a
stopped process counts the same as a finished one), counts the exchanges, and gives the
tests that wrote no record one from what they had done: the summary counts every
exchange answered before a stop, and a failure found before it stands.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.checks.readable import Judged, record_counts
from conformance.exitcodes import Outcome
from conformance.redact import redact_strings
from conformance.report.caps import cap_record

try:
    import resource
except ImportError:  # not on Unix: no peak memory to report
    resource = None  # type: ignore[assignment]

__all__ = [
    "SUFFIX",
    "Journal",
    "JournalFold",
    "TestLog",
    "fold_journals",
    "monitor_record",
    "monitor_records",
    "read_journal",
    "unfinished_reason",
]

SUFFIX = ".journal"
NOTHING_JUDGED = Judged()
OWN_LINE_CHARS = 2_048
"""An exchange line longer than this goes through the cap and the redaction after all."""
MONITOR_PREFIX = "monitor::"


def unfinished_reason(examples: int) -> str:
    return f"the test did not finish: its process stopped after {examples} examples"


def peak_rss_kib() -> int | None:
    """This process's own peak resident memory in KiB: Linux's VmHWM, which belongs to
    this address space. (`ru_maxrss` carries the forking parent's high-water mark across
    fork and exec on Linux, so a run started by a large process would report its size.)"""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    if resource is None:
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


class Journal:
    """One process's journal; every method appends one line and never raises for IO."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None
        self._pid = 0

    def _write(self, entry: Mapping[str, Any]) -> None:
        """A line that may hold the target's text: capped and redacted like every record."""
        self._append(json.dumps(redact_strings(cap_record(entry)), default=repr) + "\n")

    def _append(self, line: str) -> None:
        try:
            if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / f"{os.getpid()}{SUFFIX}"
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                self._pid = os.getpid()
            os.write(self._fd, line.encode("utf-8", "backslashreplace"))
        except OSError:
            return  # a full disk loses the journal, never the run

    def exchange(
        self,
        test: str,
        rules: Sequence[str],
        *,
        examples: int,
        events: Mapping[str, int],
        answered: bool,
        monitored: Judged = NOTHING_JUDGED,
    ) -> None:
        """One exchange of `test`: its examples and events since the last line (deltas),
        and the monitored rules that judged it (`mon`), could read it (`monr`) and, the
        first time, the unreadable answer a rule's reason quotes (`monu`)."""
        entry: dict[str, Any] = {"k": "x", "test": test, "rules": list(rules), "ok": answered}
        if examples:
            entry["n"] = examples
        if events:
            entry["ev"] = dict(events)
        if monitored.rules:
            entry["mon"] = sorted(monitored.rules)
        if monitored.readable:
            entry["monr"] = sorted(monitored.readable)
        if monitored.first_unreadable:  # the target's text: capped and redacted
            entry["monu"] = redact_strings(cap_record(dict(monitored.first_unreadable)))
        # The rest is the suite's own: names, labels and counts. A line per exchange is
        # the hot path, so it skips the record-wide cap and redaction unless it is long.
        line = json.dumps(entry, default=repr) + "\n"
        if len(line) > OWN_LINE_CHARS:
            self._write(entry)
        else:
            self._append(line)

    def verdict(
        self, test: str, rules: Sequence[str], *, status: str, found: Mapping[str, Any]
    ) -> None:
        """A failure (`found` is a violation) or a broken target (`reason`, `counterexample`)."""
        self._write({"k": "v", "test": test, "rules": list(rules), "status": status, **found})

    def monitor(self, rule_id: str, violation: Mapping[str, Any]) -> None:
        """A monitored rule's smallest offending exchange so far."""
        self._write({"k": "m", "rule": rule_id, "violation": dict(violation)})

    def memory(self) -> None:
        """This process's peak resident memory so far (the battery holds it to a bound)."""
        peak = peak_rss_kib()
        if peak is not None:
            self._write({"k": "mem", "pid": os.getpid(), "maxrss_kib": peak})

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None


class TestLog:
    """One test's lines in a journal: its examples and events as deltas since its last line,
    and each verdict it finds (a failure only when smaller than the last of its rule)."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, journal: Journal, nodeid: str, rules: Sequence[str]) -> None:
        self.journal = journal
        self.test = nodeid.split("suite/", 1)[-1]  # as the test's record names it
        self.rules = tuple(rules)
        self._examples = 0
        self._events: Counter[str] = Counter()
        self._sizes: dict[str, int] = {}

    def exchange(
        self,
        examples: int,
        events: Mapping[str, int],
        *,
        answered: bool,
        monitored: Judged = NOTHING_JUDGED,
    ) -> None:
        delta = {k: n - self._events.get(k, 0) for k, n in events.items()}
        delta.update({k: -n for k, n in self._events.items() if k not in events})
        self.journal.exchange(
            self.test,
            self.rules,
            examples=examples - self._examples,
            events={k: n for k, n in delta.items() if n},
            answered=answered,
            monitored=monitored,
        )
        self._examples = examples
        self._events = Counter(events)

    def violation(self, rule_id: str, summary: str, counterexample: Mapping[str, Any]) -> None:
        size = len(str((counterexample.get("request") or {}).get("body", "")))
        if size >= self._sizes.get(rule_id, 1 << 62):
            return
        self._sizes[rule_id] = size
        found = {"rule": rule_id, "summary": summary, "counterexample": dict(counterexample)}
        self.journal.verdict(self.test, self.rules, status=Outcome.FAIL, found=found)

    def broken(self, reason: str, counterexample: Mapping[str, Any]) -> None:
        found = {"reason": reason, "counterexample": dict(counterexample)}
        self.journal.verdict(self.test, self.rules, status=Outcome.BROKEN, found=found)


@dataclass(slots=True)
class _Partial:
    rules: list[str]
    examples: int = 0
    events: Counter[str] = field(default_factory=Counter)
    violations: dict[str, dict[str, Any]] = field(default_factory=dict)
    broken: dict[str, Any] | None = None

    def record(self, nodeid: str) -> dict[str, Any]:
        """The record of a test that never wrote its own: failed, else broken."""
        record: dict[str, Any] = {
            "nodeid": nodeid,
            "rules": self.rules,
            "status": Outcome.BROKEN,
            "examples": self.examples,
            "events": {k: n for k, n in self.events.items() if n > 0},
            "reason": unfinished_reason(self.examples),
            "violations": list(self.violations.values()),
            "unfinished": True,
        }
        if self.violations:
            record["status"] = Outcome.FAIL
            record["reason"] = next(iter(self.violations.values()))["summary"]
        elif self.broken is not None:
            record["reason"] = self.broken.get("reason") or record["reason"]
            record["counterexample"] = self.broken.get("counterexample")
        return record


@dataclass(slots=True)
class JournalFold:
    """What the journals say: exchanges counted, and records for what did not finish."""

    answered: int = 0
    unanswered: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exchanges(self) -> dict[str, int]:
        """summary.json's `exchanges`."""
        return {"answered": self.answered, "unanswered": self.unanswered}


def fold_journals(folder: Path | None, finished: Iterable[Mapping[str, Any]]) -> JournalFold:
    """Every journal in `folder`, less what the `finished` records already say."""
    fold = JournalFold()
    if folder is None or not folder.is_dir():
        return fold
    done = {str(r.get("nodeid")) for r in finished}
    partials: dict[str, _Partial] = {}
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        entries = list(_lines(path))
        for entry in entries:
            if entry.get("k") == "x":
                fold.answered += bool(entry.get("ok"))
                fold.unanswered += not entry.get("ok")
            if entry.get("k") in ("x", "v") and str(entry.get("test")) not in done:
                _add(partials.setdefault(entry["test"], _Partial(list(entry["rules"]))), entry)
        fold.records += monitor_records(entries)
    fold.records += [partial.record(nodeid) for nodeid, partial in partials.items()]
    return fold


def monitor_records(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One process's monitor records, from its journal's lines (`read_journal`), each with
    the exchanges it judged and how many it could read (`checks.readable`)."""
    judged: Counter[str] = Counter()
    readable: Counter[str] = Counter()
    unreadable: dict[str, str] = {}
    worst: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry.get("k") == "x":
            judged.update(entry.get("mon", ()))
            readable.update(entry.get("monr", ()))
            for rule_id, sample in (entry.get("monu") or {}).items():
                unreadable.setdefault(rule_id, str(sample))
        elif entry.get("k") == "m":
            judged.update({entry["rule"]: 0})
            worst[entry["rule"]] = entry["violation"]
    records = []
    for rule_id in sorted(judged):
        record = monitor_record(rule_id, judged[rule_id], worst.get(rule_id))
        sample = {rule_id: unreadable[rule_id]} if rule_id in unreadable else {}
        record.update(
            record_counts({rule_id: judged[rule_id]}, {rule_id: readable[rule_id]}, sample)
        )
        records.append(record)
    return records


def read_journal(folder: Path, pid: int) -> list[dict[str, Any]]:
    """The lines of process `pid`'s journal in `folder`."""
    return list(_lines(folder / f"{pid}{SUFFIX}"))


def _add(partial: _Partial, entry: Mapping[str, Any]) -> None:
    if entry["k"] == "x":
        partial.examples += int(entry.get("n", 0))
        partial.events.update(entry.get("ev", {}))
    elif entry.get("status") == Outcome.FAIL:
        violation = {key: entry.get(key) for key in ("rule", "summary", "counterexample")}
        partial.violations[str(entry.get("rule"))] = violation  # the latest is the smallest
    else:
        partial.broken = dict(entry)


def monitor_record(rule_id: str, examples: int, violation: dict[str, Any] | None) -> dict[str, Any]:
    """The record of one monitored rule: pass, or fail with its smallest violation."""
    return {
        "nodeid": f"{MONITOR_PREFIX}{rule_id}",
        "rules": [rule_id],
        "status": Outcome.FAIL if violation else Outcome.PASS,
        "examples": examples,
        "events": {},
        "reason": violation["summary"] if violation else "",
        "violations": [violation] if violation else [],
    }


def _lines(path: Path) -> Iterable[dict[str, Any]]:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:  # a line cut by a full disk
            continue
        if isinstance(entry, dict):
            yield entry
