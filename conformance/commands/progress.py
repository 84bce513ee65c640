"""Live progress for `sesconf run`: a pytest plugin that feeds a `ProgressPrinter`.

    pytest.main(args, plugins=[ProgressPlugin(ProgressPrinter(sys.stdout))])

A rule may be checked by several tests, so a rule starts with its first test and finishes
with its last. Its outcome is folded from the very records the conformance plugin writes
(`<records>/<pid>.jsonl`) with `report.summary.rule_results`, so the progress line and
summary.json never disagree (fail vs non-strict, broken vs fail). Without a records folder
the pytest reports give a plain pass/fail/skip. Serial runs only: under xdist the tests run
in other processes, whose hooks this process does not see.

The answer rules (the registry's monitored checks) judge every exchange of the run, not only their
own tests': their verdict and example count are known only once the session has ended
(read from the process's journal, `report.journal`), so they finish last.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance.report.journal import monitor_records, read_journal
from conformance.report.summary import load_records, rule_results
from conformance.report.terminal import ProgressPrinter
from conformance.suite.monitors import IDS_VERDICT, monitored_rules

MONITORED = monitored_rules()


class ProgressPlugin:
    """Rule-level progress from pytest's log hooks; the printer decides TTY vs plain lines."""

    def __init__(self, printer: ProgressPrinter) -> None:
        self.printer = printer
        self._rules_of: dict[str, tuple[str, ...]] = {}
        self._pending: dict[str, set[str]] = {}
        self._started: set[str] = set()
        self._records: dict[str, list[dict[str, Any]]] = {}
        self._statuses: dict[str, list[str]] = {}
        self._records_file: Path | None = None
        self._offset = 0
        self._partial = b""
        self._strict = False
        self._deferred: list[str] = []

    # --- collection: which tests make up each rule --------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        config = session.config
        folder = _option(config, "--sesconf-records")
        self._records_file = Path(folder) / f"{os.getpid()}.jsonl" if folder else None
        if self._records_file is not None and self._records_file.exists():
            self._offset = self._records_file.stat().st_size  # an earlier pass's records
        self._strict = bool(_option(config, "--sesconf-strict"))
        for item in session.items:
            rules = tuple(r for mark in item.iter_markers("rule") for r in mark.args)
            if not rules:
                continue
            self._rules_of[item.nodeid] = rules
            for rule_id in rules:
                self._pending.setdefault(rule_id, set()).add(item.nodeid)

    # --- running ------------------------------------------------------------------------

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        for rule_id in self._rules_of.get(nodeid, ()):
            if rule_id not in self._started:
                self._started.add(rule_id)
                self.printer.rule_started(rule_id)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        rules = self._rules_of.get(report.nodeid, ())
        if not rules:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            status = "fail" if report.failed else "skip" if report.skipped else "pass"
            for rule_id in rules:
                self._statuses.setdefault(rule_id, []).append(status)
        if report.when != "teardown":
            return
        self._take(self._new_records())
        for rule_id in rules:
            pending = self._pending.get(rule_id)
            if pending is None or report.nodeid not in pending:
                continue
            pending.discard(report.nodeid)
            if not pending and rule_id in MONITORED and self._records_file is not None:
                self._deferred.append(rule_id)  # the monitors go on judging: see the docstring
            elif not pending:
                self.printer.rule_finished(rule_id, self._outcome(rule_id))

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> Any:
        """No pytest letters (`.F s`) for rule tests: they would break the progress lines."""
        result = yield
        if result and report.nodeid in self._rules_of and config.get_verbosity() <= 0:
            category, _, word = result
            return category, "", word
        return result

    @pytest.hookimpl(trylast=True)  # after the conformance plugin has written the monitors'
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._deferred:
            self._take(self._new_records())
            folder = self._records_file.parent if self._records_file else None
            if folder is not None:  # the monitors' verdicts, from this process's journal,
                self._take(monitor_records(read_journal(folder, os.getpid())))
                self._take(load_records(folder, only=IDS_VERDICT))  # and the run-wide ids
            for rule_id in self._deferred:
                self.printer.rule_finished(rule_id, self._outcome(rule_id))
        self.printer.close()

    def _take(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            for rule_id in record.get("rules", ()):
                self._records.setdefault(rule_id, []).append(dict(record))
                for _ in range(int(record.get("examples", 0))):
                    self.printer.example(rule_id)

    # --- outcomes -----------------------------------------------------------------------

    def _outcome(self, rule_id: str) -> str:
        records = self._records.get(rule_id)
        if records:
            results = rule_results(records, selected=(rule_id,), strict=self._strict)
            if results:
                return str(results[0]["outcome"])
        return _from_statuses(self._statuses.get(rule_id, ()))

    def _new_records(self) -> list[dict[str, Any]]:
        """Records appended to this process's file since the last call (whole lines only)."""
        path = self._records_file
        if path is None or not path.exists():
            return []
        with open(path, "rb") as source:
            source.seek(self._offset)
            fresh = source.read()
        self._offset += len(fresh)
        lines = (self._partial + fresh).split(b"\n")
        self._partial = lines.pop()  # b"" after a complete last line
        found: list[dict[str, Any]] = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, Mapping):
                found.append(dict(record))
        return found


def _from_statuses(statuses: Iterable[str]) -> str:
    seen = set(statuses)
    if "fail" in seen:
        return "fail"
    if seen and seen == {"skip"}:
        return "skip"
    return "pass"


def _option(config: pytest.Config, name: str) -> Any:
    try:
        return config.getoption(name)
    except ValueError:  # the conformance plugin is not loaded: no records, not strict
        return None
