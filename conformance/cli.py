"""`sesconf`: run the suite, serve the reference, list the rules.

    sesconf run [--profile FILE | --target NAME] [--url URL] [--rules GLOB]... [--exclude GLOB]...
                [--strict] [--max-examples N] [--seed N] [--concurrency auto|N]
                [--run-timeout SECONDS] [--report-dir DIR]
    sesconf serve [--host 127.0.0.1] [--port 8025] [--profile FILE] [--latency-ms MS]
                  [--max-send-rate R]
    sesconf rules
    sesconf schema                      (summary.json's JSON Schema)

Exit codes are `conformance.exitcodes.ExitCode`.
"""

from __future__ import annotations

import argparse
import fnmatch
import shutil
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.checks.registry import rules, use_extensions
from conformance.commands.budget import choose_budget, run_deadline
from conformance.commands.concurrency import resolve
from conformance.commands.guard import RunGuard
from conformance.commands.outcome import RunEnd
from conformance.commands.parser import build_parser
from conformance.commands.passes import run_pytest, shared_limits_in
from conformance.errors import (
    ProfileError,
    RunStopped,
    SesConfError,
    TargetUnreachable,
    UsageError,
)
from conformance.exitcodes import ExitCode
from conformance.profile import (
    DEFAULT_MAX_EXAMPLES,
    TargetProfile,
    load_builtin_profile,
    load_profile,
    resolve_target,
    with_rate_enforced,
)
from conformance.protocols import shared_limits
from conformance.protocols.base import check_reachable
from conformance.protocols.clients import provision_identities, rate_from_quota
from conformance.protocols.signing import EMULATOR_CREDENTIALS, profile_credentials
from conformance.redact import RedactingStream, register_secrets
from conformance.report.summary import schema_text
from conformance.rules import NOT_COVERED
from conformance.server.app import serve_forever, start_server

SUITE_DIR = Path(__file__).parent / "suite"


# --- run --------------------------------------------------------------------------------


def select_rules(include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    wanted = include or ["*"]
    return [
        rule_id
        for rule_id in rules()
        if any(fnmatch.fnmatchcase(rule_id, g) for g in wanted)
        and not any(fnmatch.fnmatchcase(rule_id, g) for g in exclude)
    ]


def cmd_run(args: argparse.Namespace) -> ExitCode:
    started = time.time()
    profile, embedded = resolve_target(
        profile_file=args.profile, target=args.target, url=args.url, protocol=args.protocol
    )
    use_extensions(args.checks)  # registered before the selection reads the registry
    selected = select_rules(args.rules, args.exclude)
    if not selected:
        print("sesconf: no rule matches --rules/--exclude (see `sesconf rules`)", file=sys.stderr)
        return ExitCode.NO_RULES_SELECTED
    _register_secrets(profile)
    max_examples = args.max_examples or profile.max_examples or DEFAULT_MAX_EXAMPLES
    end = RunEnd(args, profile, tuple(selected), max_examples, started)
    base = profile.max_examples or DEFAULT_MAX_EXAMPLES
    end.budget = choose_budget(base=base, pinned=args.max_examples, latency_s=None).as_dict()
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)
    try:
        run_timeout = _run_timeout(args, profile)
        if run_timeout is None:  # until the target is measured: every call may hang
            run_timeout = run_deadline(
                budget=max_examples, selected=selected, profile=profile, latency_s=None, processes=1
            )
        with RunGuard(run_timeout, finish=lambda reason: end.report([], reason)) as guard:
            try:
                return _run(args, end, embedded, guard)
            except RunStopped:  # stopped before pytest ran, or in xdist's controller
                guard.writing()
                return end.report([], guard.reason)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


def _run_timeout(args: argparse.Namespace, profile: TargetProfile) -> float | None:
    """--run-timeout, else the profile's run_timeout_s; None: derived from the budget."""
    if args.run_timeout is not None:
        return float(args.run_timeout)
    return profile.run_timeout_s


def _register_secrets(profile: TargetProfile) -> None:
    """Every credential this run holds is masked in everything it writes or prints."""
    register_secrets(profile.secrets)
    if profile.protocol in ("ses-query", "sesv2"):
        try:
            credentials = profile_credentials(profile)
        except SesConfError:
            return  # the client will say so, naming the missing key
        if credentials != EMULATOR_CREDENTIALS:
            register_secrets((credentials.access_key_id, *credentials.secrets()))


