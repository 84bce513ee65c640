"""Regenerate docs/matrix/ and docs/img/matrix.png: every SES implementation we can run.

    .ci/matrix [--seed N] [--max-examples N] [--parallel N]     (installs, then this)

Starts, on free loopback ports, one fresh server per target and protocol: the reference
(`sesconf serve`; envelope runs embedded), moto_server, ministack, LocalStack (ses-query
only: its free edition has no SESv2) and aws-ses-v2-local; runs `sesconf compare` over all
of them into reports/matrix/; copies each target's self-contained index.html next to a
matrix page whose every cell links to the rule in that report; screenshots the page with
headless Chromium; and stops every server by its PID. The emulators must be installed
(.ci/matrix installs them through the gates' `--install-only`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conformance.profile import load_builtin_profile, with_protocol  # noqa: E402
from conformance.report.matrix import load_matrix, render_matrix_html  # noqa: E402

CACHE = Path(
    os.environ.get("SESCONF_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sesconf"
)
MINISTACK = CACHE / f"ministack-{os.environ.get('MINISTACK_VERSION', '1.5.33')}"
LOCALSTACK = CACHE / f"localstack-{os.environ.get('LOCALSTACK_VERSION', '2026.3.0')}"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--hide-scrollbars",
)


@dataclass(frozen=True, slots=True)
class Server:
    """How to start one emulator on `port` and the path that answers when it is up."""

    target: str
    protocols: tuple[str, ...]
    health: str

    def command(self, port: int, home: Path) -> tuple[list[str], dict[str, str]]:
        env = dict(os.environ)
        where = f"127.0.0.1:{port}"
        if self.target == "reference":
            return [sys.executable, "-m", "conformance", "serve", "--port", str(port)], env
        if self.target == "moto":
            return ["moto_server", "-H", "127.0.0.1", "-p", str(port)], env
        if self.target == "aws-ses-v2-local":
            return ["aws-ses-v2-local", "--host", "127.0.0.1", "--port", str(port)], env
        if self.target == "ministack":  # BIND_HOST always: its default is 0.0.0.0
            env.update(BIND_HOST="127.0.0.1", GATEWAY_PORT=str(port), LOG_LEVEL="WARNING")
            return [str(MINISTACK / "bin" / "ministack")], env
        # LocalStack: never without these (0.0.0.0 and a DNS server on port 53 otherwise)
        env.update(
            HOME=str(home),
            GATEWAY_SERVER="hypercorn",
            GATEWAY_LISTEN=where,
            LOCALSTACK_HOST=where,
            SERVICES="ses,sesv2",
            DNS_ADDRESS="0",
            DISABLE_EVENTS="1",
            SKIP_SSL_CERT_DOWNLOAD="1",
        )
        return [str(LOCALSTACK / "bin" / "python"), "-m", "localstack.runtime.main"], env


SERVERS = (
    Server("reference", ("ses-query", "sesv2"), ""),
    Server("moto", ("ses-query", "sesv2"), "moto-api/"),
    Server("ministack", ("ses-query", "sesv2"), "_ministack/health"),
    Server("localstack", ("ses-query",), "_localstack/health"),
    Server("aws-ses-v2-local", ("ses-query", "sesv2"), "health-check"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], label: str, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers: up (the reference answers GET / with an error envelope)
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(
                    f"matrix: {label} exited with {proc.returncode} before {url}"
                ) from None
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"matrix: {label} did not answer at {url} within {wait_s} s"
                ) from None
            time.sleep(0.25)


@contextmanager
def running(server: Server, label: str, work: Path) -> Iterator[str]:
    """One fresh server on a free port; stopped by its PID (TERM, then KILL) on exit."""
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=work))
    argv, env = server.command(port, home)
    with open(work / f"{label}.server.log", "wb") as log:
        proc = subprocess.Popen(argv, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + server.health, proc, label, 180)
        print(f"matrix: {label} up at {url} (pid {proc.pid})", flush=True)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(home, ignore_errors=True)


def profile_file(target: str, protocol: str, url: str, work: Path) -> Path:
    """The built-in profile at `url` over `protocol`, as `--url`/`--protocol` would make it:
    hook URLs moved, SESv2's 40 MB size limit (a profile file's `protocol` alone keeps the
    10 MB default). The timeout is at least 30 s: ten runs share the machine, and a slow
    answer to a 40 MB body is load, not behaviour."""
    profile = with_protocol(load_builtin_profile(target).with_url(url), protocol)
    lines = [f'extends = "{target}"', f'protocol = "{protocol}"', f'url = "{url}"']
    lines += [f"timeout_s = {max(profile.timeout_s, 30.0)}", "[account]"]
    for hook in ("reset_url", "outbox_url"):
        value = getattr(profile.account, hook)
        if value is not None:
            lines.append(f'{hook} = "{value}"')
    lines += ["[limits]", f"max_message_bytes = {profile.limits.max_message_bytes}"]
    path = work / f"{target}-{protocol}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def compare(targets: Sequence[str], args: argparse.Namespace, reports: Path) -> int:
    argv = [sys.executable, "-m", "conformance", "compare", *targets]
    argv += ["--report-dir", str(reports), "--parallel", str(args.parallel)]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    if args.max_examples is not None:
        argv += ["--max-examples", str(args.max_examples)]
    print("matrix: " + " ".join(argv[1:]), flush=True)
    return subprocess.run(argv, cwd=REPO, check=False).returncode


def publish(labels: Sequence[str], reports: Path, docs: Path) -> Path:
    """Each target's index.html under docs/LABEL/, the matrix page linking into them."""
    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir(parents=True)
    reported = [label for label in labels if (reports / label / "summary.json").exists()]
    runs = [(label, reports / label) for label in reported]
    matrix = load_matrix(runs)
    columns = []
    for column in matrix.columns:
        (docs / column.label).mkdir()
        # the replay lines name the run's folder: relative to the checkout, not this machine
        source = (reports / column.label).resolve()
        html = (source / "index.html").read_text("utf-8")
        html = html.replace(str(source), os.path.relpath(source, REPO))
        (docs / column.label / "index.html").write_text(html, encoding="utf-8")
        columns.append(replace(column, report_dir=docs / column.label))
    matrix = replace(matrix, columns=tuple(columns))
    (docs / "matrix.json").write_text(json.dumps(matrix.to_json(), indent=2) + "\n", "utf-8")
    page = docs / "index.html"
    page.write_text(render_matrix_html(docs, matrix), encoding="utf-8")
    return page


