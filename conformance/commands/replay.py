"""`sesconf replay REPORT_DIR`: send each failing rule's counterexample again and re-judge it.

    sesconf replay REPORT_DIR [--rule ID]... [--url URL] [--profile FILE | --target NAME]

The point is the fix loop: a developer changes their mock and asks "is it fixed?" without
rerunning the suite. Nothing in the report is trusted but the request itself: the oracle
is evaluated afresh on the counterexample's params and the answer judged as the suite
judges it (`conformance.suite.support.judge` plus each rule's own checks). Params are
re-sent through the profile's client, so signing and the wire form are current.

Exit: 0 every replayed rule is fixed; 1 one still fails (or cannot be replayed);
2 no usable report or an unknown --rule; 3 the target is unreachable or gave no answer.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import fnmatch
import json
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.checks.burst import Burst, burst_from_record
from conformance.checks.evidence import Verdict as JudgedVerdict
from conformance.checks.evidence import describe_outcome
from conformance.checks.readable import described, is_readable
from conformance.checks.registry import use_extensions
from conformance.commands.parser import add_checks_option
from conformance.errors import BurstNotSetUp, MissingCheck, SesConfError, UsageError
from conformance.exitcodes import ExitCode, Outcome
from conformance.model import Exchange, RawRequest, TransportFailure
from conformance.profile import TargetProfile, builtin_profile_names, resolve_target
from conformance.protocols.clients import make_client, provision_identities
from conformance.report.caps import expand_params
from conformance.suite import support
from conformance.suite.bursts import reproduce, skip_reason
from conformance.suite.rejudge import rejudge, rejudge_raw, replayable
from conformance.violations import RuleViolation, TargetBroken

REPLAYED_OUTCOMES = frozenset({Outcome.FAIL, Outcome.NON_STRICT})


@dataclass(frozen=True, slots=True)
class Counterexample:
    """One rule's failure as the report recorded it: only the request is used."""

    rule_id: str
    outcome: str
    params: Mapping[str, Any] | None
    raw: RawRequest | None
    reported_actual: str
    burst: Burst | None = None
    """A burst of concurrent sends (the state rules under concurrency): replayed whole."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the replay found for one rule."""

    rule_id: str
    status: str  # "fixed" | "still failing" | "cannot replay" | "broken"
    detail: str
    expected: str = ""
    actual: str = ""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="re-send a report's counterexamples and say which failures are fixed",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("report_dir", type=Path, metavar="REPORT_DIR", help="a report directory")
    parser.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="ID",
        help="only this rule (repeatable; globs allowed, e.g. 'recipients.*')",
    )
    parser.add_argument("--url", help="send to this URL instead of the report's target URL")
    add_checks_option(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--profile", help="target profile (TOML) instead of the report's target")
    where.add_argument("--target", help="a built-in target instead of the report's target")
    parser.set_defaults(func=run)


# --- reading the report -------------------------------------------------------------------


def load_summary(report_dir: Path) -> dict[str, Any]:
    """summary.json of a `sesconf run` report; UsageError with a clear message otherwise."""
    path = report_dir / "summary.json"
    if not report_dir.is_dir():
        raise UsageError(f"{report_dir} is not a directory (give a report directory)")
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"no summary.json in {report_dir}: is it the --report-dir of a `sesconf run`?"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        summary = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("rules"), list):
        raise UsageError(f"{path} has no 'rules' list: not a sesconf summary")
    return summary


def counterexamples(summary: Mapping[str, Any], wanted: Sequence[str]) -> list[Counterexample]:
    """The failing rules' counterexamples, filtered by --rule (each pattern must match one)."""
    failing = [
        rule
        for rule in summary["rules"]
        if rule.get("outcome") in REPLAYED_OUTCOMES and rule.get("counterexample")
    ]
    if wanted:
        ids = [str(rule.get("id")) for rule in summary["rules"]]
        for pattern in wanted:
            if not any(fnmatch.fnmatchcase(rule_id, pattern) for rule_id in ids):
                raise UsageError(f"--rule {pattern!r} matches no rule of this report")
        failing = [
            rule
            for rule in failing
            if any(fnmatch.fnmatchcase(str(rule.get("id")), p) for p in wanted)
        ]
    return [_counterexample(rule) for rule in failing]


