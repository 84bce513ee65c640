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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.errors import SesConfError, UsageError
from conformance.exitcodes import ExitCode
from conformance.model import (
    Accepted,
    Exchange,
    RawRequest,
    Reject,
    Rejected,
    SendEmailRequest,
    TransportFailure,
)
from conformance.profile import TargetProfile
from conformance.report.caps import expand_params
from conformance.suite import support
from conformance.violations import RuleViolation, TargetBroken

REPLAYED_OUTCOMES = frozenset({"fail", "non-strict"})
STATEFUL_RULES = frozenset({"quota.recipients"})
"""Rules judged over a sequence of sends: one request says nothing without the state."""
CREATED_AT_TOLERANCE = timedelta(minutes=5)
"""As the suite's test_created_at_is_now."""


@dataclass(frozen=True, slots=True)
class Counterexample:
    """One rule's failure as the report recorded it: only the request is used."""

    rule_id: str
    outcome: str
    params: Mapping[str, Any] | None
    raw: RawRequest | None
    reported_actual: str


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
    )


def resolve_profile(summary: Mapping[str, Any], args: argparse.Namespace) -> TargetProfile:
    """--profile/--target, else the report's target (built-in by name, else `reference`
    speaking the report's protocol), at --url or the report's URL."""
    from conformance.profile import builtin_profile_names, resolve_target

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


# --- judging ------------------------------------------------------------------------------


