"""The rule catalogue and the conformance tests name each other, and nothing is left out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conformance.rules import RULES, Level

REPO = Path(__file__).resolve().parent.parent
COLLECT = """
import json, sys, pytest
found = {}
class Collect:
    def pytest_collection_finish(self, session):
        for item in session.items:
            rules = [r for m in item.iter_markers("rule") for r in m.args]
            found[item.nodeid.split("conformance/suite/", 1)[-1]] = rules
pytest.main(["conformance/suite", "--collect-only", "-qq", "-p", "no:cacheprovider"],
            plugins=[Collect()])
print("COLLECTED " + json.dumps(found))
"""


def collected() -> dict[str, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", COLLECT], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("COLLECTED "))
    return json.loads(line.removeprefix("COLLECTED "))


def test_every_rule_is_checked_by_the_tests_it_names() -> None:
    tests = collected()
    for rule in RULES.values():
        assert rule.tests, f"{rule.id} names no test"
        for test in rule.tests:
            assert test in tests, f"{rule.id} names {test}, which does not exist"
            assert rule.id in tests[test], f"{test} is not marked @rule({rule.id!r})"


def test_every_conformance_test_checks_a_catalogued_rule() -> None:
    named = {test for rule in RULES.values() for test in rule.tests}
    for test, rules in collected().items():
        assert rules, f"{test} has no @rule marker"
        assert set(rules) <= set(RULES), f"{test} names an unknown rule {rules}"
        assert test in named, f"{test} is not listed in the catalogue"


def test_rules_match_the_spec_table() -> None:
    spec = REPO.parent / "shared" / "spec" / "rules.md"
    if not spec.exists():  # CI's copy of shared/ sits beside the clone too
        spec = REPO / ".." / "shared" / "spec" / "rules.md"
    text = spec.read_text("utf-8")
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.level} |" in text, rule.id
    assert {"MUST", "SHOULD"} <= {str(r.level) for r in RULES.values()}
    assert all(isinstance(r.level, Level) for r in RULES.values())
