"""Headless Chromium for the report tests: the rendered DOM, console messages, screenshots.

Plain subprocess calls (`--dump-dom`, `--screenshot`) rather than a DevTools client: nothing
to install but Debian's `chromium`, and console messages still arrive through
`--enable-logging=stderr` as `...:CONSOLE:...] "message", source: file://... (line)`.
A missing browser fails the test (`.ci/install-chromium` installs it): a report test that
silently skips is a report nobody ever opened.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)


@dataclass(frozen=True, slots=True)
class PageRun:
    """What one headless load produced."""

    dom: str
    console: tuple[str, ...]
    """Console messages (errors, uncaught exceptions, logs) of the page."""


def chromium() -> str:
    """The browser's path; fails the test with the fix when there is none."""
    for candidate in _CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail(
        "headless Chromium not found (looked for "
        + ", ".join(_CANDIDATES)
        + "); install it with `.ci/install-chromium` (Debian: apt-get install -y chromium)",
        pytrace=False,
    )


def _run(page_url: str, extra: tuple[str, ...], *, timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="sesconf-chromium-") as profile:
        command = [chromium(), *_FLAGS, f"--user-data-dir={profile}", *extra, page_url]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"chromium did not finish within {timeout}s: {command}", pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"chromium exited {done.returncode}: {done.stderr[-2000:]}", pytrace=False)
    return done


def _console(stderr: str) -> tuple[str, ...]:
    return tuple(line for line in stderr.splitlines() if ":CONSOLE" in line)


def load(page: Path, *, query: str = "", timeout: float = 120) -> PageRun:
    """Open `page` (with `?query` when given) and return the DOM after its scripts ran."""
    url = page.resolve().as_uri() + (f"?{query}" if query else "")
    done = _run(url, ("--dump-dom",), timeout=timeout)
    return PageRun(dom=done.stdout, console=_console(done.stderr))


def screenshot(
    page: Path, png: Path, *, size: tuple[int, int] = (1400, 2000), timeout: float = 120
) -> PageRun:
    """Save a PNG of `page` at `size`; the console messages of that load come back too."""
    png.parent.mkdir(parents=True, exist_ok=True)
    extra = (f"--screenshot={png.resolve()}", f"--window-size={size[0]},{size[1]}")
    done = _run(page.resolve().as_uri(), extra, timeout=timeout)
    return PageRun(dom="", console=_console(done.stderr))
