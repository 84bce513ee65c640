"""The run's guard: SIGTERM, SIGINT and the whole-run deadline stop a run cleanly.

A stop never raises inside whatever code the signal happens to interrupt (an exception
raised in the middle of a compile, a weakref callback or a GC callback is lost or corrupts
the interpreter). It stops the transport instead: the call in flight ends at once and the
next call raises `RunStopped`, a KeyboardInterrupt, from our own code, so pytest ends its
session as it does for Ctrl-C. Only when the run has not stopped after a grace period
(no call was made: a long computation, or xdist workers that did not get the signal) is
`RunStopped` raised from the handler itself, every second until the reports are written.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

from conformance.errors import RunStopped
from conformance.protocols.deadlines import clear_stop, stop_all_calls

__all__ = ["RunGuard", "RunInterrupted", "default_run_timeout"]

RunInterrupted = RunStopped


def default_run_timeout(*, timeout_s: float, sends: int) -> float:
    """Twice the call deadline for every send the budget allows, and five minutes more.

    A run that is only slow is never cut; a run against a target that hangs is bounded.
    """
    return 300.0 + 2.0 * timeout_s * sends


class RunGuard:
    """`with RunGuard(seconds, grace_s=...) as guard:`; `guard.reason` says why it stopped.

    Only the main thread can take signals; elsewhere the guard does nothing.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)
    REPEAT_S = 1.0
    """How often the stop is raised from the handler once the grace period is over."""

    def __init__(self, run_timeout_s: float | None, *, grace_s: float = 10.0) -> None:
        self.run_timeout_s = run_timeout_s
        self.grace_s = grace_s
        self.reason: str | None = None
        self._quiet = False
        self._old: dict[int, Any] = {}
        self._active = threading.current_thread() is threading.main_thread()

    @property
    def interrupted(self) -> bool:
        return self.reason is not None

    def _stop(self, reason: str) -> None:
        if self._quiet:
            self.reason = self.reason or reason
            return
        if self.reason is None:  # first: stop the calls, and give the run its grace
            self.reason = reason
            stop_all_calls(reason)
            signal.setitimer(signal.ITIMER_REAL, self.grace_s, self.REPEAT_S)
            return
        raise RunStopped(self.reason)  # the grace is over: raise where we are

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop(f"{signal.Signals(signum).name} received")

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        self._stop(f"the run deadline of {self.run_timeout_s:g} s passed (--run-timeout)")

    def quiet(self) -> None:
        """From now on signals are only noted: the reports are being written."""
        self._quiet = True
        if self._active:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def __enter__(self) -> RunGuard:
        clear_stop()
        if not self._active:
            return self
        for signum in self.SIGNALS:
            self._old[signum] = signal.signal(signum, self._on_signal)
        self._old[signal.SIGALRM] = signal.signal(signal.SIGALRM, self._on_alarm)
        if self.run_timeout_s is not None:
            signal.setitimer(signal.ITIMER_REAL, self.run_timeout_s)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._active:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in self._old.items():
            signal.signal(signum, handler)
