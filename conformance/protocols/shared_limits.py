"""`safety.max_sends` and `safety.rate_per_s` for a whole run, across processes.

`sesconf run` may run tests in several processes (xdist workers, then a serial pass). A
per-process `SendBudget` would let each process send `max_sends`, and a per-process
`RateLimiter` would multiply the rate by the number of processes. So the CLI names a
folder in `SESCONF_LIMITS_DIR`; every client made while it is set shares two small files
there, each read and written under an exclusive `flock`:

- `sends`: how many SendEmail calls the run has made so far (an integer);
- `next-slot`: the `time.monotonic()` instant the next call may start (a float). Linux's
  and macOS's monotonic clock is system-wide, so processes on one machine agree on it.

Without the variable (or without `fcntl`, on Windows) clients keep their per-process
limits, and the CLI keeps a capped or rate-limited run in one process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conformance.errors import SendBudgetExhausted
from conformance.protocols.limits import RateLimiter, SendBudget

try:
    import fcntl
except ImportError:  # Windows: no flock; the CLI then runs capped runs in one process
    fcntl = None  # type: ignore[assignment]

ENV = "SESCONF_LIMITS_DIR"
"""The folder whose files hold the run's shared send count and rate slot."""

SENDS_FILE = "sends"
SLOT_FILE = "next-slot"


def supported() -> bool:
    """Whether processes can share limits here (they need `fcntl.flock`)."""
    return fcntl is not None


def limits_dir() -> Path | None:
    """The shared-limits folder of this run, or None when limits are per process."""
    folder = os.environ.get(ENV)
    return Path(folder) if folder and supported() else None


def prepare(folder: Path) -> None:
    """Start a run's shared limits afresh: no sends made, no slot reserved."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (SENDS_FILE, SLOT_FILE):
        (folder / name).write_text("", encoding="ascii")


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    """An open descriptor of `path`, held under an exclusive lock for the block."""
    assert fcntl is not None, "shared limits need fcntl"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 64).decode("ascii", "replace").strip()


def _write(fd: int, text: str) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, text.encode("ascii"))


class SharedSendBudget(SendBudget):
    """`SendBudget` whose count lives in `<folder>/sends`, shared by every process."""

    def __init__(self, max_sends: int | None, folder: Path) -> None:
        super().__init__(max_sends)
        self.path = folder / SENDS_FILE

    @property
    def used(self) -> int:
        """Sends made by every process of the run so far."""
        with _locked(self.path) as fd:
            return _count(_read(fd), self.path)

    def take(self) -> None:
        """Count one send for the whole run; raise instead of going over the cap."""
        with self._lock, _locked(self.path) as fd:
            used = _count(_read(fd), self.path)
            if self.max_sends is not None and used >= self.max_sends:
                raise SendBudgetExhausted(
                    f"safety.max_sends: the budget of {self.max_sends} sends is used up "
                    "(all processes of the run together); raise it in the profile or select "
                    "fewer rules"
                )
            _write(fd, str(used + 1))
            self._used += 1  # this process's share, for its own diagnostics


def _count(text: str, path: Path) -> int:
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{path}: expected a send count, got {text[:20]!r}") from None


class SharedRateLimiter(RateLimiter):
    """`RateLimiter` whose next free slot lives in `<folder>/next-slot`: at most
    `rate_per_s` calls a second for the whole run, however many processes send."""

    def __init__(self, rate_per_s: float | None, folder: Path) -> None:
        super().__init__(rate_per_s)
        self.path = folder / SLOT_FILE

    def wait(self) -> None:
        """Reserve the run's next slot under the file lock, then sleep outside it."""
        if not self.interval:
            return
        with self._lock, _locked(self.path) as fd:
            text = _read(fd)
            now = time.monotonic()
            try:
                planned = float(text) if text else now
            except ValueError:
                raise ValueError(f"{self.path}: expected a time, got {text[:20]!r}") from None
            slot = max(now, planned)
            _write(fd, repr(slot + self.interval))
        while (delay := slot - time.monotonic()) > 0:
            time.sleep(delay)


def budget_for(max_sends: int | None) -> SendBudget:
    """The run's shared budget when the CLI set one up, else a per-process one."""
    folder = limits_dir() if max_sends is not None else None
    return SharedSendBudget(max_sends, folder) if folder else SendBudget(max_sends)


def limiter_for(rate_per_s: float | None) -> RateLimiter:
    """The run's shared rate limiter when the CLI set one up, else a per-process one."""
    folder = limits_dir() if rate_per_s else None
    return SharedRateLimiter(rate_per_s, folder) if folder else RateLimiter(rate_per_s)
