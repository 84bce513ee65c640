"""Known divergences of a target, WPT-style: `sesconf run --expectations FILE`.

An expectations file names the rules a target is known to fail, each with why:

    target = "moto"
    protocol = "ses-query"
    target_version = "5.2.1"          # optional, informational

    [fail."size.max"]
    why = "ses/models.py SESBackend.send_email has no size check"

A run *matches* its expectations when the set of selected rules whose outcome is `fail`
or `non-strict` is exactly the set the file names. Anything else is a departure:

- a rule that failed but is not named: `unexpected failure` (exit 1);
- a named rule that passed: `unexpected pass` (exit 1) -- the target got better, or the
  suite stopped noticing; either way the file must change;
- a named rule that was skipped or broken: `unconfirmed` (exit 1), the expectation could
  not be checked;
- a named rule that was not selected (`--rules`/`--exclude`) is left out of the comparison.

When the run itself was not valid (exit 3, 4 or 5: target unreachable or broken, nothing
selected, a suite bug) that exit code stands: expectations cannot turn it into a pass.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import ProfileError
from conformance.exitcodes import ExitCode
from conformance.profile import PROTOCOLS
from conformance.rules import RULES

FAILED = frozenset({"fail", "non-strict"})
"""Outcomes that count as a failure of the rule (non-strict: a SHOULD rule was violated)."""
UNCONFIRMED = frozenset({"skip", "broken"})
_TOP_KEYS = frozenset({"target", "protocol", "target_version", "fail"})
_ENTRY_KEYS = frozenset({"why"})


@dataclass(frozen=True, slots=True)
class ExpectedFailure:
    rule_id: str
    why: str


@dataclass(frozen=True, slots=True)
class Expectations:
    """One parsed expectations file."""

    path: str
    target: str
    protocol: str
    failures: tuple[ExpectedFailure, ...]
    target_version: str | None = None

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(f.rule_id for f in self.failures)

    def why(self, rule_id: str) -> str:
        return next(f.why for f in self.failures if f.rule_id == rule_id)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Where a run and its expectations part ways (each tuple in catalogue order)."""

    unexpected_failures: tuple[str, ...]
    unexpected_passes: tuple[str, ...]
    unconfirmed: tuple[str, ...]
    not_selected: tuple[str, ...]

    @property
    def matched(self) -> bool:
        return not (self.unexpected_failures or self.unexpected_passes or self.unconfirmed)


# --- loading ----------------------------------------------------------------------------


