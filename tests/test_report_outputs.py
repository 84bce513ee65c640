"""What a real run leaves behind: the page people open, the Allure report, and no secret.

Each test runs `sesconf run` against a planted-fault variant of the reference, so the
report has a real failure with a real counterexample.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.rules import RULES
from conformance.server.app import start_server
from tests._browser import load, screenshot
from tests._schema import valid_summary
from tests._sesconf import REPO, sesconf

REFERENCE = load_builtin_profile("reference")
DOCS_IMG = REPO / "docs" / "img"


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report of a run against `accept-51-recipients`: recipients.max fails."""
    report = tmp_path_factory.mktemp("failing-run")
    with start_server(REFERENCE, fault="accept-51-recipients") as server:
        run = sesconf("run", "--url", server.url, "--max-examples", "8", report_dir=report)
    assert ExitCode.RULE_FAILED == run.returncode, run.stdout[-3000:] + run.stderr[-2000:]
    assert "recipients.max" in run.failed()
    valid_summary(report)
    return report


@pytest.mark.browser
def test_the_report_of_a_failing_run_renders_in_chromium(failing_run: Path) -> None:
    page = load(failing_run / "index.html")
    assert () == page.console, page.console
    for rule_id in RULES:
        assert rule_id in page.dom, rule_id
    failure = next(r for r in _summary(failing_run)["rules"] if r["id"] == "recipients.max")
    ce = failure["counterexample"]
    assert html.escape(ce["curl"], quote=False) in page.dom
    assert html.escape(ce["expected"], quote=False) in page.dom
    destination = ce["params"]["Destination"]  # the shrunk example may use any list
    first_recipient = next(
        address
        for key in ("ToAddresses", "CcAddresses", "BccAddresses")
        for address in destination.get(key) or ()
    )
    assert first_recipient in page.dom
    shot = screenshot(failing_run / "index.html", DOCS_IMG / "report.png")
    assert () == shot.console
    assert (DOCS_IMG / "report.png").read_bytes().startswith(b"\x89PNG")


def test_sesconf_report_builds_the_allure_html(failing_run: Path, tmp_path: Path) -> None:
    if shutil.which("allure") is None:
        pytest.fail("the `allure` command is missing: .ci/run installs it (npm install -g allure)")
    out = tmp_path / "allure-report"
    run = sesconf("report", "--allure", str(failing_run), "--output", str(out), report_dir=tmp_path)
    assert ExitCode.OK == run.returncode, run.stderr
    assert (out / "index.html").is_file()


def test_sesconf_report_says_how_to_get_allure_where_it_is_missing(
    failing_run: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-path"  # no `allure` anywhere on PATH
    empty.mkdir()
    run = sesconf(
        "report", "--allure", str(failing_run), report_dir=tmp_path, env={"PATH": str(empty)}
    )
    assert ExitCode.USAGE_ERROR == run.returncode
    assert "npm install -g allure" in run.stderr


SECRET_KEY = "sesconfPlantedSecretKey/0123456789abcdefXYZ"
SESSION_TOKEN = "sesconfPlantedSessionToken0123456789"
ACCESS_KEY = "AKIASESCONFPLANTED01"


def test_no_credential_reaches_any_report_file_or_output(tmp_path: Path) -> None:
    profile = tmp_path / "secret.toml"
    profile.write_text(
        'extends = "reference"\nprotocol = "ses-query"\n'
        f'[aws]\naccess_key_id = "{ACCESS_KEY}"\nsecret_access_key = "{SECRET_KEY}"\n'
        f'session_token = "{SESSION_TOKEN}"\n'
    )
    report = tmp_path / "report"
    with start_server(REFERENCE, fault="query-accept-51") as server:
        run = sesconf(
            "run",
            "--profile",
            str(profile),
            "--url",
            server.url,
            "--max-examples",
            "5",
            report_dir=report,
        )
    assert ExitCode.RULE_FAILED == run.returncode, run.stdout[-2000:] + run.stderr[-2000:]
    written = [p for p in report.rglob("*") if p.is_file()]
    assert any(p.name == "summary.json" for p in written)
    for secret in (SECRET_KEY, SESSION_TOKEN, ACCESS_KEY):
        assert secret not in run.stdout and secret not in run.stderr
        for path in written:
            assert secret.encode() not in path.read_bytes(), f"{secret!r} in {path}"
    assert "$AWS_SECRET_ACCESS_KEY" in (report / "summary.json").read_text()
    valid_summary(report)


def _summary(report: Path) -> dict[str, Any]:
    return valid_summary(report)
