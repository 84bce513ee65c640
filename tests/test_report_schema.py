"""summary.json's JSON Schema: shipped, printed by `sesconf schema`, strict where the
contract is and open where it grows; every summary the suite writes follows it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.report.runfiles import NOT_FINISHED, RunFiles
from conformance.report.summary import build_summary, mark_unfinished, rule_results
from conformance.rules import RULES
from tests._schema import SCHEMA, VALIDATOR, valid_summary
from tests._sesconf import REPO

REFERENCE = load_builtin_profile("reference")


def _summary(**changes: Any) -> dict[str, Any]:
    results = rule_results([], selected=RULES, strict=False, profile=REFERENCE)
    summary = build_summary(
        results, profile=REFERENCE, strict=False, max_examples=5, seed=None, started_at=time.time()
    )
    return json.loads(json.dumps({**summary, **changes}))


def test_the_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_sesconf_schema_prints_the_shipped_schema() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "schema"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (0, SCHEMA) == (done.returncode, json.loads(done.stdout))
    shipped = REPO / "conformance" / "report" / "summary.schema.json"
    assert shipped.read_text("utf-8") == done.stdout


def test_a_summary_of_every_kind_validates(tmp_path: Path) -> None:
    files = RunFiles(tmp_path, REFERENCE, False, 5, None, tuple(RULES), time.time())
    files.write_pending()  # interrupted, every rule broken, no classes yet
    assert NOT_FINISHED == valid_summary(tmp_path)["interruption"]
    results = mark_unfinished(
        rule_results([], selected=RULES, strict=True, profile=REFERENCE), [], "SIGTERM received"
    )
    files.write(results, exit_code=ExitCode.INTERRUPTED, interrupted="SIGTERM received")
    assert {"broken"} == {rule["outcome"] for rule in valid_summary(tmp_path)["rules"]}


def test_new_keys_may_appear_at_the_top_and_in_a_rule() -> None:
    summary = _summary(expectations={"matched": True}, future="yes")
    summary["rules"][0]["future"] = {"any": "thing"}
    assert [] == list(VALIDATOR.iter_errors(summary))


def _broken_copies() -> list[tuple[str, dict[str, Any]]]:
    base = _summary()
    cases = []
    for label, path, value in [
        ("unknown outcome", ("rules", 0, "outcome"), "passed"),
        ("unknown verdict", ("verdict",), "fine"),
        ("exit code out of the enum", ("exit_code",), 7),
        ("count of a new outcome", ("counts", "maybe"), 1),
        ("negative examples", ("rules", 0, "examples"), -1),
        ("duration as text", ("duration_s",), "12 s"),
        ("level out of the enum", ("rules", 0, "level"), "MAY"),
        ("negative readable answers", ("rules", 0, "readable"), -1),
        ("readable answers as text", ("rules", 0, "readable"), "3"),
        ("interrupted without a reason", ("interrupted",), True),
    ]:
        summary = copy.deepcopy(base)
        *parents, last = path
        node: Any = summary
        for key in parents:
            node = node[key]
        node[last] = value
        cases.append((label, summary))
    for key in ("exit_code", "rules", "verdict", "interruption"):
        summary = copy.deepcopy(base)
        del summary[key]
        cases.append((f"no {key}", summary))
    for key in ("readable", "exchanges"):  # what a verdict rests on (issue 17)
        summary = copy.deepcopy(base)
        del summary["rules"][0][key]
        cases.append((f"a rule without {key}", summary))
    failed = copy.deepcopy(base)
    failed["rules"][0].update(outcome="fail", counterexample={"expected": "reject"})
    cases.append(("a failure without its whole counterexample", failed))
    return cases


@pytest.mark.parametrize(("label", "summary"), _broken_copies(), ids=lambda v: str(v)[:40])
def test_what_breaks_the_contract_is_refused(label: str, summary: dict[str, Any]) -> None:
    assert not VALIDATOR.is_valid(summary), label