def screenshot(page: Path, png: Path, size: str = "1800,1560") -> None:
    browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
    if browser is None:
        raise SystemExit("matrix: no chromium (.ci/install-chromium installs it)")
    with tempfile.TemporaryDirectory(prefix="matrix-chromium-") as profile:
        argv = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        argv += [f"--screenshot={png.resolve()}", f"--window-size={size}"]
        argv.append(page.resolve().as_uri())
        subprocess.run(argv, check=True, timeout=120, capture_output=True)
    print(f"matrix: screenshot {png}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--max-examples", type=int)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--reports", type=Path, default=REPO / "reports" / "matrix")
    parser.add_argument("--docs", type=Path, default=REPO / "docs" / "matrix")
    parser.add_argument("--png", type=Path, default=REPO / "docs" / "img" / "matrix.png")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="LABEL",
        help="run only these columns (e.g. moto-sesv2); the others keep their reports",
    )
    parser.add_argument("--window-size", default="1800,1560", help="screenshot WIDTH,HEIGHT")
    parser.add_argument(
        "--publish-only",
        action="store_true",
        help="no runs: rebuild the docs page and screenshot from the reports already there",
    )
    args = parser.parse_args(argv)
    labels = ["reference"] + [f"{s.target}-{p}" for s in SERVERS for p in s.protocols]
    if args.publish_only:
        screenshot(publish(labels, args.reports, args.docs), args.png, args.window_size)
        return 0
    work = Path(tempfile.mkdtemp(prefix="sesconf-matrix-"))
    targets = [] if args.only and "reference" not in args.only else ["reference"]  # embedded
    try:
        with ExitStack() as servers:
            for server in SERVERS:
                for protocol in server.protocols:
                    label = f"{server.target}-{protocol}"
                    if args.only and label not in args.only:
                        continue
                    url = servers.enter_context(running(server, label, work))
                    targets.append(f"{label}={profile_file(server.target, protocol, url, work)}")
            code = compare(targets, args, args.reports)
        page = publish(labels, args.reports, args.docs)
        screenshot(page, args.png, args.window_size)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"matrix: {page} (compare exit {code}: the worst of the runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
