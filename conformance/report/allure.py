"""allure-results/: one Allure result per rule, with the minimal counterexample attached.

Written from summary.json (not by allure-pytest), so a rule is one result however many
tests check it, and our results carry a `sesconf:` test-case id that keeps them apart
from other allure-pytest results in the same directory.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import Attachment, Label, Link, Parameter, StatusDetails, TestResult

SEVERITY = {"MUST": "critical", "SHOULD": "normal", "INFO": "trivial"}
STATUS = {
    "pass": "passed",
    "fail": "failed",
    "non-strict": "failed",
    "skip": "skipped",
    "broken": "broken",
}
CATEGORIES = [
    {"name": "MUST violation", "matchedStatuses": ["failed"], "messageRegex": r"\[MUST\].*"},
    {"name": "SHOULD violation", "matchedStatuses": ["failed"], "messageRegex": r"\[SHOULD\].*"},
    {
        "name": "target unreachable",
        "matchedStatuses": ["broken"],
        "messageRegex": r".*(refused|unreachable|timeout|connection).*",
    },
    {"name": "broken", "matchedStatuses": ["broken"]},
]


def write_allure_results(folder: Path, summary: Mapping[str, Any]) -> None:
    """Replace our own results in `folder`; leave anything else there alone."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("sesconf-*"):
        old.unlink()
    for old in folder.glob("*-result.json"):
        try:
            ours = json.loads(old.read_text("utf-8")).get("testCaseId", "").startswith("sesconf:")
        except (OSError, ValueError, AttributeError):
            continue
        if ours:
            old.unlink()
    logger = AllureFileLogger(folder)
    target = summary["target"]
    for rule in summary["rules"]:
        result, attachments = _result(rule, target, summary)
        for name, body in attachments:
            logger.report_attached_data(body, name)
        logger.report_result(result)
    hyp = summary.get("hypothesis", {})
    (folder / "environment.properties").write_text(
        "\n".join(
            f"{key}={value}"
            for key, value in (
                ("target", target["name"]),
                ("protocol", target["protocol"]),
                ("url", target["url"]),
                ("suite.version", summary["suite"]["version"]),
                ("hypothesis.profile", hyp.get("profile")),
                ("hypothesis.seed", hyp.get("seed")),
                ("hypothesis.max_examples", hyp.get("max_examples")),
            )
        )
        + "\n",
        "utf-8",
    )
    (folder / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), "utf-8")


def _result(
    rule: Mapping[str, Any], target: Mapping[str, Any], summary: Mapping[str, Any]
) -> tuple[TestResult, list[tuple[str, str]]]:
    attachments: list[tuple[str, str]] = []
    allure_attachments = []
    ce = rule.get("counterexample")
    if ce:
        name = f"sesconf-{uuid.uuid4()}-attachment.json"
        attachments.append((name, json.dumps(ce, indent=2, ensure_ascii=False)))
        allure_attachments.append(
            Attachment(name="minimal counterexample", source=name, type="application/json")
        )
        if ce.get("curl"):
            curl_name = f"sesconf-{uuid.uuid4()}-attachment.txt"
            attachments.append((curl_name, ce["curl"]))
            allure_attachments.append(Attachment(name="curl", source=curl_name, type="text/plain"))
    key = f"sesconf:{target['protocol']}:{target['name']}:{rule['id']}"
    message = f"[{rule['level']}] {rule['id']}: {rule['reason']}" if rule["reason"] else None
    result = TestResult(
        uuid=f"sesconf-{uuid.uuid4()}",
        historyId=hashlib.md5(key.encode()).hexdigest(),
        testCaseId=key,
        name=rule["id"],
        fullName=key,
        status=STATUS[rule["outcome"]],
        statusDetails=StatusDetails(message=message) if message else None,
        description=f'"{rule["quote"]}"',
        labels=[
            Label(name="epic", value=target["protocol"]),
            Label(name="feature", value=rule["family"]),
            Label(name="story", value=rule["id"]),
            Label(name="severity", value=SEVERITY.get(rule["level"], "normal")),
            Label(name="tag", value=rule["level"]),
            Label(name="suite", value=f"{target['name']} ({target['protocol']})"),
            Label(name="framework", value="ses-conformance"),
        ],
        links=[Link(type="link", url=rule["doc_url"], name="documentation")],
        parameters=[Parameter(name="examples", value=str(rule["examples"]))],
        attachments=allure_attachments,
    )
    return result, attachments
