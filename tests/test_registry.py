"""The rule registry is the one way in: a rule module written outside the package, loaded
with --checks, is listed, run, reported and replayed like a catalogue rule."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from conformance.checks import Replay, answer_checks, get_check
from conformance.checks.registry import REGISTRY, Check, expectation_for, register
from conformance.exitcodes import ExitCode, Outcome
from conformance.model import Reject
from conformance.oracle import expect
from conformance.profile import load_builtin_profile
from conformance.rules import RULES, Level, Rule
from conformance.server.app import start_server
from conformance.violations import violation_for
from tests._sesconf import REPO, sesconf

PROFILE = load_builtin_profile("reference")

TOY = textwrap.dedent(
    '''
    """Two toy rules: one that holds against the reference, one that never does."""

    from typing import Any

    from conformance.checks import Check, register
    from conformance.profile import TargetProfile
    from conformance.rules import Level, Rule
    from sesconf_strategies.build import requests


    def strategy(profile: TargetProfile) -> Any:
        return requests(profile=profile)


    def passes(ctx: Any, case: Any) -> None:
        ctx.check(case)


    def fails(ctx: Any, case: Any) -> None:
        exchange = ctx.check(case)
        ctx.fail(ctx.rule, "the toy rule always fails", exchange, expected="never",
                 params=case.request.params)


    register(Check(Rule("toy.ok", Level.SHOULD, "A toy quote.", "A toy note.", ()),
                   strategy=strategy, body=passes))
    register(Check(Rule("toy.fails", Level.SHOULD, "A failing toy.", "Always fails.", ()),
                   strategy=strategy, body=fails))
    '''
)


@pytest.fixture
def toy(tmp_path: Path) -> dict[str, str]:
    """The environment that puts the toy module on the path (nothing else changes)."""
    folder = tmp_path / "ext"
    folder.mkdir()
    (folder / "toy.py").write_text(TOY, "utf-8")
    return {"PYTHONPATH": os.pathsep.join((str(REPO), str(folder)))}


def test_every_catalogue_rule_is_registered_once_with_its_text() -> None:
    assert list(RULES) == list(REGISTRY)[: len(RULES)]
    assert all(RULES[rule_id] == get_check(rule_id).rule for rule_id in RULES)
    expected = {"envelope.success", "envelope.error", "http.status", "robust.no-5xx"}
    expected |= {"http.content-type"}
    assert expected | {"envelope.created-at"} == {c.id for c in answer_checks()}
    assert Replay.ATOMIC == get_check("recipients.valid").replay
    assert get_check("quota.recipients").stateful


def test_an_unregistered_id_has_no_violation_class() -> None:
    with pytest.raises(KeyError, match=r"no\.such-rule"):
        violation_for("no.such-rule")


def test_a_registered_rule_is_listed_run_reported_and_replayed(
    toy: dict[str, str], tmp_path: Path
) -> None:
    listing = sesconf("rules", "--checks", "toy", report_dir=tmp_path, env=toy)
    assert 0 == listing.returncode, listing.stderr
    assert "toy.ok" in listing.stdout and "toy.fails" in listing.stdout
    assert "test_registered.py::test_toy_ok" in listing.stdout

    report = tmp_path / "report"
    run = sesconf(
        "run", "--checks", "toy", "--rules", "toy.*", "--max-examples", "3", "--strict",
        report_dir=report, env=toy,
    )  # fmt: skip
    assert ExitCode.RULE_FAILED == run.returncode, run.stdout + run.stderr
    rules = {rule["id"]: rule for rule in run.summary["rules"]}
    assert {"toy.ok": Outcome.PASS, "toy.fails": Outcome.FAIL} == run.outcomes()
    assert str(Level.SHOULD) == rules["toy.ok"]["level"]
    assert 0 < rules["toy.ok"]["examples"]
    assert "toy.fails" in (report / "index.html").read_text("utf-8")

    with start_server(PROFILE) as server:
        again = sesconf(
            "replay", str(report), "--checks", "toy", "--url", server.url,
            report_dir=report, env=toy,
        )  # fmt: skip
    assert ExitCode.RULE_FAILED == again.returncode, again.stdout + again.stderr
    assert "STILL FAILING  toy.fails" in again.stdout


def test_a_check_brings_its_own_oracle() -> None:
    """The oracle's question is part of the Check: a rule registered with its own oracle is
    judged by it, every other rule by rules.md's oracle."""
    profile = load_builtin_profile("reference")
    params = {"Source": "x"}
    own = Reject(frozenset({"toy.oracle"}), ("toy: every request is refused",))
    rule = Rule("toy.oracle", Level.INFO, "toy", "toy", ())
    register(Check(rule, oracle=lambda p, prof: own))
    try:
        assert own == expectation_for("toy.oracle", params, profile)
        assert expect(params, profile) == expectation_for("sender.verified", params, profile)
        assert expect(params, profile) == expectation_for("no.such-rule", params, profile)
    finally:
        REGISTRY.pop("toy.oracle", None)