def _run(args: argparse.Namespace, end: RunEnd, embedded: bool, guard: RunGuard) -> ExitCode:
    spec = str(Path(args.profile).resolve()) if args.profile else (args.target or "reference")
    report_dir: Path = args.report_dir
    records = report_dir / "records"
    shutil.rmtree(records, ignore_errors=True)
    end.files().write_pending()
    guard.records = records
    server = None
    if embedded:
        server = start_server(end.profile)
        end.profile = end.profile.with_url(server.url)
    profile = end.profile
    try:
        try:
            check_reachable(profile.url, timeout_s=profile.timeout_s)
            profile = _provision(profile)
        except TargetUnreachable as exc:
            guard.writing()
            return end.stopped_before_tests(str(exc))
        except UsageError as exc:  # the profile wrong for this target
            guard.writing()
            why = f"profile error: {exc}" if isinstance(exc, ProfileError) else str(exc)
            return end.stopped_before_tests(why, ExitCode.USAGE_ERROR)
        with shared_limits_in(report_dir / "limits"):  # probes and every pass share them
            workers, latency_s, slow = _workers(args, profile, end.selected)
            _choose_budget(args, end, guard, latency_s=latency_s, workers=workers)
            base = _pytest_args(
                args,
                spec=spec,
                url=profile.url,
                protocol=args.protocol,
                selected=end.selected,
                records=records,
                max_examples=end.max_examples,
            )
            if slow and latency_s is not None:  # exclusive tests fit their sends to it
                base += ["--sesconf-latency-ms", str(round(latency_s * 1000))]
            returncodes = run_pytest(
                base, workers=workers, report_dir=report_dir, quiet=args.quiet, guard=guard
            )
    finally:
        if server is not None:
            server.stop()
    guard.writing()
    return end.report(returncodes, guard.reason)


def _workers(
    args: argparse.Namespace, profile: TargetProfile, selected: Sequence[str]
) -> tuple[int, float | None, bool]:
    """The processes of this run (`--concurrency`), the target's round trip when `auto`
    measured it, and whether that makes it slow; see `commands/concurrency.py`."""
    safety = profile.safety
    limited = safety.max_sends is not None or profile.send_rate or safety.rate_from_quota
    if limited and not shared_limits.supported():
        if args.workers != 1:
            print(
                "sesconf: safety limits are set and this platform has no file locks to "
                "share them: running in one process so they hold for the whole run",
                file=sys.stderr,
            )
        return 1, None, False
    choice = resolve(args.workers, profile, selected=selected)
    if choice.processes > 1 and not args.quiet:
        print(
            f"sesconf: {choice.processes} processes for the independent tests ({choice.why})",
            flush=True,
        )
    return choice.processes, choice.latency_s, choice.slow


def _choose_budget(
    args: argparse.Namespace,
    end: RunEnd,
    guard: RunGuard,
    *,
    latency_s: float | None,
    workers: int,
) -> None:
    """The example budget for the measured round trip (`commands/budget.py`), and the
    default run deadline that follows from it."""
    base = end.profile.max_examples or DEFAULT_MAX_EXAMPLES
    budget = choose_budget(base=base, pinned=args.max_examples, latency_s=latency_s)
    end.max_examples = budget.max_examples
    chosen = end.budget = budget.as_dict()
    if budget.scaled and not args.quiet:
        print(f"sesconf: {budget.max_examples} examples a test ({budget.why})", flush=True)
    deadline = _run_timeout(args, end.profile)
    if deadline is None:
        deadline = run_deadline(
            budget=budget.max_examples,
            selected=end.selected,
            profile=end.profile,
            latency_s=latency_s,
            processes=workers,
        )
        guard.set_deadline(deadline)
    chosen["run_timeout_s"] = round(deadline)


def _provision(profile: TargetProfile) -> TargetProfile:
    """Verify the profile's identities on emulators; a target that refuses is exit 3. Then
    read the rate `safety.rate_from_quota` asks for, before any test: a protocol with no
    quota read-back is the profile's error (exit 2), a garbled answer exit 3. Returns the
    profile paced at that rate, so the latency probes do not read it again."""
    try:
        provision_identities(profile)
    except UsageError:
        raise
    except SesConfError as exc:
        raise TargetUnreachable(f"provisioning the profile's identities failed: {exc}") from None
    try:
        return rate_from_quota(profile)
    except UsageError:
        raise
    except SesConfError as exc:
        why = f"reading the account's send rate (safety.rate_from_quota) failed: {exc}"
        raise TargetUnreachable(why) from None


