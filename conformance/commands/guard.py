"""The run's guard: SIGTERM, SIGINT and the whole-run deadline stop a run within 2 seconds.

CI systems kill a job a few seconds after they ask it to stop (GitHub Actions: SIGINT,
SIGTERM 7.5 s later, SIGKILL 2.5 s after that; `timeout -k 10`: 10 s). So a stop:
1. ends every call in flight at once (`stop_all_calls`): the next call raises `RunStopped`,
   a KeyboardInterrupt, from our own code, so pytest ends its session as for Ctrl-C (the
   xdist controller, which sends nothing, is interrupted where it is);
2. signals the worker processes, which exit at their next call (`suite.workers`), and
   kills those still there `WORKER_GRACE_S` later; every process has journaled what it
   judged as it went (`report.journal`);
3. writes every report from the records and journals, from a thread of the guard, and
   ends the process (when the main thread got to its reports first, it writes them and
   the thread does nothing). A second signal skips the workers' grace; either way the
   process exits right after the last write.
A stop never raises inside whatever code the signal interrupts in a test process (an
exception raised in the middle of a compile, a weakref callback or a GC callback is lost
or corrupts the interpreter).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from conformance.errors import RunStopped
from conformance.exitcodes import ExitCode
from conformance.protocols.deadlines import clear_stop, stop_all_calls
from conformance.suite.workers import signal_workers

__all__ = ["STOP_WITHIN_S", "RunGuard", "RunInterrupted", "default_run_timeout"]

RunInterrupted = RunStopped
STOP_WITHIN_S = 2.0
"""The guarantee: a stopped run has written its reports and exited within this long."""


def default_run_timeout(*, timeout_s: float, sends: int) -> float:
    """Twice the call deadline for every send the budget allows, and five minutes more.

    A run that is only slow is never cut; a run against a target that hangs is bounded.
    """
    return 300.0 + 2.0 * timeout_s * sends


class RunGuard:
    """`with RunGuard(seconds, finish=...) as guard:`; `guard.reason` says why it stopped.

    `finish(reason)` writes the reports of a stopped run and returns its exit code; the
    guard calls it from its own thread, then ends the process. Only the main thread can
    take signals; elsewhere the guard does nothing.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)
    WORKER_GRACE_S = 0.2
    """How long signalled workers have to exit at their next call before they are killed."""

    def __init__(
        self,
        run_timeout_s: float | None,
        *,
        finish: Callable[[str], ExitCode] | None = None,
    ) -> None:
        self.run_timeout_s = run_timeout_s
        self.finish = finish
        self.reason: str | None = None
        self.records: Path | None = None
        """Where the run's worker processes list themselves (`suite.workers`)."""
        self.unwind_main = False
        """The main thread only waits on workers (xdist's controller): raise there at once."""
        self._writer: threading.Thread | None = None
        self._claim = threading.Lock()
        self._hurry = threading.Event()
        self._old: dict[int, Any] = {}
        self._active = threading.current_thread() is threading.main_thread()
        self._streams = (sys.stdout, sys.stderr)
        self._fds: tuple[int, int] | None = None
        self._entered = time.monotonic()

    @property
    def interrupted(self) -> bool:
        return self.reason is not None

    def _stop(self, reason: str) -> None:
        if self._writer is not None and self._writer is threading.main_thread():
            return  # the reports of the whole run are being written: nothing to stop
        if self.reason is not None:  # a second signal: write now, exit after
            self._hurry.set()
            return
        self.reason = reason
        stop_all_calls(reason)
        if self.records is not None:
            signal_workers(self.records, signal.SIGTERM)
        if self.finish is not None:
            threading.Thread(target=self._finisher, name="stop-writer", daemon=True).start()
        if self.unwind_main:
            raise RunStopped(reason)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop(f"{signal.Signals(signum).name} received")

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        self._stop(f"the run deadline of {self.run_timeout_s:g} s passed (--run-timeout)")

    def set_deadline(self, run_timeout_s: float) -> None:
        """The run deadline, counted from the guard's start, once the run knows it (the
        default follows from the example budget, chosen after the target is measured)."""
        self.run_timeout_s = run_timeout_s
        if self._active and self.reason is None:
            left = run_timeout_s - (time.monotonic() - self._entered)
            signal.setitimer(signal.ITIMER_REAL, max(0.001, left))

    def _take(self) -> bool:
        """Claim the writing of the reports for this thread: True for the first claimer."""
        with self._claim:
            if self._writer is None:
                self._writer = threading.current_thread()
            return self._writer is threading.current_thread()

    def writing(self) -> None:
        """The main thread is about to write the reports. From now on signals do not stop
        the writing; if the guard's thread is writing them already, this waits for it to
        end the process."""
        if self._active:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if not self._take():
            threading.Event().wait()  # the stop-writer exits the process

    def _finisher(self) -> None:
        records = self.records
        waited = 0.0
        while records is not None and waited < self.WORKER_GRACE_S and not self._hurry.is_set():
            if not signal_workers(records, 0):  # every worker has exited
                break
            self._hurry.wait(0.02)
            waited += 0.02
        if not self._take():
            return  # the main thread writes the reports, and exits after
        code: int = ExitCode.INTERNAL_ERROR
        try:
            self._own_streams()
            if records is not None:
                signal_workers(records, signal.SIGKILL)
            assert self.finish is not None
            code = self.finish(self.reason or "stopped")
        except BaseException:  # the process must end even so
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(int(code))

    def _own_streams(self) -> None:
        """The run's own stdout and stderr back, from under pytest's capture."""
        if self._fds is not None:
            os.dup2(self._fds[0], 1)
            os.dup2(self._fds[1], 2)
        sys.stdout, sys.stderr = self._streams

    def __enter__(self) -> RunGuard:
        clear_stop()
        self._entered = time.monotonic()
        if not self._active:
            return self
        self._streams = (sys.stdout, sys.stderr)
        with contextlib.suppress(OSError, ValueError):
            self._fds = (os.dup(1), os.dup(2))
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
        if self._fds is not None:
            for fd in self._fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._fds = None
