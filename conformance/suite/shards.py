"""Long tests cut into shards, so that against a slow target no one test bounds the run.

A test runs its examples one after another. Its explicit examples (every boundary, every
declared class: over 100 for `recipients.valid`) run whatever the budget, so against a
target answering in 2 s one such test waits minutes while the other processes of the
parallel pass have long finished. In the parallel pass against a target `sesconf run`
measured slow, a test dearer than its share of the pass becomes shards: the first runs
the generated examples and some explicit ones, each other shard only explicit ones
(Hypothesis's explicit phase alone). Every explicit example still runs exactly once, so
every class is still reached, and the verdicts are the test's: the reports fold the
shards back into it (`report/testnames.py`). A fast target's run is never sharded.

The parallel pass's order (`balanced_by_cost`) spreads the tests' cost over the processes
as pytest-xdist's worksteal deals them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import pytest
from hypothesis import Phase, settings

from conformance.report.testnames import shard_name

__all__ = [
    "MIN_SHARD_COST",
    "Shard",
    "balanced_by_cost",
    "cost",
    "cut",
    "running_shard",
    "shard_items",
    "worksteal_runs",
]

MIN_SHARD_COST = 10
"""No shard is cut smaller than this many sends: each one is a test of its own to start."""
_SHARD = pytest.StashKey["Shard"]()


class Shard(NamedTuple):
    """Which explicit examples one shard runs, and whether it runs the generated ones."""

    explicit: tuple[Any, ...]
    generated: bool


def cut(explicit: Sequence[Any], generated: int, sends: int, cap: int) -> list[Shard]:
    """The shards of a test with `explicit` examples and `generated` ones, each costing
    `sends`: as few as keep each under about `cap` sends. The first runs the generated
    examples and the explicit ones left once the others have their even share."""
    cost = (len(explicit) + generated) * sends
    count = min(math.ceil(cost / max(cap, MIN_SHARD_COST)), len(explicit) + 1)
    if count <= 1:
        return [Shard(tuple(explicit), True)]
    per_shard = cost / count / sends
    first = max(0, min(len(explicit), round(per_shard - generated)))
    if first == len(explicit):  # nothing left for the others
        return [Shard(tuple(explicit), True)]
    rest = list(explicit[first:])
    others = min(count - 1, len(rest))
    shards = [Shard(tuple(explicit[:first]), True)]
    shards += [Shard(tuple(rest[i::others]), False) for i in range(others)]
    return shards


def cost(item: pytest.Item) -> int:
    """About how many SendEmail calls a test makes: its explicit examples plus its share
    of the example budget, times `@pytest.mark.sends(n)` for tests that send n per example."""
    test = getattr(item, "obj", None)
    explicit = len(getattr(test, "hypothesis_explicit_examples", ()) or ())
    chosen = getattr(test, "_hypothesis_internal_use_settings", None)
    generated = getattr(chosen, "max_examples", 0)
    marker = item.get_closest_marker("sends")
    return (explicit + generated) * (marker.args[0] if marker else 1)


def _parts(item: pytest.Item) -> tuple[list[Any], int, int] | None:
    """(explicit examples, generated budget, sends per example) of a Hypothesis test."""
    test = getattr(item, "obj", None)
    chosen = getattr(test, "_hypothesis_internal_use_settings", None)
    explicit = list(getattr(test, "hypothesis_explicit_examples", ()) or ())
    if not isinstance(item, pytest.Function) or chosen is None or not explicit:
        return None
    marker = item.get_closest_marker("sends")
    return explicit, int(chosen.max_examples), int(marker.args[0]) if marker else 1


def shard_items(
    items: list[pytest.Item], processes: int, cost_of: Callable[[pytest.Item], int]
) -> list[pytest.Item]:
    """`items` with each test dearer than its share of the pass (`cost_of` summed over
    the items, over `processes`) replaced by its shards."""
    total = sum(cost_of(item) for item in items)
    cap = max(math.ceil(total / max(1, processes)), MIN_SHARD_COST)
    out: list[pytest.Item] = []
    for item in items:
        parts = _parts(item) if cost_of(item) > cap else None
        shards = cut(*parts, cap) if parts is not None else []
        if len(shards) <= 1:
            out.append(item)
            continue
        assert isinstance(item, pytest.Function)
        for index, shard in enumerate(shards, 1):
            # the name alone, so the node id carries the shard (pytest 9.2 builds a node id
            # from `originalname` and parameters, which would give every shard the test's)
            copy = pytest.Function.from_parent(
                item.parent,
                name=shard_name(item.originalname, index, len(shards)),
                callobj=item.obj,
            )
            copy.originalname = item.originalname
            copy.stash[_SHARD] = shard
            out.append(copy)
    return out


@contextmanager
def running_shard(item: pytest.Item) -> Iterator[None]:
    """While a shard runs, its test runs only that shard's examples (the test function is
    shared by its shards; a process runs one test at a time)."""
    shard = item.stash.get(_SHARD, None)
    test = getattr(item, "obj", None)
    if shard is None or test is None:
        yield
        return
    before = test.hypothesis_explicit_examples, test._hypothesis_internal_use_settings
    test.hypothesis_explicit_examples = list(shard.explicit)
    if not shard.generated:
        test._hypothesis_internal_use_settings = settings(before[1], phases=(Phase.explicit,))
    try:
        yield
    finally:
        test.hypothesis_explicit_examples, test._hypothesis_internal_use_settings = before


def balanced_by_cost(items: list[pytest.Item], processes: int) -> list[pytest.Item]:
    """The tests in the order that spreads their cost evenly over `processes`.

    pytest-xdist's worksteal hands the idle processes runs of consecutive tests, of the
    sizes `worksteal_runs` computes; it steals only from processes with more than two queued. So
    the order is cut into those runs and the tests dealt dearest first, each to the run
    with the least cost so far that has room (LPT): against a slow target the parallel
    pass then ends with its longest test, not with two long ones back to back.
    """
    room = worksteal_runs(len(items), processes)
    runs: list[list[pytest.Item]] = [[] for _ in room]
    load = [0] * len(runs)
    for dear, item in sorted(((cost(item), item) for item in items), key=lambda c: -c[0]):
        open_runs = [i for i in range(len(runs)) if len(runs[i]) < room[i]]
        best = min(open_runs, key=lambda i: load[i])
        runs[best].append(item)
        load[best] += dear
    return [item for run in runs for item in run]


def worksteal_runs(tests: int, processes: int) -> list[int]:
    """The run sizes worksteal deals `tests` pending tests to `processes` idle ones."""
    sizes = []
    for i in range(max(1, processes)):
        size = tests // (max(1, processes) - i)
        sizes.append(size)
        tests -= size
    return sizes
