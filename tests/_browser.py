"""Headless Chromium for the report tests: the rendered DOM, console messages, screenshots.

Plain subprocess calls (`--dump-dom`, `--screenshot`) rather than a DevTools client: nothing
to install but Debian's `chromium`, and console messages still arrive through
`--enable-logging=stderr` as `...:CONSOLE:...] "message", source: file://... (line)`.
A missing browser fails the test (`.ci/install-chromium` installs it): a report test that
silently skips is a report nobody ever opened.

`load_offline` opens a report folder as a reader would, with the network taken away and
watched: the folder is served on 127.0.0.1, and every request the browser makes, to that
server or anywhere else, goes through a recording proxy (`--proxy-bypass-list=<-loopback>`
sends even loopback through it) that forwards only to the report server and refuses the
rest. Host names resolve to nothing outside the proxy, so no request can leave unrecorded.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import socketserver
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
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
    "--disable-domain-reliability",
    "--dns-prefetch-disable",
    "--no-pings",
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


# --- a report opened with the network watched -------------------------------------------


@dataclass(frozen=True, slots=True)
class OfflineRun:
    """One load of a served report folder, with every request the browser attempted."""

    dom: str
    console: tuple[str, ...]
    base: str
    """http://127.0.0.1:PORT/: the report folder, served."""
    requests: tuple[str, ...]
    """Every request, in order: `GET http://...` or `CONNECT host:port`."""

    @property
    def outside(self) -> list[str]:
        """Requests for anything but a file of the report folder (Chromium's own excepted)."""
        return [
            r
            for r in self.requests
            if not r.split(" ", 1)[1].startswith(self.base) and _key(r) not in BROWSER_OWN
        ]


BROWSER_OWN = frozenset(
    {"CONNECT update.googleapis.com:443", "POST http://update.googleapis.com/service/update2/json"}
)
"""What Chromium itself asks for at start, whatever the page, and no flag turns off: its
component updater. test_report_private checks a blank page makes these and nothing else."""


def _key(request: str) -> str:
    """`METHOD url` without the query string: the same request, whatever its parameters."""
    return request.split("?", 1)[0]


class _Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, report_base: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.report_base = report_base
        self.seen: list[str] = []
        self.lock = threading.Lock()


class _ProxyHandler(socketserver.StreamRequestHandler):
    """Record the request; forward a GET for the report server, refuse everything else."""

    server: _Proxy

    def handle(self) -> None:
        line = self.rfile.readline(65536).decode("latin-1").strip()
        if not line:
            return  # a preconnect closed unused: no request was made on it
        headers = []
        while (header := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
            headers.append(header)
        method, _, rest = line.partition(" ")
        target = rest.rsplit(" ", 1)[0]
        with self.server.lock:
            self.server.seen.append(f"{method} {target}")
        if method in ("GET", "HEAD") and target.startswith(self.server.report_base):
            self._forward(method, target)
        else:
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    def _forward(self, method: str, url: str) -> None:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with direct.open(urllib.request.Request(url, method=method), timeout=10) as answer:
                status, kind, body = answer.status, answer.headers["Content-Type"], answer.read()
        except urllib.error.HTTPError as error:
            status, kind, body = error.code, "text/plain", b""
        head = f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
        self.wfile.write(head.encode() + b"Connection: close\r\n\r\n" + body)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


_NOWHERE = "http://127.0.0.1:9/"  # the discard port: nothing listens; via the proxy anyway
_QUIET_BROWSER = (
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater",
    "--disable-extensions",
    "--disable-component-extensions-with-background-pages",
    f"--gaia-url={_NOWHERE}",
    f"--lso-url={_NOWHERE}",
    f"--google-apis-url={_NOWHERE}",
    f"--oauth-account-manager-url={_NOWHERE}",
)
"""Chromium's own background calls (network time, sign-in, hints), turned off or pointed
nowhere, so that what the proxy records is what the page asked for."""


@contextlib.contextmanager
def _serving(folder: Path) -> Iterator[tuple[str, _Proxy]]:
    handler = functools.partial(_Quiet, directory=str(folder))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{site.server_address[1]}/"
    proxy = _Proxy(base)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (site, proxy)]
    for thread in threads:
        thread.start()
    try:
        yield base, proxy
    finally:
        for server in (site, proxy):
            server.shutdown()
            server.server_close()


def load_offline(folder: Path, page: str = "index.html", *, timeout: float = 120) -> OfflineRun:
    """Open `folder/page`, served on 127.0.0.1, with every request recorded (see above)."""
    with _serving(folder) as (base, proxy):
        extra = (
            f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            *_QUIET_BROWSER,
            "--virtual-time-budget=8000",
            "--dump-dom",
        )
        done = _run(base + page, extra, timeout=timeout)
        with proxy.lock:
            seen = tuple(proxy.seen)
    return OfflineRun(dom=done.stdout, console=_console(done.stderr), base=base, requests=seen)
