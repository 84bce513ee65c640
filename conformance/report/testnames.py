"""The names of a test's shards: against a slow target the parallel pass may cut a long
test's explicit examples into shards run by several processes (`suite/shards.py`); the
reports fold them back into the one test they are."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

__all__ = ["finished_tests", "shard_name", "whole_test"]

_SHARD = re.compile(r"\[shard-([0-9]+)-of-([0-9]+)\]$")


def shard_name(name: str, index: int, count: int) -> str:
    """The pytest name of shard `index` (1-based) of `count` of test `name`."""
    if not 1 <= index <= count:
        raise ValueError(f"shard index: expected 1-{count}, got {index}")
    return f"{name}[shard-{index}-of-{count}]"


def whole_test(nodeid: str) -> str:
    """The test a node id belongs to: itself, or the test it is a shard of."""
    return _SHARD.sub("", nodeid)


def finished_tests(nodeids: Iterable[str]) -> set[str]:
    """The tests (node ids without parameters) that finished whole: a sharded test only
    when every one of its shards did."""
    whole: set[str] = set()
    shards: dict[str, set[int]] = defaultdict(set)
    counts: dict[str, int] = {}
    for nodeid in nodeids:
        found = _SHARD.search(nodeid)
        base = whole_test(nodeid).split("[", 1)[0]
        if found is None:
            whole.add(base)
            continue
        shards[base].add(int(found.group(1)))
        counts[base] = int(found.group(2))
    return whole | {base for base, seen in shards.items() if len(seen) >= counts[base]}