def _text(raw: Any, key: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ProfileError(f"{key}: expected a non-empty string, got {raw!r}")
    return raw


def expectations_from_mapping(data: Mapping[str, Any], *, path: str) -> Expectations:
    """Validate parsed TOML; every error names the offending key."""
    for key in data:
        if key not in _TOP_KEYS:
            known = ", ".join(sorted(_TOP_KEYS))
            raise ProfileError(f"{key}: unknown key (known: {known})")
    if "target" not in data:
        raise ProfileError("target: missing (the built-in target or profile name)")
    if "protocol" not in data:
        raise ProfileError(f"protocol: missing (one of {', '.join(PROTOCOLS)})")
    target = _text(data["target"], "target")
    protocol = _text(data["protocol"], "protocol")
    if protocol not in PROTOCOLS:
        raise ProfileError(f"protocol: expected one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    version = _text(data["target_version"], "target_version") if "target_version" in data else None
    table = data.get("fail", {})
    if not isinstance(table, dict):
        raise ProfileError(f"fail: expected a table of rule ids, got {table!r}")
    failures = []
    for rule_id, entry in table.items():
        where = f'fail."{rule_id}"'
        if rule_id not in RULES:
            raise ProfileError(f"{where}: unknown rule id (see `sesconf rules`)")
        if not isinstance(entry, dict):
            raise ProfileError(f"{where}: expected a table with `why`, got {entry!r}")
        for key in entry:
            if key not in _ENTRY_KEYS:
                raise ProfileError(f"{where}.{key}: unknown key (known: why)")
        if "why" not in entry:
            raise ProfileError(f"{where}.why: missing (say why the target fails this rule)")
        failures.append(ExpectedFailure(rule_id, _text(entry["why"], f"{where}.why")))
    order = list(RULES)
    failures.sort(key=lambda f: order.index(f.rule_id))
    return Expectations(path, target, protocol, tuple(failures), version)


def load_expectations(path: str | Path) -> Expectations:
    """Read and validate an expectations file; `ProfileError` names the file and the key."""
    where = f"expectations {str(path)!r}"
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise ProfileError(f"{where}: cannot read it ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: not valid TOML ({exc})") from None
    try:
        return expectations_from_mapping(data, path=str(path))
    except ProfileError as exc:
        raise ProfileError(f"{where}: {exc}") from None


def expectations_argument(text: str) -> Expectations:
    """argparse `type=` for `--expectations FILE`: a bad file is a usage error up front."""
    try:
        return load_expectations(text)
    except ProfileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- applying ---------------------------------------------------------------------------


def compare(summary: Mapping[str, Any], expectations: Expectations) -> Comparison:
    outcomes = {rule["id"]: rule["outcome"] for rule in summary["rules"]}
    expected = expectations.rule_ids
    order = list(RULES)

    def ordered(ids: set[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=lambda r: order.index(r) if r in order else len(order)))

    return Comparison(
        unexpected_failures=ordered(
            {r for r, o in outcomes.items() if o in FAILED and r not in expected}
        ),
        unexpected_passes=ordered({r for r in expected if outcomes.get(r) == "pass"}),
        unconfirmed=ordered({r for r in expected if outcomes.get(r) in UNCONFIRMED}),
        not_selected=ordered({r for r in expected if r not in outcomes}),
    )


def apply_expectations(
    summary: dict[str, Any], expectations: Expectations
) -> tuple[ExitCode, list[str]]:
    """Judge a run by its expectations: (exit code, lines to print).

    `summary` is updated in place: an `expectations` entry is added, and `exit_code` /
    `exit_name` become the returned code (`expectations.suite_exit_code` keeps the one
    the run had on its own). The caller rewrites summary.json.
    """
    suite_code = ExitCode(summary["exit_code"])
    name = Path(expectations.path).name
    mismatch = _mismatch(summary.get("target", {}), expectations)
    result: Comparison | None = None
    if mismatch:
        code = ExitCode.USAGE_ERROR
        lines = [f"expectations: {name} is for {', '.join(mismatch)}; not applied"]
    else:
        result = compare(summary, expectations)
        lines = _differences(result, summary, expectations)
        if suite_code not in (ExitCode.OK, ExitCode.RULE_FAILED):
            code = suite_code  # the run itself is not valid: expectations cannot fix that
        else:
            code = ExitCode.OK if result.matched else ExitCode.RULE_FAILED
        compared = len(expectations.failures) - len(result.not_selected)
        if result.matched:
            verdict = f"matched ({compared} expected failure{'s' * (compared != 1)})"
        else:
            verdict = "NOT matched"
        lines.append(f"expectations: {verdict} by {name} (exit {int(code)})")
    summary["expectations"] = _record(expectations, result, suite_code)
    summary["exit_code"] = int(code)
    summary["exit_name"] = code.name
    return code, lines


def _mismatch(target: Mapping[str, Any], expectations: Expectations) -> list[str]:
    """What the file is for that this run is not: `target 'moto' (this run: 'x')`."""
    return [
        f"{key} {want!r} (this run: {got!r})"
        for key, want, got in (
            ("target", expectations.target, target.get("name")),
            ("protocol", expectations.protocol, target.get("protocol")),
        )
        if want != got
    ]


def _differences(
    result: Comparison, summary: Mapping[str, Any], expectations: Expectations
) -> list[str]:
    """One line per rule whose outcome differs from what the file expects."""
    outcomes = {rule["id"]: rule["outcome"] for rule in summary["rules"]}
    lines = [f"unexpected failure: {rule_id}" for rule_id in result.unexpected_failures]
    lines += [
        f"unexpected pass: {rule_id} (expected to fail: {expectations.why(rule_id)})"
        for rule_id in result.unexpected_passes
    ]
    lines += [
        f"unconfirmed: {rule_id} was {outcomes[rule_id]}, "
        f"so its expected failure could not be checked"
        for rule_id in result.unconfirmed
    ]
    lines += [
        f"not selected: {rule_id} (expected to fail; not compared)"
        for rule_id in result.not_selected
    ]
    return lines


def _record(
    expectations: Expectations, result: Comparison | None, suite_code: ExitCode
) -> dict[str, Any]:
    """summary.json's `expectations` entry; the lists are empty when it was not applied."""
    return {
        "file": expectations.path,
        "target": expectations.target,
        "protocol": expectations.protocol,
        "matched": bool(result is not None and result.matched),
        "expected_failures": sorted(expectations.rule_ids, key=list(RULES).index),
        "unexpected_failures": list(result.unexpected_failures) if result else [],
        "unexpected_passes": list(result.unexpected_passes) if result else [],
        "unconfirmed": list(result.unconfirmed) if result else [],
        "not_selected": list(result.not_selected) if result else [],
        "suite_exit_code": int(suite_code),
    }
