"""The rule catalogue and the conformance tests name each other, and nothing is left out."""

from __future__ import annotations

import json
import re
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


SPEC = REPO / "docs" / "spec" / "rules.md"
"""The spec's rules table, vendored: the project reads nothing outside its own clone."""
_ROW = re.compile(r"^\| `([a-z0-9.-]+)` \| (MUST|SHOULD|INFO) \|", re.MULTILINE)


def spec_rules(text: str) -> dict[str, str]:
    """{rule id: level} from the `| `id` | LEVEL | ...` rows of the spec's table."""
    rows = _ROW.findall(text)
    assert len(rows) == len(dict(rows)), "a rule id is repeated in the spec"
    return dict(rows)


def test_rules_match_the_spec_table() -> None:
    """The catalogue has exactly the spec's rules at the spec's levels."""
    expected = spec_rules(SPEC.read_text("utf-8"))
    assert len(expected) >= 15
    assert expected == {rule.id: str(rule.level) for rule in RULES.values()}
    assert {"MUST", "SHOULD"} <= set(expected.values())
    assert all(isinstance(r.level, Level) for r in RULES.values())


def test_spec_rows_are_read_whole() -> None:
    text = "| `a.b` | MUST | x |\n| `c-d.e` | INFO | y |\n| nope | MUST |\n"
    assert {"a.b": "MUST", "c-d.e": "INFO"} == spec_rules(text)
