"""How many test processes `sesconf run` uses: `--concurrency auto|N` (alias `-n`).

A test sends one request per example and waits for the answer before drawing the next,
so against a target that answers in 400 ms a serial run spends nearly all its time
waiting. Independent tests can wait side by side in separate processes (pytest-xdist);
tests marked `exclusive` (they reset or count the target's state) still run alone,
afterwards. `auto` measures the target's round trip first and uses one process for a
fast target (more processes would only add start-up time on a busy machine) and up to
`MAX_AUTO` for a slow one: enough that the cores stay busy while the others wait.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from typing import NamedTuple

from conformance.checks.registry import rules
from conformance.errors import ProbeFailed, SesConfError
from conformance.model import SendEmailRequest, TransportFailure
from conformance.profile import TargetProfile
from conformance.protocols.clients import make_client, rate_from_quota

AUTO = "auto"
MAX_AUTO = 12
"""The most processes `auto` starts: each one imports Hypothesis and collects the suite
(about 1.5 s of CPU) and holds about 100 MB. A default run has 16 independent tests;
with as many processes as its long tests the longest single test, not the waiting,
bounds the run (10 processes for a 400 ms target on 2 cores)."""
LATENCY_FLOOR_S = 0.05
"""Below this round trip a run is bound by its own CPU: one process."""
CPU_PER_EXAMPLE_S = 0.1
"""What one example costs the suite's own CPU (generation, oracle, checks: 20-50 ms),
with its share of a worker's start-up: about 0.1 s."""
PROBES = 3
STARVED_S = 0.25
"""On a machine busier than twice its cores, how much of a round trip may be this CPU's
starvation rather than the target's waiting: `auto` then keeps to the cores for each
STARVED_S of it (2 processes a core for a 500 ms target, all MAX_AUTO for a 2 s one)."""


def concurrency_argument(text: str) -> str | int:
    """argparse type of `--concurrency`: `auto` or a whole number >= 1."""
    if text == AUTO:
        return AUTO
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a whole number >= 1, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a whole number >= 1, got {text!r}")
    return value


def probe_latency(profile: TargetProfile, *, probes: int = PROBES) -> float:
    """The fastest round trip of `probes` SendEmail calls with no members at all.

    Every target refuses such a request (it names no sender, no recipient, no message),
    so nothing is delivered; the calls still count against `safety.max_sends` and wait
    for `safety.rate_per_s`, like every SendEmail call of the run.
    """
    client = make_client(profile)
    times: list[float] = []
    try:
        for _ in range(probes):
            exchange = client.send(SendEmailRequest({}))
            if isinstance(exchange.outcome, TransportFailure) or exchange.response is None:
                # A target that hangs or drops the line is not slow but broken: the run's
                # breaker says so sooner in one process than in many.
                detail = getattr(exchange.outcome, "detail", "no answer")
                raise ProbeFailed(f"the probe got no usable answer ({detail})")
            times.append(exchange.response.elapsed_s)
    finally:
        client.close()
    return min(times)  # the target's floor: a slower probe waited for this machine's CPU


def independent_tests(selected: Sequence[str]) -> int:
    """How many tests the selected rules name: more processes than that stay idle."""
    return len({test for rule_id in selected for test in rules()[rule_id].tests})


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def choose(
    latency_s: float,
    *,
    cores: int,
    tests: int,
    rate_per_s: float | None = None,
    load: float = 0.0,
) -> int:
    """Processes for a target answering in `latency_s`: 1 when the suite's own CPU is the
    bottleneck, else enough to keep `cores` busy while the others wait, no more than
    `tests`, `MAX_AUTO`, or what `rate_per_s` lets send at once. On a machine already
    busier than twice its cores (`load`, the 1-minute load average) no more than `cores`
    for each STARVED_S of the round trip: there a slow answer may be CPU starvation as
    much as waiting, and more processes only starve each other (and a local target)
    further; a round trip of seconds is the target's."""
    if latency_s < LATENCY_FLOOR_S:
        return 1
    wanted = math.ceil(cores * (latency_s + CPU_PER_EXAMPLE_S) / CPU_PER_EXAMPLE_S)
    if rate_per_s:  # Little's law: in flight = rate x time per call
        wanted = min(wanted, math.ceil(rate_per_s * (latency_s + CPU_PER_EXAMPLE_S)))
    if load > 2 * cores:  # waiting beyond STARVED_S a call is the target's, not this CPU's
        wanted = min(wanted, cores * max(1, math.floor(latency_s / STARVED_S)))
    return max(1, min(wanted, MAX_AUTO, tests))


def load_average() -> float:
    """The 1-minute load average; 0 where the platform has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


class Choice(NamedTuple):
    """What `resolve` chose, and the round trip it measured (None: not measured)."""

    processes: int
    why: str
    latency_s: float | None = None

    @property
    def slow(self) -> bool:
        """A target whose waiting the run overlaps (and whose exclusive tests it budgets)."""
        return self.latency_s is not None and self.latency_s >= LATENCY_FLOOR_S


def resolve(requested: str | int, profile: TargetProfile, *, selected: Sequence[str]) -> Choice:
    """(processes, why, latency) for `--concurrency`; `auto` probes the target first."""
    if requested != AUTO:
        return Choice(int(requested), f"--concurrency {requested}")
    try:
        profile = rate_from_quota(profile)  # the probes (and the choice) keep its rate
        latency = probe_latency(profile)
    except SesConfError as exc:  # e.g. a max_sends too small for the probes
        return Choice(1, f"auto: no probe ({exc}); one process")
    load = load_average()
    n = choose(
        latency,
        cores=cores(),
        tests=independent_tests(selected),
        rate_per_s=profile.send_rate,
        load=load,
    )
    why = f"auto: the target answers in {latency * 1000:.0f} ms (fastest of {PROBES})"
    return Choice(n, why + (f"; load average {load:.0f}" if load > 2 * cores() else ""), latency)
