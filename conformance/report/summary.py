"""Fold the per-test records into per-rule verdicts, summary.json and the exit code.

A rule's outcome: `fail` when a test found a violation of a MUST rule (or of a SHOULD
rule under --strict), `non-strict` for a SHOULD/INFO violation otherwise, `broken`
when the target gave no usable answer (or the suite itself erred, or its tests read too
few of the answers: `report.readable`), `skip` when every test of the rule was skipped,
`pass` otherwise.
"""

from __future__ import annotations

import json
import shlex
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.checks.registry import REGISTRY, rules
from conformance.classes import EVENT_PREFIX
from conformance.exitcodes import ExitCode
from conformance.profile import TargetProfile
from conformance.redact import redact_strings
from conformance.report.allure import write_allure_results
from conformance.report.caps import cap_record
from conformance.report.eml import write_raw_counterexamples
from conformance.report.files import write_atomic
from conformance.report.html import write_index_html
from conformance.report.journal import fold_journals
from conformance.report.readable import rest_on_readable
from conformance.report.testnames import finished_tests, whole_test
from conformance.rules import Level, not_covered_json
from conformance.version import __version__

OUTCOMES = ("pass", "fail", "non-strict", "skip", "broken")
SCHEMA_NAME = "summary.schema.json"
"""summary.json's JSON Schema, shipped beside this module (package data)."""


def schema_text() -> str:
    """The JSON Schema every summary.json validates against (`sesconf schema` prints it)."""
    return (
        resources.files(__package__ or "conformance.report")
        .joinpath(SCHEMA_NAME)
        .read_text("utf-8")
    )


def load_records(folder: Path | None, *, only: str = "*.jsonl") -> list[dict[str, Any]]:
    """Every record the test processes wrote (one JSON object a line); `only` picks files."""
    if folder is None or not folder.is_dir():
        return []
    records = []
    for path in sorted(folder.glob(only)):
        for line in path.read_text("utf-8", "replace").splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:  # the last line of a process killed while writing it
                continue
    return records