def _check(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    return ctx.check(SendEmailRequest(params))


def _envelope_findings(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    """envelope.success/error: the judgement, then the protocol's findings for the rule."""
    exchange = _check(ctx, params)
    problems = exchange.problems.get(ctx.rule, ())
    if problems:
        ctx.fail(
            ctx.rule,
            problems[0],
            exchange,
            expected=f"a well-formed {ctx.rule} answer",
            params=params,
            problems=tuple(problems),
        )
    return exchange


def _http_status(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    exchange = _check(ctx, params)
    problems = exchange.problems.get(ctx.rule, ())
    if problems and isinstance(exchange.outcome, Accepted | Rejected):
        ctx.fail(
            ctx.rule,
            problems[0],
            exchange,
            expected="2xx for success, 4xx for the error envelope",
            params=params,
            problems=tuple(problems),
        )
    return exchange


def _id_unique(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    """The same request twice: two acceptances must carry two ids."""
    first = _check(ctx, params)
    second = _check(ctx, params)
    a, b = first.outcome, second.outcome
    if isinstance(a, Accepted) and isinstance(b, Accepted) and a.id and a.id == b.id:
        ctx.fail(
            ctx.rule,
            f"the same request sent twice got the same id {a.id!r}",
            second,
            expected="a new id",
            params=params,
        )
    return second


def _created_at(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    from conformance.protocols.envelope import parse_timestamp

    exchange = _check(ctx, params)
    outcome = exchange.outcome
    if not isinstance(outcome, Accepted) or ctx.profile.protocol != "envelope":
        return exchange
    now = datetime.now(UTC)
    stamp = parse_timestamp(outcome.created_at) if outcome.created_at else None
    if stamp is None or abs(now - stamp) > CREATED_AT_TOLERANCE:
        ctx.fail(
            ctx.rule,
            f"created_at {outcome.created_at!r} is not within 5 minutes of {now.isoformat()}",
            exchange,
            expected="created_at close to now",
            params=params,
        )
    return exchange


def _robust(ctx: support.TestContext, exchange: Exchange, expected: str, **where: Any) -> None:
    """As test_robust: a dropped connection or a 5xx fails; a hang makes the rule broken."""
    outcome = exchange.outcome
    if isinstance(outcome, TransportFailure) and outcome.kind == "connection":
        ctx.fail(
            ctx.rule,
            f"the connection was dropped: {outcome.detail}",
            exchange,
            expected=expected,
            **where,
        )
    problems = exchange.problems.get(ctx.rule, ())
    if problems:
        ctx.fail(
            ctx.rule, problems[0], exchange, expected=expected, problems=tuple(problems), **where
        )


def _no_5xx_params(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    from conformance.model import describe_expectation
    from conformance.oracle import expect

    expectation = expect(ctx.target_params(params), ctx.profile)
    exchange = ctx.send(SendEmailRequest(params))
    _robust(ctx, exchange, describe_expectation(expectation), params=params)
    support.judge(ctx, ctx.rule, expectation, exchange, params=params)
    return exchange


def _no_5xx_raw(ctx: support.TestContext, raw: RawRequest) -> Exchange:
    expected = "the error envelope (4xx)"
    exchange = ctx.send(raw)
    _robust(ctx, exchange, expected, raw=raw)
    if isinstance(exchange.outcome, TransportFailure):
        ctx.broken(exchange, expected=expected)
    if not isinstance(exchange.outcome, Rejected):
        ctx.fail(
            ctx.rule,
            f"a malformed body must be rejected; got {support.describe_outcome(exchange)}",
            exchange,
            expected=expected,
            raw=raw,
        )
    return exchange


def _error_codes(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    from conformance.oracle import expect

    exchange = _check(ctx, params)
    expectation = expect(ctx.target_params(params), ctx.profile)
    problems_of = getattr(ctx.target.client, "error_code_problems", None)
    if (
        problems_of is not None
        and isinstance(expectation, Reject)
        and isinstance(exchange.outcome, Rejected)
    ):
        problems = problems_of(expectation.rules, exchange.outcome)
        if problems:
            ctx.fail(
                ctx.rule,
                problems[0],
                exchange,
                expected=f"real SES codes for {sorted(expectation.rules)}",
                params=params,
                problems=tuple(problems),
            )
    return exchange


def _atomic(ctx: support.TestContext, params: Mapping[str, Any]) -> Exchange:
    """recipients.valid: judged, and a rejected message must leave the outbox as it was."""
    client = ctx.target.client
    before = client.outbox()
    exchange = _check(ctx, params)
    after = client.outbox()
    if (
        isinstance(exchange.outcome, Rejected)
        and before is not None
        and after is not None
        and len(after) != len(before)
    ):
        ctx.fail(
            ctx.rule,
            "a rejected message still reached the outbox",
            exchange,
            expected="reject and nothing delivered",
            params=params,
        )
    return exchange


_BY_RULE: Mapping[str, Callable[[support.TestContext, Mapping[str, Any]], Exchange]] = {
    "envelope.success": _envelope_findings,
    "envelope.error": _envelope_findings,
    "envelope.id-unique": _id_unique,
    "envelope.created-at": _created_at,
    "http.status": _http_status,
    "robust.no-5xx": _no_5xx_params,
    "ses.error-codes": _error_codes,
    "recipients.valid": _atomic,
}
"""Rules with checks beyond the oracle's accept/reject; the others are `ctx.check` alone."""


def replay_one(session: support.TargetSession, ce: Counterexample) -> Verdict:
    """Send one counterexample again and judge the answer as the suite would."""
    if ce.rule_id in STATEFUL_RULES:
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
            exchange = _no_5xx_raw(ctx, ce.raw)
        else:
            assert ce.params is not None
            exchange = _BY_RULE.get(ce.rule_id, _check)(ctx, ce.params)
    except RuleViolation as violation:
        found = violation.counterexample
        return Verdict(
            ce.rule_id,
            "still failing",
            violation.summary,
            expected=str(found.get("expected", "")),
            actual=str(found.get("actual", "")),
        )
    except TargetBroken as broken:
        return Verdict(ce.rule_id, "broken", f"no usable answer: {broken.detail}")
    except SesConfError as exc:  # a test hook or the send budget, not the rule
        return Verdict(ce.rule_id, "broken", f"{type(exc).__name__}: {exc}")
    return Verdict(ce.rule_id, "fixed", support.describe_outcome(exchange))


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

    from conformance.protocols.base import make_client

    client = make_client(profile)
    try:
        prepare = getattr(client, "prepare", None)
        if prepare is not None:
            prepare()  # emulators: provision the identities the profile relies on
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
