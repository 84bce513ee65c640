"""One mutant, judged: a mutated copy serves, the pristine suite runs against it.

The copy holds `conformance` (one module mutated by cosmic-ray) and the strategies as
`sesconf_strategies`; its server runs as `python -m conformance serve` with the copy as
its only PYTHONPATH and working directory. `sesconf run --strict` runs from this checkout
(the oracle is never mutated), one protocol after another, and stops at the first
non-zero exit: killed. A quick tier (few examples) goes first; only its survivors get the
default run. Every step is bounded in time; the server is stopped by its PID and the copy
removed, whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.mutation.catalog import REPO, Mutant, mutated_source
from tools.mutation.records import ERROR, KILLED, SURVIVED, Result
from tools.mutation.scope import SERVED_WITH, TESTING_EXCEPTION

PROTOCOLS = ("envelope", "ses-query", "sesv2")
START_TIMEOUT_S = 30.0
KILLING_EXITS = (1, 3, 6)
"""RULE_FAILED, TARGET_UNREACHABLE (a rule broken: hangs, resets), and INTERRUPTED: the
suite's own `--run-timeout` stopped a run the mutant made endless (a server that throttles
every send), as the tier's timeout would have (a Ctrl-C of this run raises `Stopped`
first). Other exits (usage, no rules, the suite's internal error) are the harness's
problem: recorded as `error`."""


STOPPING = threading.Event()
"""Set by `stop_everything`: no new step starts."""
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()


class Stopped(Exception):
    """The run is being stopped (SIGTERM, Ctrl-C): this mutant is left unjudged."""


def stop_everything() -> None:
    """Stop every server and suite run this process started, by PID; start no more."""
    STOPPING.set()
    with _LIVE_LOCK:
        live = list(_LIVE)
    for process in live:
        stop(process)


def _spawn(argv: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    if STOPPING.is_set():
        raise Stopped
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    with _LIVE_LOCK:
        _LIVE.add(process)
    return process  # type: ignore[no-any-return]


def _reap(process: subprocess.Popen[bytes]) -> None:
    stop(process)
    with _LIVE_LOCK:
        _LIVE.discard(process)


@dataclass(frozen=True, slots=True)
class Tier:
    """One pass over the protocols: `max_examples` None is the suite's default."""

    name: str
    max_examples: int | None
    timeout_s: float


QUICK = Tier("quick", 3, 300.0)
DEFAULT = Tier("default", None, 600.0)
TIERS = (QUICK, DEFAULT)
Served = tuple[tuple[str, ...], str]
"""`sesconf serve`'s extra arguments, and the profile (TOML) the suite then runs with."""


def judge(mutant: Mutant, tiers: Sequence[Tier] = TIERS) -> Result:
    """Run one mutant through the tiers; the first killing run decides."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sesconf-mutant-") as tmp:
        root = Path(tmp)
        make_copy(root, mutant)
        for tier in tiers:
            verdict = _tier(root, tier, SERVED_WITH.get(mutant.module))
            if verdict is not None:
                outcome, protocol, rules, detail = verdict
                seconds = round(time.monotonic() - started, 1)
                return Result(
                    outcome, mutant.module, mutant.diff(), protocol, rules, tier.name, seconds,
                    detail,
                )  # fmt: skip
    seconds = round(time.monotonic() - started, 1)
    return Result(SURVIVED, mutant.module, mutant.diff(), None, (), tiers[-1].name, seconds)


def make_copy(root: Path, mutant: Mutant | None) -> None:
    """The package and the strategies under `root`, `mutant` applied (None: pristine)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "conformance", root / "conformance", ignore=ignore)
    shutil.copytree(REPO / "strategies", root / "sesconf_strategies", ignore=ignore)
    if mutant is None:
        return
    code = mutated_source(REPO, mutant)
    if not _text_from(code, mutant.line).startswith(mutant.after):
        raise ValueError(f"cosmic-ray's mutation is not the key's: {mutant.key}")
    if TESTING_EXCEPTION in code:  # ExceptionReplacer's name, never raised
        code += f'\n\nclass {TESTING_EXCEPTION}(Exception):\n    """Never raised."""\n'
    (root / mutant.module).write_text(code, "utf-8")


def _text_from(code: str, line: int) -> str:
    """The code from `line` on, each line stripped, joined as a key joins them."""
    return " ".join(text.strip() for text in code.splitlines()[line - 1 : line + 20])


def _tier(
    root: Path, tier: Tier, served: Served | None = None
) -> tuple[str, str | None, tuple[str, ...], str] | None:
    """(outcome, protocol, rules, detail) when this tier decides, None when it survives."""
    with serving(root, served) as server:
        if server is None:
            return KILLED, None, (), "server did not start"
        port, process = server
        for protocol in PROTOCOLS:
            report = root / f"report-{tier.name}-{protocol}"
            code = suite_run(port, protocol, tier, report, served)
            if process.poll() is not None:
                return KILLED, protocol, failed_rules(report), "server crashed"
            if code is None:
                return KILLED, protocol, failed_rules(report), "timeout"
            if code in KILLING_EXITS:
                return KILLED, protocol, failed_rules(report), f"exit {code}"
            if code != 0:
                return ERROR, protocol, failed_rules(report), f"exit {code}"
    return None


def suite_run(
    port: int, protocol: str, tier: Tier, report: Path, served: Served | None = None
) -> int | None:
    """The pristine `sesconf run --strict` against the server; its exit (None: timeout)."""
    target = ["--target", "reference"]
    if served is not None:  # the profile of what the server was started with
        profile = report.parent / f"{report.name}.toml"
        profile.write_text(served[1], "utf-8")
        target = ["--profile", str(profile)]
    argv = [
        sys.executable, "-m", "conformance", "run", *target,
        "--url", f"http://127.0.0.1:{port}/", "--protocol", protocol, "--strict",
        "-n", "1", "--quiet", "--report-dir", str(report),
        "--run-timeout", str(int(tier.timeout_s - 60)),
        *(["--max-examples", str(tier.max_examples)] if tier.max_examples else []),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.DEVNULL
    process = _spawn(argv, cwd=REPO, env=env, stdout=out, stderr=out)
    try:
        code = process.wait(timeout=tier.timeout_s)
    except subprocess.TimeoutExpired:
        return None
    finally:
        _reap(process)
    if STOPPING.is_set():
        raise Stopped
    return code


def failed_rules(report: Path) -> tuple[str, ...]:
    """The rules of summary.json that did not pass (fail, broken, non-strict)."""
    try:
        summary = json.loads((report / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        return ()
    bad = ("fail", "broken", "non-strict")
    return tuple(sorted(r["id"] for r in summary.get("rules", []) if r.get("outcome") in bad))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    root: Path, served: Served | None = None
) -> Iterator[tuple[int, subprocess.Popen[bytes]] | None]:
    """`python -m conformance serve` from the copy on a free port (with `served`'s
    arguments); None when it never answers. Stopped by its PID on the way out."""
    port = free_port()
    log = (root / "server.log").open("wb")
    options = served[0] if served is not None else ()
    try:
        process = _spawn(
            [sys.executable, "-m", "conformance", "serve", "--port", str(port), *options],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    except BaseException:
        log.close()
        raise
    try:
        yield (port, process) if _answers(port, process) else None
    finally:
        _reap(process)
        log.close()


def _answers(port: int, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate by PID, then kill if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
