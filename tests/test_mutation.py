"""The mutation run's data stays true to the code (docs/mutation/): every mutant has a
result or a reason, no equivalent is stale, the report is the data's, and one known mutant
really dies against a real server served from a mutated copy.

Enumerating the mutants takes a second or two (cosmic-ray's operators over the scope's
modules); the end-to-end test runs one mutant through the quick tier (about 30 s).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import parso
import pytest

from tools.mutation.catalog import REPO, Mutant, mutants
from tools.mutation.cli import is_final, kills_sample
from tools.mutation.execute import DEFAULT, QUICK, TIERS, judge, make_copy
from tools.mutation.records import (
    EQUIVALENT,
    KILLED,
    REPORT,
    SURVIVED,
    load_equivalents,
    load_results,
    sample,
)
from tools.mutation.report import render
from tools.mutation.scope import FAULT_ONLY
from tools.mutation.switches import dead, fault_switch, switch_names

RECIPIENT_COUNT = (
    "conformance/server/engine.py::Engine._validate_viewed::ReplaceComparisonOperator_Gt_GtE::"
    "if (len(counted) if count is None else count) > limit: => "
    "if (len(counted) if count is None else count) >= limit:"
)
"""The recipient-count check flipped from `>` to `>=`: exactly the limit is refused."""


@pytest.fixture(scope="module")
def current() -> list[Mutant]:
    started = time.monotonic()
    found = mutants()
    assert time.monotonic() - started < 30, "enumerating the mutants must stay fast"
    return found


def test_keys_are_unique_and_name_what_changes(current: list[Mutant]) -> None:
    keys = [m.key for m in current]
    assert len(keys) == len(set(keys))
    for m in current:
        assert m.key.startswith(f"{m.module}::{m.function}::")
        assert m.before != m.after, m.key


def test_no_equivalent_is_stale_and_each_has_a_reason(current: list[Mutant]) -> None:
    keys = {m.key for m in current}
    equivalents = load_equivalents()
    stale = sorted(k for k in equivalents if k not in keys)
    assert [] == stale, f"{EQUIVALENT.name} lists mutants that no longer exist"
    assert [] == sorted(k for k, reason in equivalents.items() if not reason.strip())


def test_every_recorded_survivor_is_listed_equivalent(current: list[Mutant]) -> None:
    """A survivor is a missing class until a test kills it, or an equivalent with a reason.
    (Mutants not run yet are counted in report.md: the proof is complete at 0.)"""
    results, equivalents = load_results(), load_equivalents()
    keys = {m.key for m in current}
    left = [k for k, r in results.items() if r.outcome == SURVIVED and k in keys]
    assert [] == [k for k in left if k not in equivalents]


def test_the_report_is_the_data_s(current: list[Mutant]) -> None:
    results, equivalents = load_results(), load_equivalents()
    pending = sum(1 for m in current if m.key not in results and m.key not in equivalents)
    expected = render(results, equivalents, pending=pending)
    assert expected == REPORT.read_text("utf-8"), "run `.ci/mutation report` and commit it"
    assert f"- not run yet: {pending} " in expected


def test_the_ci_sample_is_drawn_from_the_kills_on_record(current: list[Mutant]) -> None:
    results = load_results()
    chosen = kills_sample(current, 40, 7)
    assert 40 == len(chosen)
    assert {KILLED} == {results[m.key].outcome for m in chosen}


def test_the_sample_is_deterministic_and_rotates(current: list[Mutant]) -> None:
    first = [m.key for m in sample(current, 40, 7)]
    assert first == [m.key for m in sample(list(reversed(current)), 40, 7)]
    following = {m.key for m in sample(current, 40, 8)}
    assert 40 == len(first) == len(following)
    assert set() == set(first) & following


def test_fault_machinery_is_left_out(current: list[Mutant]) -> None:
    engine = [m for m in current if m.module == "conformance/server/engine.py"]
    assert engine, "the engine has mutants"
    left_out = FAULT_ONLY["conformance/server/engine.py"]
    assert [] == [m.key for m in engine if m.function.startswith(left_out)]
    assert [] == [m.key for m in current if '"quota-first" in on' in m.before]
    assert fault_switch('not "size-raw" in on')
    assert not fault_switch("size > limit")


def test_code_behind_a_switch_is_dead_and_code_beside_it_is_not() -> None:
    tree = parso.parse(
        "def f(on, x):\n"
        '    gray = "gray-accepted" in on\n'
        '    if "body-first" in on:\n'
        "        a = x > 1\n"
        "    b = x > 2 and gray\n"
        '    c = x > 3 and "quota-not-enforced" not in on\n'
    )
    names = switch_names(tree, "example.py")
    leaf = {n: tree.get_leaf_for_position((n, 12)) for n in (4, 5, 6)}
    assert {4: True, 5: True, 6: False} == {n: dead(leaf[n], names) for n in leaf}


def test_a_mutated_copy_leaves_the_pristine_tree_alone(tmp_path: Path) -> None:
    mutant = next(m for m in mutants() if m.key == RECIPIENT_COUNT)
    pristine = (REPO / mutant.module).read_bytes()
    make_copy(tmp_path, mutant)
    assert pristine == (REPO / mutant.module).read_bytes()
    assert ">= limit:" in (tmp_path / mutant.module).read_text("utf-8")
    probe = "import conformance.server.engine as e; print(e.__file__)"
    seen = {
        path: subprocess.run(
            [sys.executable, "-c", probe],
            cwd=path,
            env={"PYTHONPATH": str(path), "PATH": ""},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.strip()
        for path in (tmp_path, REPO)
    }
    assert str(tmp_path / mutant.module) == seen[tmp_path]
    assert str(REPO / mutant.module) == seen[REPO]


def test_a_known_mutant_dies_against_a_real_server() -> None:
    mutant = next(m for m in mutants() if m.key == RECIPIENT_COUNT)
    result = judge(mutant, (QUICK,))
    assert (KILLED, "quick") == (result.outcome, result.tier), result
    assert "recipients.max" in result.rules, result


READ_SIZE = (
    "conformance/server/http.py::<module>::NumberReplacer::_CHUNK = 1 << 16 => _CHUNK = 1 << 17"
)
"""The body read in chunks of 128 KiB instead of 64: listed equivalent, it survives."""


def test_a_quick_survivor_is_not_a_result_until_the_default_tier_ran() -> None:
    mutant = next(m for m in mutants() if m.key == READ_SIZE)
    assert READ_SIZE in load_equivalents()
    result = judge(mutant, (QUICK,))
    assert (SURVIVED, "quick") == (result.outcome, result.tier), result
    assert (False, True) == (is_final(result, (QUICK,)), is_final(result, TIERS))
    killed = judge(next(m for m in mutants() if m.key == RECIPIENT_COUNT), (QUICK,))
    assert (True, True) == (is_final(killed, (QUICK,)), is_final(killed, (DEFAULT,)))
