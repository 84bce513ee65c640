"""A test worker's part in stopping a run: it stops at once, and never outlives the run.

Each pytest-xdist worker of `sesconf run` writes its pid to `<records>/pids/` when it
starts; on SIGTERM, SIGINT or its deadline the run signals every listed worker (and every
child process, where /proc lists them: a worker still starting). A worker
then ends its call in flight and exits at its next call, where everything it judged is
already in its journal (`report.journal`); `EXIT_AFTER_S` after the signal it exits
wherever it is. A worker whose controller died (killed with SIGKILL) exits as well, so
no orphan goes on sending to the target.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType

from conformance.exitcodes import ExitCode
from conformance.protocols.deadlines import on_stop, stop_all_calls

__all__ = ["EXIT_AFTER_S", "PIDS", "register_worker", "signal_workers"]

PIDS = "pids"
"""The folder of `<records>` where each worker leaves a file named by its pid."""
EXIT_AFTER_S = 0.3
"""How long a signalled worker may take to reach its next call before it just exits."""
PARENT_POLL_S = 0.2
_signalled = threading.Event()


def _exit(reason: str = "") -> None:
    os._exit(ExitCode.INTERRUPTED)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    reason = f"{signal.Signals(signum).name} received"
    if _signalled.is_set():  # a second signal: now
        _exit(reason)
    _signalled.set()
    on_stop(_exit)  # the next call exits: the answers read so far are journaled
    stop_all_calls(reason)
    timer = threading.Timer(EXIT_AFTER_S, _exit, args=(reason,))
    timer.daemon = True
    timer.start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:  # the controller is gone: so is the run
            _exit("the run's controller stopped")


def register_worker(records: Path) -> None:
    """In a worker: be listed, stop on a signal, and end with the controller."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)
    watcher = threading.Thread(
        target=_watch_parent, args=(os.getppid(),), name="parent-watch", daemon=True
    )
    watcher.start()
    folder = records / PIDS
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / str(os.getpid())).touch()


def signal_workers(records: Path, signum: int) -> list[int]:
    """Send `signum` to every worker of this process (listed in `records`, or a child not
    listed yet: still starting, it has sent nothing); the pids signalled."""
    try:
        listed = {int(name) for name in os.listdir(records / PIDS) if name.isdigit()}
    except OSError:
        listed = set()
    signalled = []
    for pid in sorted(listed | _children()):
        if not _is_my_child(pid):
            continue
        with contextlib.suppress(OSError):
            os.kill(pid, signum)
            signalled.append(pid)
    return signalled


def _children() -> set[int]:
    """This process's children, where /proc tells (the xdist workers are all of them)."""
    mine = str(os.getpid()).encode()
    found = set()
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    if stat.read().rsplit(b")", 1)[1].split()[1] == mine:
                        found.add(int(name))
            except (OSError, IndexError):
                continue
    return found


def _is_my_child(pid: int) -> bool:
    """Whether `pid` is still a child of this process (never signal a reused pid)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return not Path("/proc/self").exists() and _alive(pid)
    return int(fields[1]) == os.getpid() and fields[0] != b"Z"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
