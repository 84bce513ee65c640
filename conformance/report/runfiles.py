"""The files of one `sesconf run`, written at its start, at its end, and when it is stopped.

At the start a summary marked "not finished" is written, so even a run killed with
SIGKILL leaves a readable report that says so; at the end (or on SIGTERM, SIGINT or the
run deadline) it is replaced by what the records say, marked interrupted when it was.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.profile import TargetProfile
from conformance.redact import redact
from conformance.report.files import write_atomic
from conformance.report.summary import build_summary, rule_results, write_summary_files

__all__ = ["NOT_FINISHED", "PYTEST_JUNIT", "RunFiles"]

NOT_FINISHED = "the run has not finished: it is still running, or it was killed"
PYTEST_JUNIT = ".junit-pytest.xml"
"""pytest writes its junit here; the run redacts it into junit.xml in one rename."""
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(slots=True)
class RunFiles:
    """Everything needed to write the run's reports from whatever is known."""

    report_dir: Path
    profile: TargetProfile
    strict: bool
    max_examples: int
    seed: int | None
    selected: tuple[str, ...]
    started_at: float
    budget: Mapping[str, Any] | None = None

    def write_pending(self) -> None:
        """The summary of a run that has not finished: every rule `broken`, interrupted."""
        results = [
            dict(r, outcome="broken", reason=NOT_FINISHED)
            for r in rule_results([], selected=self.selected, strict=self.strict)
        ]
        self.write(results, exit_code=ExitCode.INTERRUPTED, interrupted=NOT_FINISHED)

    def write(
        self,
        results: list[dict[str, Any]],
        *,
        exit_code: ExitCode,
        interrupted: str | None,
        exchanges: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """summary.json, allure-results/, index.html and junit.xml; returns the summary."""
        summary = build_summary(
            results,
            profile=self.profile,
            strict=self.strict,
            max_examples=self.max_examples,
            seed=self.seed,
            started_at=self.started_at,
            exit_code=exit_code,
            interrupted=interrupted,
            exchanges=exchanges,
            budget=self.budget,
        )
        write_summary_files(self.report_dir, summary)
        self.write_junit(summary)
        return summary

    def write_junit(self, summary: dict[str, Any]) -> None:
        """pytest's junit, redacted, after a complete run; else one testcase per rule."""
        produced = self.report_dir / PYTEST_JUNIT
        if produced.is_file() and not summary.get("interrupted"):
            text = produced.read_bytes().decode("utf-8", "replace")
            write_atomic(self.report_dir / "junit.xml", redact(text))
        else:  # interrupted: one testcase per rule says what finished and what did not
            write_atomic(self.report_dir / "junit.xml", junit_from_summary(summary))
        produced.unlink(missing_ok=True)


def _xml_text(value: object) -> str:
    return _NOT_XML.sub("?", redact(str(value)))[:2000]


def junit_from_summary(summary: dict[str, Any]) -> str:
    """A junit.xml with one testcase per rule, for a run whose pytest wrote none."""
    rules: Iterable[dict[str, Any]] = summary.get("rules") or []
    counts = summary.get("counts") or {}
    suite = ET.Element(
        "testsuite",
        name="ses-conformance",
        tests=str(sum(int(v) for v in counts.values())),
        failures=str(counts.get("fail", 0)),
        errors=str(counts.get("broken", 0)),
        skipped=str(counts.get("skip", 0)),
    )
    if summary.get("interruption"):
        props = ET.SubElement(suite, "properties")
        ET.SubElement(
            props, "property", name="interrupted", value=_xml_text(summary["interruption"])
        )
    for rule in rules:
        case = ET.SubElement(
            suite, "testcase", classname=f"sesconf.{rule.get('family', '')}", name=str(rule["id"])
        )
        tag = {"fail": "failure", "broken": "error", "skip": "skipped"}.get(str(rule["outcome"]))
        if tag:
            ET.SubElement(case, tag, message=_xml_text(rule.get("reason", "")))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