def _counterexample(rule: Mapping[str, Any]) -> Counterexample:
    ce: Mapping[str, Any] = rule["counterexample"]
    raw = None
    if ce.get("raw_body_b64") is not None:
        try:
            body = base64.b64decode(ce["raw_body_b64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise UsageError(f"{rule['id']}: raw_body_b64 is not base64") from None
        headers = (ce.get("request") or {}).get("headers") or {}
        content_type = next(
            (v for k, v in headers.items() if k.lower() == "content-type"), "application/json"
        )
        raw = RawRequest(body, content_type=content_type, label="replayed")
    params = expand_params(ce.get("params"))  # long generated strings are stored compactly
    return Counterexample(
        rule_id=str(rule["id"]),
        outcome=str(rule.get("outcome")),
        params=params if isinstance(params, Mapping) else None,
        raw=raw,
        reported_actual=str(ce.get("actual", "")),
        burst=burst_from_record(ce.get("burst")),
    )


def resolve_profile(summary: Mapping[str, Any], args: argparse.Namespace) -> TargetProfile:
    """--profile/--target, else the report's target (built-in by name, else `reference`
    speaking the report's protocol), at --url or the report's URL."""
    if args.profile or args.target:  # an explicit profile brings its own URL
        profile, _ = resolve_target(profile_file=args.profile, target=args.target, url=args.url)
        return profile
    target = summary.get("target") or {}
    name = str(target.get("name", ""))
    protocol = target.get("protocol")
    # with_protocol (through resolve_target) also moves SESv2's 40 MB limit along
    profile, _ = resolve_target(
        target=name if name in builtin_profile_names() else "reference",
        url=args.url or target.get("url") or None,
        protocol=protocol if isinstance(protocol, str) and protocol else None,
    )
    return profile


# --- judging (conformance/suite/rejudge.py: the run's own judgements) ----------------------


def replay_one(session: support.TargetSession, ce: Counterexample) -> Verdict:
    """Send one counterexample again and judge the answer as the suite would."""
    if ce.burst is not None:
        return replay_burst(session, ce.rule_id, ce.burst)
    try:
        stateless = replayable(ce.rule_id)
    except KeyError as exc:
        return Verdict(ce.rule_id, "cannot replay", str(exc.args[0]))
    if not stateless:
        return Verdict(
            ce.rule_id,
            "cannot replay",
            f"judged over a sequence of sends; rerun `sesconf run --rules {ce.rule_id}`",
        )
    if ce.raw is None and ce.params is None:
        return Verdict(ce.rule_id, "cannot replay", "the report holds no request for this rule")
    ctx = support.TestContext(nodeid=f"replay::{ce.rule_id}", rules=(ce.rule_id,), target=session)
    try:
        if ce.raw is not None:
            exchange, found = rejudge_raw(ctx, ce.raw)
        else:
            assert ce.params is not None
            exchange, found = rejudge(ctx, ce.params)
    except MissingCheck as exc:
        return Verdict(ce.rule_id, "cannot replay", str(exc))
    except RuleViolation as violation:  # a registered test body raises its own verdict
        shown = violation.counterexample
        expected, actual = str(shown.get("expected", "")), str(shown.get("actual", ""))
        return Verdict(ce.rule_id, "still failing", violation.summary, expected, actual)
    except TargetBroken as broken:
        return Verdict(ce.rule_id, "broken", f"no usable answer: {broken.detail}")
    except SesConfError as exc:  # a test hook or the send budget, not the rule
        return Verdict(ce.rule_id, "broken", f"{type(exc).__name__}: {exc}")
    return _verdict_of(ce.rule_id, exchange, found)


def replay_burst(session: support.TargetSession, rule_id: str, burst: Burst) -> Verdict:
    """A burst's outcome is not deterministic: re-send it several times, each from a fresh
    state, and say how many broke the rule ("reproduced k of n")."""
    ctx = support.TestContext(nodeid=f"replay::{rule_id}", rules=(rule_id,), target=session)
    why = skip_reason(ctx, burst)
    if why is not None:
        return Verdict(rule_id, "cannot replay", why)
    try:
        found = reproduce(ctx, burst)
    except BurstNotSetUp as exc:
        return Verdict(rule_id, "cannot replay", str(exc))
    except TargetBroken as broken:
        return Verdict(rule_id, "broken", f"no usable answer: {broken.detail}")
    except SesConfError as exc:  # a test hook or the send budget, not the rule
        return Verdict(rule_id, "broken", f"{type(exc).__name__}: {exc}")
    counted = f"reproduced {found.k} of {found.times} ({burst.described()})"
    if found.first is None:
        return Verdict(rule_id, "fixed", counted)
    actual = describe_outcome(found.first.exchange)
    detail = f"{counted}: {found.first.summary}"
    return Verdict(rule_id, "still failing", detail, found.first.expected, actual)


def _verdict_of(rule_id: str, exchange: Exchange, found: JudgedVerdict | None) -> Verdict:
    """The run's verdict (or none) as replay's word: FIXED, STILL FAILING or NO ANSWER.

    No verdict on an answer the rule cannot read (a 500 page, a redirect) is no fix: the
    run would have found the rule `broken` on it (issue 17)."""
    if found is None and not is_readable(rule_id, exchange):
        return Verdict(rule_id, "broken", f"no readable answer: {described(exchange)}")
    if found is None:
        return Verdict(rule_id, "fixed", describe_outcome(exchange))
    outcome = found.exchange.outcome
    if found.broken and isinstance(outcome, TransportFailure):
        return Verdict(rule_id, "broken", f"no usable answer: {outcome.kind}: {outcome.detail}")
    actual = describe_outcome(found.exchange)
    return Verdict(rule_id, "still failing", found.summary, found.expected, actual)


# --- the command --------------------------------------------------------------------------


def _reachable(url: str, *, timeout_s: float) -> str | None:
    """None when something listens at the URL's address, else why not."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout_s):
            return None
    except OSError as exc:
        return str(exc.strerror or exc)


_WORDS = {
    "fixed": "FIXED",
    "still failing": "STILL FAILING",
    "cannot replay": "CANNOT REPLAY",
    "broken": "NO ANSWER",
}


def exit_code_for(verdicts: Sequence[Verdict]) -> ExitCode:
    statuses = {v.status for v in verdicts}
    if statuses & {"still failing", "cannot replay"}:
        return ExitCode.RULE_FAILED
    if "broken" in statuses:
        return ExitCode.TARGET_UNREACHABLE
    return ExitCode.OK


def run(args: argparse.Namespace) -> ExitCode:
    try:
        use_extensions(args.checks)  # the report's registered rules, judged by their checks
        summary = load_summary(args.report_dir)
        chosen = counterexamples(summary, args.rule)
        profile = resolve_profile(summary, args)
    except UsageError as exc:  # ProfileError too: --profile/--target name the culprit
        print(f"sesconf replay: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    if not chosen:
        which = f" among {', '.join(args.rule)}" if args.rule else ""
        print(f"sesconf replay: no rule failed{which} in {args.report_dir}: nothing to replay")
        return ExitCode.OK
    print(
        f"sesconf replay: {len(chosen)} rule(s) from {args.report_dir} against "
        f"{profile.name} ({profile.protocol}) at {profile.url}",
        flush=True,
    )
    why = _reachable(profile.url, timeout_s=profile.timeout_s)
    if why is not None:
        print(
            f"sesconf replay: target unreachable: {profile.url} ({why}); "
            "give the running target's address with --url",
            file=sys.stderr,
        )
        return ExitCode.TARGET_UNREACHABLE

    try:
        provision_identities(profile)  # as `sesconf run` does (identities.provision)
    except SesConfError as exc:
        print(
            f"sesconf replay: provisioning the profile's identities failed: {exc}", file=sys.stderr
        )
        return ExitCode.TARGET_UNREACHABLE
    client = make_client(profile)
    try:
        session = support.TargetSession(profile=profile, client=client, max_examples=1)
        verdicts = []
        width = max(len(ce.rule_id) for ce in chosen)
        for ce in chosen:
            verdict = replay_one(session, ce)
            verdicts.append(verdict)
            print(f"{_WORDS[verdict.status]:<13}  {ce.rule_id:<{width}}  {verdict.detail}")
            if verdict.status == "still failing" and verdict.actual not in verdict.detail:
                print(f"{'':<13}  {'':<{width}}  expected: {verdict.expected}")
                print(f"{'':<13}  {'':<{width}}  actual:   {verdict.actual}")
            sys.stdout.flush()
    finally:
        client.close()
    code = exit_code_for(verdicts)
    fixed = sum(v.status == "fixed" for v in verdicts)
    print(f"sesconf replay: {fixed} of {len(verdicts)} fixed (exit {int(code)} {code.name})")
    return code