def load_run(folder: Path | None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The records of a run, with what its journals say that no record does (the tests
    and processes a stop cut short), and its exchanges counted (summary's `exchanges`)."""
    records = load_records(folder)
    fold = fold_journals(folder, records)
    return records + fold.records, fold.exchanges


def rule_results(
    records: Sequence[Mapping[str, Any]],
    *,
    selected: Iterable[str],
    strict: bool,
    profile: TargetProfile | None = None,
) -> list[dict[str, Any]]:
    """One entry per selected rule, in catalogue order (summary.json's `rules`)."""
    chosen = set(selected)
    results = []
    for rule in rules().values():
        if rule.id not in chosen:
            continue
        mine = [r for r in records if rule.id in r["rules"]]
        violations = [v for r in records for v in r.get("violations", ()) if v["rule"] == rule.id]
        events: Counter[str] = Counter()
        for r in mine:
            events.update(r.get("events", {}))
        entry: dict[str, Any] = {
            "id": rule.id,
            "level": str(rule.level),
            "family": rule.family,
            "quote": rule.quote,
            "doc_url": rule.doc_url,
            "outcome": "pass",
            "examples": sum(r.get("examples", 0) for r in mine),
            "tests": sorted({whole_test(r["nodeid"]) for r in mine}) or list(rule.tests),
            "events": {k: n for k, n in events.most_common() if not k.startswith("class: ")},
            "reason": "",
            "counterexample": None,
        }
        statuses = {r["status"] for r in mine}
        if violations:
            gating = rule.level is Level.MUST or (strict and rule.level is Level.SHOULD)
            entry["outcome"] = "fail" if gating else "non-strict"
            entry["reason"] = violations[0]["summary"]
            entry["counterexample"] = violations[0]["counterexample"]
        elif "error" in statuses:
            entry["outcome"] = "broken"
            entry["internal_error"] = True
            entry["reason"] = next(r["reason"] for r in mine if r["status"] == "error")
        elif "broken" in statuses:
            entry["outcome"] = "broken"
            first = next(r for r in mine if r["status"] == "broken")
            entry["reason"] = first["reason"]
            entry["counterexample"] = first.get("counterexample")
        elif not mine:  # selected, yet never ran: the run stopped early
            entry["outcome"] = "broken"
            entry["reason"] = "no test of this rule ran (the run stopped before it)"
        elif statuses == {"skip"}:
            entry["outcome"] = "skip"
            entry["reason"] = mine[0]["reason"]
        rest_on_readable(entry, mine)  # a pass must rest on answers read (issue 17)
        if profile is not None:
            entry.update(class_reach(rule.id, events, profile, ran=entry["outcome"] != "skip"))
        results.append(entry)
    return results


def class_reach(
    rule_id: str, events: Mapping[str, int], profile: TargetProfile, *, ran: bool
) -> dict[str, Any]:
    """`classes` {declared class: times exercised} and `classes_missed` for one rule.

    A skipped rule owes no class (its classes are empty), so a sandbox-only rule on a
    production profile reports nothing missed.
    """
    check = REGISTRY.get(rule_id)
    wanted = check.classes(profile) if ran and check is not None and check.classes else ()
    counts = {c: int(events.get(EVENT_PREFIX + c, 0)) for c in wanted}
    return {"classes": counts, "classes_missed": [c for c, n in counts.items() if n == 0]}


def _class_totals(results: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many declared classes the run owed, reached and missed, over every rule."""
    declared = sum(len(r.get("classes", {})) for r in results)
    missed = sum(len(r.get("classes_missed", ())) for r in results)
    return {"declared": declared, "reached": declared - missed, "missed": missed}


def exit_code_for(results: Sequence[Mapping[str, Any]]) -> ExitCode:
    outcomes = {r["outcome"] for r in results}
    if not results:
        return ExitCode.NO_RULES_SELECTED
    if "fail" in outcomes:
        return ExitCode.RULE_FAILED
    if any(r.get("internal_error") for r in results):
        return ExitCode.INTERNAL_ERROR
    if "broken" in outcomes:
        return ExitCode.TARGET_UNREACHABLE
    return ExitCode.OK


VERDICTS = {
    ExitCode.OK: "conformant",
    ExitCode.RULE_FAILED: "not conformant",
    ExitCode.TARGET_UNREACHABLE: "target unreachable or not answering",
    ExitCode.NO_RULES_SELECTED: "no rule selected",
    ExitCode.INTERNAL_ERROR: "internal error in the suite",
    ExitCode.USAGE_ERROR: "usage error",
    ExitCode.INTERRUPTED: "interrupted before the end",
}


def build_summary(
    results: Sequence[Mapping[str, Any]],
    *,
    profile: TargetProfile,
    strict: bool,
    max_examples: int,
    seed: int | None,
    started_at: float,
    exit_code: ExitCode | None = None,
    interrupted: str | None = None,
    exchanges: Mapping[str, int] | None = None,
    budget: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """summary.json; `interrupted` says why the run stopped before its end (a signal, the
    run deadline, or "not finished yet" in the summary written when a run starts);
    `exchanges` counts the SendEmail exchanges of the tests, answered or not."""
    code = exit_code if exit_code is not None else exit_code_for(results)
    counts = Counter(r["outcome"] for r in results)
    return {
        "suite": {"name": "ses-conformance", "version": __version__},
        "target": {
            "name": profile.name,
            "protocol": profile.protocol,
            "url": profile.url,
            "region": profile.region,
        },
        "started_at": datetime.fromtimestamp(started_at, UTC).isoformat().replace("+00:00", "Z"),
        "duration_s": round(time.time() - started_at, 3),
        "strict": strict,
        "hypothesis": {
            "profile": "ci" if seed is None else "random",
            "seed": seed,
            "max_examples": max_examples,
        },
        "budget": dict(budget) if budget is not None else _budget_of(max_examples),
        "exit_code": int(code),
        "exit_name": code.name,
        "verdict": VERDICTS[code],
        "counts": {outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        "exchanges": dict(exchanges or {"answered": 0, "unanswered": 0}),
        "class_reach": _class_totals(results),
        "interrupted": interrupted is not None,
        "interruption": interrupted,
        "rules": list(results),
        "not_covered": not_covered_json(),
    }


def _budget_of(max_examples: int) -> dict[str, Any]:
    """The budget of a run that chose none itself (plain pytest): as it was given."""
    return {
        "max_examples": max_examples,
        "base": max_examples,
        "scaled": False,
        "pinned": True,
        "latency_ms": None,
        "why": "as given to pytest (--sesconf-max-examples or the profile): not scaled",
    }


def write_reports(
    report_dir: Path,
    *,
    records_dir: Path | None,
    profile: TargetProfile,
    strict: bool,
    max_examples: int,
    seed: int | None,
    selected: Iterable[str],
    started_at: float | None = None,
) -> dict[str, Any]:
    """Write summary.json, allure-results/ and index.html; return the summary."""
    records, exchanges = load_run(records_dir)
    results = rule_results(records, selected=selected, strict=strict, profile=profile)
    summary = build_summary(
        results,
        profile=profile,
        strict=strict,
        max_examples=max_examples,
        seed=seed,
        started_at=started_at if started_at is not None else time.time(),
        exchanges=exchanges,
    )
    write_summary_files(report_dir, summary)
    return summary


def mark_unfinished(
    results: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]], why: str
) -> list[dict[str, Any]]:
    """After an interrupted run: a rule some of whose tests never reported is `broken`.

    A failure found before the stop stands (it is real); a pass or skip of a rule whose
    other tests never ran is not one.
    """
    ran = finished_tests(str(r.get("nodeid", "")) for r in records if not r.get("unfinished"))
    marked = []
    for result in results:
        entry = dict(result)
        rule = rules().get(str(entry.get("id")))
        tests = rule.tests if rule is not None else ()
        unfinished = [t for t in tests if t not in ran]
        never_ran = str(entry.get("reason", "")).startswith("no test of this rule ran")
        if unfinished and (entry["outcome"] in ("pass", "skip", "non-strict") or never_ran):
            entry["outcome"] = "broken"
            entry["reason"] = f"the run stopped before this rule finished ({why})"
        marked.append(entry)
    return marked


def write_summary_files(report_dir: Path, summary: dict[str, Any]) -> None:
    """summary.json, allure-results/ and index.html, all from one redacted, capped summary.

    summary.json and index.html are replaced whole (`write_atomic`), so a run killed while
    writing leaves the previous complete file.
    """

    report_dir.mkdir(parents=True, exist_ok=True)
    write_raw_counterexamples(report_dir, summary)  # before the caps cut the message
    for rule in summary["rules"]:  # the replay command names this very report
        ce = rule.get("counterexample")
        if ce and ce.get("replay"):
            ce["replay"] = f"sesconf replay {shlex.quote(str(report_dir))} --rule {rule['id']}"
    safe = redact_strings(cap_record(summary))
    summary.update(safe)  # callers print what was written
    text = json.dumps(safe, indent=2, ensure_ascii=False) + "\n"
    write_atomic(report_dir / "summary.json", text)
    write_allure_results(report_dir / "allure-results", safe)
    write_index_html(report_dir, safe)
