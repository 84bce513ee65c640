"""The whole suite against a real aws-ses-v2-local (npm), judged by its expectations file.

`.ci/run` installs it (`npm install -g aws-ses-v2-local@2.10.2`); a machine without it
fails this test with the command that fixes that, rather than skipping it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.exitcodes import ExitCode
from conformance.expectations import load_expectations
from tests._sesconf import REPO, sesconf

EXPECTATIONS = REPO / "conformance" / "expectations" / "aws-ses-v2-local-sesv2.toml"


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    binary = shutil.which("aws-ses-v2-local")
    if binary is None:
        pytest.fail("aws-ses-v2-local is not installed: npm install -g aws-ses-v2-local@2.10.2")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"aws-ses-v2-local did not answer at {url}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_aws_ses_v2_local_matches_its_expectations(emulator_url: str, tmp_path: Path) -> None:
    run = sesconf(
        "run", "--target", "aws-ses-v2-local", "--url", emulator_url,
        "--expectations", str(EXPECTATIONS), "--quiet", report_dir=tmp_path, timeout=300,
    )  # fmt: skip
    assert ExitCode.OK == run.returncode, run.stdout[-3000:] + run.stderr[-3000:]
    failed = {r["id"] for r in run.summary["rules"] if r["outcome"] in ("fail", "non-strict")}
    assert set(load_expectations(EXPECTATIONS).rule_ids) == failed
