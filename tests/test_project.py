"""The project's own promises: one version, a licence, a contributor's guide, strict pytest,
and a CI that runs the README's commands as written (.ci/fresh_clone.py)."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

from conformance.protocols.base import USER_AGENT
from conformance.version import __version__

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))


def _fresh_clone() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fresh_clone", REPO / ".ci" / "fresh_clone.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_version_is_written_once() -> None:
    assert ["version"] == PYPROJECT["project"]["dynamic"]
    assert "version" not in PYPROJECT["project"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert {"attr": "conformance.version.__version__"} == dynamic
    literal = re.compile(re.escape(f'"{__version__}"'))
    written = [
        str(path.relative_to(REPO))
        for folder in ("conformance", "strategies")
        for path in (REPO / folder).rglob("*.py")
        if literal.search(path.read_text("utf-8"))
    ]
    assert ["conformance/version.py"] == written


def test_the_user_agent_and_cli_carry_the_version() -> None:
    assert f"ses-conformance/{__version__}" == USER_AGENT
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"sesconf {__version__}" == done.stdout.strip()


def test_licence_is_apache_2() -> None:
    text = (REPO / "LICENSE").read_text("utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert "Apache-2.0" == PYPROJECT["project"]["license"]["text"]


def test_contributing_covers_run_test_rule_target_fault() -> None:
    text = (REPO / "CONTRIBUTING.md").read_text("utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert ["Run and test", "Add a rule", "Add a target", "Add a planted fault"] == headings[:4]
    for command in _fresh_clone().readme_commands((REPO / "README.md").read_text("utf-8")).values():
        assert command in text, command


def test_pytest_is_strict() -> None:
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"].split()
    assert "error" == options["filterwarnings"][0]
    for ignore in options["filterwarnings"][1:]:
        action, message, category, module = ignore.split(":")[:4]
        assert ("ignore", True, True) == (action, bool(message), bool(module)), ignore
        assert category.endswith("Warning"), ignore


def test_ci_runs_the_readme_commands_in_a_fresh_clone() -> None:
    fresh = _fresh_clone()
    commands = fresh.readme_commands((REPO / "README.md").read_text("utf-8"))
    assert ["Run it", "Test it"] == list(commands)
    assert commands["Run it"].endswith("sesconf run")
    assert "python -m pytest tests" in commands["Test it"]
    assert ".ci/install-tools" in commands["Test it"]
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert re.search(r"^step fresh-clone python \.ci/fresh_clone\.py$", ci, re.M)
    assert not re.search(r"^[^#]*pytest tests", ci, re.M)  # the tests run once, in the clone
    assert re.search(r"^step mypy mypy$", ci, re.M)


def test_fresh_clone_reads_pytest_summaries() -> None:
    fresh = _fresh_clone()
    assert 2 == fresh.skipped("== 3 failed, 849 passed, 2 skipped in 108.96s (0:01:48) ==")
    assert 0 == fresh.skipped("noise\n=== 849 passed, 1 warning in 1.0s ===\n")
    assert 1 == fresh.skipped("849 passed, 1 skipped in 1.0s")


LONG_FUNCTIONS_LEFT: set[str] = set()
"""Functions over 60 lines: none is left, and none may join them (declarative tables are
module-level constants, not functions)."""


def test_no_function_grows_over_60_lines() -> None:
    long = set()
    for folder in ("conformance", "strategies", "tests", "bench", ".ci", "tools"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if (node.end_lineno or node.lineno) - node.lineno + 1 > 60:
                    long.add(f"{path.relative_to(REPO)}::{node.name}")
    assert set() == long - LONG_FUNCTIONS_LEFT


def test_fresh_clone_allows_only_opted_out_skips() -> None:
    fresh = _fresh_clone()
    log = (
        "tests/test_a.py::test_long\tSkipped: about 8 min: set SESCONF_HOSTILE_FULL=1\n"
        "tests/test_b.py::test_page\tSkipped: chromium not found\n"
        "tests/test_c.py::test_x\tSkipped: needs SESCONF_HOSTILE_FULL\n"
    )
    assert [
        "tests/test_b.py::test_page\tSkipped: chromium not found",
        "tests/test_c.py::test_x\tSkipped: needs SESCONF_HOSTILE_FULL",
    ] == fresh.bad_skips(log)
