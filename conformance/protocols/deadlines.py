"""Call deadlines and stopping the run: what can end a call that the target holds open.

Every call has one deadline (`call_deadline`); one watchdog thread shuts a call's socket
down when its deadline passes, which wakes whatever the call is blocked in. Stopping the
run (`stop_all_calls`, from a signal handler or the run guard) expires every deadline at
once: a call cut short by the stop raises `RunStopped`, an answer read whole before it is
returned (the next call raises). `transport.py` hands each call's socket to its deadline.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

from conformance.errors import RunStopped

__all__ = [
    "Watch",
    "call_deadline",
    "clear_stop",
    "current_watch",
    "on_stop",
    "raise_if_stopped",
    "stop_all_calls",
    "stop_reason",
]


# --- stopping the run -------------------------------------------------------------------


_stopped: list[str] = []  # the first reason, once stopped (a list: no lock in a handler)
_active: set[Watch] = set()
_actions: list[Callable[[str], None]] = []


def stop_all_calls(reason: str) -> None:
    """Stop the run: calls in flight end now, later calls raise `RunStopped`.

    Safe in a signal handler: the sockets are shut down from a helper thread, since the
    interrupted thread may hold a lock they need.
    """
    if not _stopped:
        _stopped.append(reason)
    threading.Thread(target=_expire_all, name="stop-calls", daemon=True).start()


def _expire_all() -> None:
    for _ in range(3):  # the set may change while it is copied
        try:
            watches = tuple(_active)
            break
        except RuntimeError:
            continue
    else:
        return
    for watch in watches:
        watch.stopped = True
        watch.expire()


def stop_reason() -> str | None:
    """Why the run was stopped, or None while it runs."""
    return _stopped[0] if _stopped else None


def clear_stop() -> None:
    """A new run in the same process (tests): calls are allowed again."""
    _stopped.clear()


def on_stop(action: Callable[[str], None] | None) -> None:
    """Run `action(reason)` instead of raising at the first call after the stop (a test
    worker exits there: what it had judged is in its journal); None: raise again."""
    _actions.clear()
    if action is not None:
        _actions.append(action)


def raise_if_stopped() -> None:
    if _stopped:
        for action in tuple(_actions):
            action(_stopped[0])
        raise RunStopped(_stopped[0])


# --- deadlines ------------------------------------------------------------------------


class Watch:
    """One call's deadline: when it passes, the call's socket is shut down.

    Shutting the socket down wakes whatever the call is blocked in (connecting, sending,
    reading the status line, the headers or the body), so a target that trickles any part
    of its answer a byte at a time cannot hold a call past its deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = threading.Event()
        self.stopped = False
        """Expired by stopping the run, not by its own deadline."""
        self.done = False
        """The answer was read whole: a stop after that does not lose it."""
        self.cancelled = False
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None

    def start(self) -> None:
        _WATCHDOG.arm(self, time.monotonic() + self.seconds)

    def cancel(self) -> None:
        self.cancelled = True  # the watchdog drops it when its time comes

    def attach(self, sock: socket.socket | None) -> None:
        """The socket the call now uses (a fresh one, or a kept-alive one)."""
        with self._lock:
            self._sock = sock
            if self.expired.is_set():
                _shutdown(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired.set()
            _shutdown(self._sock)


class _Watchdog:
    """One thread for every call's deadline (a thread per call cost a thread start each).

    Deadlines wait in a heap; a cancelled one stays there until its time and is dropped.
    The thread starts on first use and again in a forked child, which has no threads.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Watch]] = []
        self._wake = threading.Condition()
        self._serial = 0
        self._pid = 0

    def arm(self, watch: Watch, at: float) -> None:
        with self._wake:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._due.clear()
                threading.Thread(target=self._run, name="call-deadlines", daemon=True).start()
            self._serial += 1
            heapq.heappush(self._due, (at, self._serial, watch))
            if self._due[0][2] is watch:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, watch = heapq.heappop(self._due)
            if not watch.cancelled:
                watch.expire()


_WATCHDOG = _Watchdog()


def _shutdown(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_CALL = threading.local()
"""`_CALL.watch`: the deadline of the call this thread is making, if any."""


def current_watch() -> Watch | None:
    """The deadline of the call this thread is making, if any."""
    return getattr(_CALL, "watch", None)


@contextlib.contextmanager
def call_deadline(seconds: float) -> Iterator[Watch]:
    """The deadline of the call made inside the block, on this thread; raises `RunStopped`
    on the way out when the stop cut the call short (that is not the target's doing)."""
    watch = Watch(seconds)
    _CALL.watch = watch
    _active.add(watch)
    watch.start()
    try:
        yield watch
    finally:
        watch.cancel()
        _CALL.watch = None
        _active.discard(watch)
        if watch.stopped and not watch.done:
            raise_if_stopped()
