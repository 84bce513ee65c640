"""The reference server's planted races: what a target that is correct one request at a
time does wrong under concurrent sends (rules.md, "State under concurrency").

Each is a switch of a planted fault (faults.py); the faithful engine never calls into one.
Their sleeps are short (tens of ms): long enough that a burst of concurrent sends lands
inside the window, short enough that a whole run against the fault stays quick.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

RACE_SLEEP_S = 0.05
"""The window each planted race leaves open between its read and its write."""
FLIGHT_RACE = "partial-delivery-in-flight"
"""The switch `flight` counts sends under (the engine tests every switch inline)."""


def pause_unlocked(lock: threading.Lock) -> None:
    """Let go of the engine's lock for a while (the quota race: checked, then counted in a
    second step), taking it again before the caller goes on."""
    lock.release()
    try:
        time.sleep(RACE_SLEEP_S)
    finally:
        lock.acquire()


class Races:
    """The state the planted races keep beside the engine's own."""

    def __init__(self) -> None:
        self._counter = 0
        self._flying = 0
        self._flying_lock = threading.Lock()

    def next_id(self, lock: threading.Lock) -> str:
        """An id from a counter read, then written after a pause, with no lock held: two
        sends inside the pause get the same id (the engine's lock is let go meanwhile)."""
        lock.release()
        try:
            seen = self._counter
            time.sleep(RACE_SLEEP_S)
            self._counter = seen + 1
        finally:
            lock.acquire()
        return f"counter-{seen:08d}"

    @contextmanager
    def flight(self, on: frozenset[str], params: Any) -> Iterator[frozenset[str]]:
        """Count the sends in flight (the partial-delivery race), each kept in flight a
        moment before and after its checks so that concurrent sends overlap; yields the
        switches the request then gets: `partial-delivery` while another send is in
        flight. Nothing at all without the switch, nor for a request with no Destination
        (`--concurrency auto`'s probes: the fault must not make the target look slow)."""
        addressed = isinstance(params, Mapping) and params.get("Destination")
        if FLIGHT_RACE not in on or not addressed:
            yield frozenset()
            return
        with self._flying_lock:
            self._flying += 1
        try:
            time.sleep(RACE_SLEEP_S / 2)
            with self._flying_lock:
                others = self._flying > 1
            yield frozenset({"partial-delivery"}) if others else frozenset()
            time.sleep(RACE_SLEEP_S / 2)
        finally:
            with self._flying_lock:
                self._flying -= 1
