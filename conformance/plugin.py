"""The pytest plugin: `pytest conformance --target-profile FILE` runs the suite.

It resolves the target, sets Hypothesis up, selects tests by rule, gives each test a
context, and writes one JSON record per test (`records/<pid>.jsonl`): xdist workers and
the CLI's separate passes all write there, and `report.summary` folds the records into
summary.json.

Installed, it registers through the `pytest11` entry point `sesconf` and stays inert in any
run that passes none of its options (`--target-profile`, `--target-url`, `--sesconf-*`):
it adds its options and nothing else, so an unrelated project's pytest runs unchanged.
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from conformance.checks.registry import rules, use_extensions
from conformance.errors import ProfileError, SesConfError, TargetUnreachable, UsageError
from conformance.exitcodes import ExitCode
from conformance.profile import DEFAULT_MAX_EXAMPLES, resolve_target
from conformance.protocols.base import check_reachable
from conformance.protocols.clients import make_client, provision_identities, rate_from_quota
from conformance.redact import redact_strings
from conformance.report.caps import cap_record
from conformance.report.journal import Journal
from conformance.report.summary import write_reports
from conformance.server.app import start_server
from conformance.suite import support
from conformance.suite.monitors import Monitors, fold_ids
from conformance.suite.records import record_of
from conformance.suite.shards import balanced_by_cost, cost, running_shard, shard_items
from conformance.suite.workers import register_worker


def _exclusive(item: pytest.Item) -> bool:
    """Tests that reset or count shared target state (`@pytest.mark.exclusive`): they run
    alone, after the others, so no parallel test disturbs what they observe."""
    return item.get_closest_marker("exclusive") is not None


_HEALTH = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.function_scoped_fixture,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
]
# No `explain` phase: it replays variations of every minimal failure to say which parts
# matter, which costs dozens of requests per failing rule against a live target.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
settings.register_profile(
    "sesconf-ci",
    phases=_PHASES,
    derandomize=True,
    deadline=None,
    print_blob=True,
    database=None,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "sesconf-random",
    phases=_PHASES,
    deadline=None,
    print_blob=True,
    database=None,
    suppress_health_check=_HEALTH,
)

_RECORDS = pytest.StashKey[dict[str, Any]]()
_ACTIVE = pytest.StashKey[bool]()
NAME = "sesconf"  # the entry point's: pytest registers a module once, under one name


OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--target-profile", {"help": "profile TOML file, or a built-in name (default: reference)"}),
    ("--target-url", {"help": "override the profile's url"}),
    ("--sesconf-protocol", {"help": "override the profile's protocol"}),
    (
        "--sesconf-max-examples",
        {"type": int, "help": "Hypothesis examples per test (default: the profile's, else 60)"},
    ),
    (
        "--sesconf-rules",
        {"action": "append", "default": [], "help": "run only rules matching a glob (repeatable)"},
    ),
    (
        "--sesconf-exclude",
        {"action": "append", "default": [], "help": "skip rules matching a glob (repeatable)"},
    ),
    (
        "--sesconf-phase",
        {
            "choices": ("all", "shared", "exclusive"),
            "default": "all",
            "help": "shared: tests safe to run in parallel; exclusive: the others",
        },
    ),
    ("--sesconf-records", {"help": "folder for per-test records (default: <report dir>/records)"}),
    ("--sesconf-report-dir", {"help": "write summary.json here at the end (plain pytest runs)"}),
    ("--sesconf-strict", {"action": "store_true", "help": "SHOULD rules gate too"}),
    (
        "--sesconf-no-provision",
        {"action": "store_true", "help": "the caller verified the identities already"},
    ),
    (
        "--sesconf-latency-ms",
        {"type": int, "help": "the target's measured round trip, when slow (sesconf run)"},
    ),
    (
        "--sesconf-seed",
        {"type": int, "help": "random generation from this seed (default: derandomized 'ci')"},
    ),
)
"""The plugin's command-line options (a public contract: extended, never renamed)."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Registered by its module name first (`-p conformance.plugin`): the entry point is
    then skipped, not refused for registering this module a second time."""
    if pluginmanager.get_name(sys.modules[__name__]) != NAME:
        pluginmanager.set_blocked(NAME)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sesconf", "SES SendEmail conformance")
    for name, spec in OPTIONS:
        group.addoption(name, **spec)


# --- configuration ----------------------------------------------------------------------


def activate(config: pytest.Config) -> None:
    """Make this run a conformance run whatever its options (the checkout's own runs)."""
    config.stash[_ACTIVE] = True


def active(config: pytest.Config) -> bool:
    """A conformance run: activated, or given any of the plugin's options."""
    if config.stash.get(_ACTIVE, False):
        return True
    given = (config.getoption(name) for name, _ in OPTIONS)
    return any(value not in (None, False, [], "all") for value in given)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not active(config):
        return
    config.stash[_ACTIVE] = True
    config.addinivalue_line("markers", "rule(*ids): the conformance rule(s) a test checks")
    config.addinivalue_line("markers", "exclusive: resets or counts shared target state")
    config.addinivalue_line("markers", "sends(n): about n SendEmail calls per example")
    try:
        use_extensions()  # SESCONF_CHECKS: the CLI's --checks, in this process and workers
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    spec = config.getoption("--target-profile")
    is_file = spec is not None and Path(spec).is_file()
    try:
        profile, embedded = resolve_target(
            profile_file=spec if is_file else None,
            target=None if is_file else spec,
            url=config.getoption("--target-url"),
            protocol=config.getoption("--sesconf-protocol"),
        )
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    max_examples = (
        config.getoption("--sesconf-max-examples") or profile.max_examples or DEFAULT_MAX_EXAMPLES
    )
    seed = config.getoption("--sesconf-seed")
    name = "sesconf-ci" if seed is None else "sesconf-random"
    settings.load_profile(name)
    settings.register_profile(f"{name}-run", settings.get_profile(name), max_examples=max_examples)
    settings.load_profile(f"{name}-run")
    latency_ms = config.getoption("--sesconf-latency-ms")
    folder = records_dir(config)
    if hasattr(config, "workerinput") and folder is not None:
        register_worker(folder)  # the run stops it on a signal; it ends with the run
    support.configure(
        config,
        profile=profile,
        embedded=embedded,
        max_examples=max_examples,
        seed=seed,
        latency_s=latency_ms / 1000 if latency_ms else None,
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    support.unconfigure(config)


def selected_rules(config: pytest.Config) -> tuple[str, ...]:
    """The rules --sesconf-rules/--sesconf-exclude select, as `sesconf run --rules` does."""
    wanted = config.getoption("--sesconf-rules") or ["*"]
    unwanted = config.getoption("--sesconf-exclude")
    return tuple(
        rule_id
        for rule_id in rules()
        if any(fnmatch.fnmatchcase(rule_id, g) for g in wanted)
        and not any(fnmatch.fnmatchcase(rule_id, g) for g in unwanted)
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.stash.get(_ACTIVE, False):
        return
    wanted = config.getoption("--sesconf-rules") or ["*"]
    unwanted = config.getoption("--sesconf-exclude")
    phase = config.getoption("--sesconf-phase")
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        rules = _rules_of(item)
        if not rules:
            keep.append(item)
            continue
        chosen = any(fnmatch.fnmatchcase(r, g) for r in rules for g in wanted) and not any(
            fnmatch.fnmatchcase(r, g) for r in rules for g in unwanted
        )
        exclusive = _exclusive(item)
        in_phase = phase == "all" or (phase == "exclusive") == exclusive
        (keep if chosen and in_phase else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Exclusive tests reset the target's quota: run them after everything else.
    keep.sort(key=_exclusive)
    processes = getattr(config, "workerinput", {}).get("workercount", 1)
    if phase == "shared" and config.getoption("--sesconf-latency-ms") and processes > 1:
        keep = shard_items(keep, processes, cost)  # a slow target: no test bounds the pass
    items[:] = balanced_by_cost(keep, processes) if phase == "shared" else keep


def _rules_of(item: pytest.Item) -> tuple[str, ...]:
    return tuple(r for mark in item.iter_markers("rule") for r in mark.args)


# --- the target session -----------------------------------------------------------------


def _open_session(config: pytest.Config) -> support.TargetSession:
    run = support.state()
    profile = run.settings.profile
    if run.settings.embedded:
        run.server = start_server(profile)
        profile = profile.with_url(run.server.url)
    _check_reachable(profile.url, timeout_s=profile.timeout_s)

    if not config.getoption("--sesconf-no-provision"):
        try:
            provision_identities(profile)
        except SesConfError as exc:
            pytest.exit(
                f"provisioning the profile's identities failed: {exc}",
                returncode=ExitCode.TARGET_UNREACHABLE,
            )
    try:
        profile = rate_from_quota(profile)
    except ProfileError as exc:  # a bad profile, as the CLI's own check says it: exit 2
        pytest.exit(str(exc), returncode=ExitCode.USAGE_ERROR)
    client = make_client(profile)
    folder = records_dir(config)
    journal = Journal(folder) if folder is not None else None
    return support.TargetSession(
        profile=profile,
        client=client,
        max_examples=run.settings.max_examples,
        monitors=Monitors(profile, client, folder=folder, journal=journal),
        journal=journal,
    )


def _check_reachable(url: str, *, timeout_s: float) -> None:
    """Exit 3 at once when nothing listens at the target's address."""
    try:
        check_reachable(url, timeout_s=timeout_s)
    except TargetUnreachable as exc:
        pytest.exit(str(exc), returncode=ExitCode.TARGET_UNREACHABLE)


@pytest.fixture(autouse=True)
def _sesconf_context(request: pytest.FixtureRequest) -> Iterator[support.TestContext | None]:
    """Give every rule-marked test its context (state machines reach it via `current()`)."""
    rules = _rules_of(request.node) if request.config.stash.get(_ACTIVE, False) else ()
    if not rules:
        yield None
        return
    try:
        target = support.session()
    except RuntimeError:
        support.set_session(_open_session(request.config))
        target = support.session()
    ctx = support.TestContext(nodeid=request.node.nodeid, rules=rules, target=target)
    request.node.stash[_RECORDS] = {"ctx": ctx}
    with support.running(ctx):
        yield ctx


@pytest.fixture
def ctx(_sesconf_context: support.TestContext | None) -> support.TestContext:
    """The running test's context: `ctx.check(case)` judges one case."""
    assert _sesconf_context is not None, "ctx is for tests marked with @rule(...)"
    return _sesconf_context


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """A shard of a test runs only its own examples (`suite/shards.py`)."""
    with running_shard(item):
        return (yield)


# --- records ----------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    rules = _rules_of(item) if item.config.stash.get(_ACTIVE, False) else ()
    if not rules:
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        stash = item.stash.get(_RECORDS, {})
        ctx: support.TestContext | None = stash.get("ctx")
        record = record_of(item.nodeid, rules, report, call, ctx)
        _write_record(item.config, record)
    return report


def records_dir(config: pytest.Config) -> Path | None:
    explicit = config.getoption("--sesconf-records")
    if explicit:
        return Path(explicit)
    report_dir = config.getoption("--sesconf-report-dir")
    return Path(report_dir) / "records" if report_dir else None


def _write_record(config: pytest.Config, record: dict[str, Any]) -> None:
    folder = records_dir(config)
    if folder is None:
        return

    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps(redact_strings(cap_record(record)), default=repr)  # issue 12: capped
    with open(folder / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
        out.write(line + "\n")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not config.stash.get(_ACTIVE, False):
        return
    run = support.state()
    target = run.session
    profile = target.profile if target is not None else run.settings.profile
    folder = records_dir(config)
    if target is not None:
        if target.monitors is not None and folder is not None:
            target.monitors.write(folder)
        if target.journal is not None:
            target.journal.memory()
            target.journal.close()
        target.client.close()
        run.session = None
    if run.server is not None:
        run.server.stop()
        run.server = None
    controller = not hasattr(config, "workerinput")
    if controller and folder is not None:
        fold_ids(folder)  # envelope.id-unique over every process of the run so far
    report_dir = config.getoption("--sesconf-report-dir")
    if report_dir and controller:
        write_reports(
            Path(report_dir),
            records_dir=records_dir(config),
            profile=profile,
            strict=config.getoption("--sesconf-strict"),
            max_examples=run.settings.max_examples,
            seed=run.settings.seed,
            selected=selected_rules(config),
        )