def _pytest_args(
    args: argparse.Namespace,
    *,
    spec: str,
    url: str,
    protocol: str | None,
    selected: Sequence[str],
    records: Path,
    max_examples: int,
) -> list[str]:
    out = [
        str(SUITE_DIR),
        "-p",
        "conformance.plugin",
        "-p",
        "no:cacheprovider",
        # Its clean-up runs gc.collect() five times over Hypothesis's heap at the end of
        # every pass (about 0.4 s); the suite's verdicts come from its own records.
        "-p",
        "no:unraisableexception",
        "-q",
        "--no-header",
        "-W",
        "default",  # the repository's pytest config makes warnings errors for its own tests
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "--tb=no",
        "-o",
        "console_output_style=classic",
        "--rootdir",
        str(SUITE_DIR.parent.parent),
        "--target-profile",
        spec,
        "--target-url",
        url,
        "--sesconf-records",
        str(records),
        "--sesconf-no-provision",
        "--sesconf-max-examples",
        str(max_examples),
    ]
    for rule_id in selected:
        out += ["--sesconf-rules", rule_id]
    if protocol:
        out += ["--sesconf-protocol", protocol]
    if args.strict:
        out.append("--sesconf-strict")
    if args.seed is not None:
        out += ["--sesconf-seed", str(args.seed), f"--hypothesis-seed={args.seed}"]
    return out


# --- serve, rules -----------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> ExitCode:
    profile = load_profile(args.profile) if args.profile else load_builtin_profile("reference")
    if args.max_send_rate is not None:
        profile = with_rate_enforced(profile, args.max_send_rate, "--max-send-rate")
    print(
        f"sesconf reference server on http://{args.host}:{args.port}/ "
        f"(envelope at any path, SES Query at POST /, SESv2 under /v2/; "
        f"POST /_reset, GET /_outbox). Signatures are not checked.",
        flush=True,
    )
    if not 0 <= args.latency_ms <= 60_000:
        raise UsageError(f"--latency-ms: expected 0-60000, got {args.latency_ms}")
    serve_forever(profile, host=args.host, port=args.port, latency_s=args.latency_ms / 1000)
    return ExitCode.OK


def cmd_rules(args: argparse.Namespace) -> ExitCode:
    use_extensions(getattr(args, "checks", None))
    listed = rules()
    width = max(len(r) for r in listed)
    for rule in listed.values():
        print(f"{rule.id:<{width}}  {rule.level:<6}  {rule.quote}")
        for test in rule.tests:
            print(f"{'':<{width}}  {'':<6}  test: conformance/suite/{test}")
    print("\nNot covered (no rule judges these):")
    for item in NOT_COVERED:
        print(f"  {item.what}: {item.why}")
    return ExitCode.OK


def cmd_schema(_: argparse.Namespace) -> ExitCode:
    """summary.json's JSON Schema, for whoever validates reports outside Python."""
    sys.stdout.write(schema_text())
    return ExitCode.OK


COMMANDS: dict[str, Any] = {
    "run": cmd_run,
    "serve": cmd_serve,
    "rules": cmd_rules,
    "schema": cmd_schema,
}


def main(argv: Sequence[str] | None = None) -> int:
    """The console script; errors are translated to exit codes here and only here."""
    try:
        args = build_parser().parse_args(argv)
        command = COMMANDS.get(args.command) or args.func
        return int(command(args))
    except ProfileError as exc:
        print(f"sesconf: profile error: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except UsageError as exc:
        print(f"sesconf: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except TargetUnreachable as exc:
        print(f"sesconf: {exc}", file=sys.stderr)
        return ExitCode.TARGET_UNREACHABLE
    except KeyboardInterrupt:
        print("sesconf: interrupted", file=sys.stderr)
        return ExitCode.INTERNAL_ERROR
    except SystemExit as exc:  # argparse --help/--version
        return int(exc.code or 0)
    except Exception as exc:  # a bug in the suite: say so, with the traceback
        traceback.print_exc()
        print(
            f"sesconf: internal error: {type(exc).__name__}: {exc} (please report it)",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL_ERROR


def run(argv: Sequence[str] = ()) -> int:
    """`sesconf run ARGV...` from Python: the same run, reports and exit code."""
    return main(["run", *argv])


if __name__ == "__main__":
    sys.exit(main())
