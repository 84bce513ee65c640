"""Reports never call out: each HTML output, opened in headless Chromium with every request
recorded, loads nothing but its own folder (tests/_browser.py `load_offline`).

A report holds target URLs and request bodies; opening it must not tell anyone. The first
test shows the recorder sees what a page fetches from the network, so an empty list of
outside requests below means there were none.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_report_html import _three_runs, sample_summary

from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.report.html import write_index_html
from conformance.report.matrix import write_matrix_html
from conformance.report.offline import CSP_META, neutralise
from conformance.rules import RULES
from conformance.server.app import start_server
from tests._browser import BROWSER_OWN, OfflineRun, load_offline
from tests._sesconf import sesconf

pytestmark = pytest.mark.browser

CALLING_OUT = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="https://fonts.example-cdn.test/css?family=Inter">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST"></script>
<style>@import url("https://style.example-cdn.test/x.css");</style>
</head><body><img src="http://images.example-cdn.test/pixel.png" alt="">
<script>fetch("https://collect.example-cdn.test/beacon?report=1").catch(() => {});</script>
<p id="done">rendered</p></body></html>
"""
CALLED = {
    "fonts.example-cdn.test",
    "www.googletagmanager.com",
    "style.example-cdn.test",
    "images.example-cdn.test",
    "collect.example-cdn.test",
}


def _hosts(requests: list[str]) -> set[str]:
    hosts = set()
    for request in requests:
        target = request.split(" ", 1)[1]
        hosts.add(target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0])
    return hosts


def _inside(run: OfflineRun) -> set[str]:
    """The report's own files it asked for, but the favicon Chromium always asks for."""
    own = {r for r in run.requests if r.split(" ", 1)[1].startswith(run.base)}
    return own - {f"GET {run.base}favicon.ico"}


def test_a_blank_page_makes_only_chromiums_own_requests(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!DOCTYPE html><p id=done>blank</p>", "utf-8")
    run = load_offline(tmp_path)
    assert 'id="done"' in run.dom
    assert [] == run.outside
    others = {
        r.split("?", 1)[0] for r in run.requests if not r.split(" ", 1)[1].startswith(run.base)
    }
    assert others <= BROWSER_OWN


def test_the_recorder_sees_every_outside_load(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(CALLING_OUT, "utf-8")
    run = load_offline(tmp_path)
    assert 'id="done"' in run.dom
    assert CALLED == _hosts(run.outside)
    assert {f"GET {run.base}index.html"} == _inside(run)


def test_neutralised_the_same_page_loads_nothing_outside(tmp_path: Path) -> None:
    clean, removed = neutralise(CALLING_OUT)
    assert 4 == len(removed), removed  # the link, the gtag loader, the @import, the img src
    assert CSP_META in clean
    (tmp_path / "index.html").write_text(clean, "utf-8")
    run = load_offline(tmp_path)
    assert 'id="done"' in run.dom
    assert [] == run.outside  # the inline fetch is stopped by the policy before any request


def test_index_html_loads_nothing_outside(tmp_path: Path) -> None:
    write_index_html(tmp_path, sample_summary("failing", target="my-mock"))
    run = load_offline(tmp_path)
    assert 'data-js="ready"' in run.dom  # the page's script ran to its end
    assert [] == run.outside
    assert {f"GET {run.base}index.html"} == _inside(run)


def test_the_matrix_loads_nothing_outside(tmp_path: Path) -> None:
    page = write_matrix_html(tmp_path / "out", _three_runs(tmp_path / "runs"))
    run = load_offline(tmp_path, str(page.relative_to(tmp_path)))
    for rule_id in RULES:
        assert f">{rule_id}</th>" in run.dom, rule_id
    assert [] == run.outside
    assert {f"GET {run.base}out/index.html"} == _inside(run)


@pytest.fixture(scope="module")
def allure_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """allure-results of a real run with a failure (recipients.max against a planted fault)."""
    if shutil.which("allure") is None:
        pytest.fail("the `allure` command is missing: run .ci/install-tools", pytrace=False)
    report = tmp_path_factory.mktemp("run")
    with start_server(load_builtin_profile("reference"), fault="accept-51-recipients") as server:
        run = sesconf("run", "--url", server.url, "--max-examples", "3", report_dir=report)
    assert ExitCode.RULE_FAILED == run.returncode, run.stdout[-2000:] + run.stderr[-2000:]
    return report


def test_allure_as_built_by_allure_calls_google(allure_results: Path, tmp_path: Path) -> None:
    """Why the rewrite exists: Allure 3's own output loads Google's tag manager."""
    out = tmp_path / "raw"
    allure = str(shutil.which("allure"))
    done = subprocess.run(
        [allure, "generate", str(allure_results / "allure-results"), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert 0 == done.returncode, done.stderr[-2000:]
    assert "www.googletagmanager.com" in _hosts(load_offline(out).outside)


def test_sesconf_report_allure_loads_nothing_outside(allure_results: Path, tmp_path: Path) -> None:
    out = tmp_path / "allure-report"
    run = sesconf(
        "report", "--allure", str(allure_results), "--output", str(out), report_dir=tmp_path
    )
    assert ExitCode.OK == run.returncode, run.stderr
    assert "offline: 2 outside loads removed" in run.stdout
    page = load_offline(out)
    assert [] == page.outside
    assert f"GET {page.base}index.html" in page.requests
    assert len(_inside(page)) > 3, page.requests  # the app loaded its own scripts and data
    assert "suite.version" in page.dom  # ...and rendered them (our environment.properties)
    text = (out / "index.html").read_text("utf-8")
    assert "googletagmanager" not in text and "gtag(" not in text
