"""The wheel works on its own: built, installed into a fresh virtualenv outside the checkout,
it runs `sesconf run`, runs the suite under plain pytest through its entry point, and leaves
an unrelated pytest project (with a `strategies` module of its own) exactly as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests._schema import valid_summary
from tests._servers import closed_port_url

REPO = Path(__file__).resolve().parent.parent
SOURCES = (
    "conformance",
    "strategies",
    "sesconf_strategies",
    "pyproject.toml",
    "README.md",
    "LICENSE",
)
"""What the build reads (copied, so the build writes nothing into the checkout)."""


@dataclass(frozen=True, slots=True)
class Venv:
    root: Path
    work: Path

    @property
    def bin(self) -> Path:
        return self.root / ("Scripts" if os.name == "nt" else "bin")

    def run(
        self, *argv: str, cwd: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """A command of the venv, from outside the checkout, with nothing of it on the path."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        return subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]],
            cwd=cwd or self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_symlink():  # sesconf_strategies -> strategies, as in a clone
            (source / name).symlink_to(os.readlink(REPO / name))
        elif (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, source / name)
    wheels = tmp / "wheels"
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*argv, "-q", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert 0 == done.returncode, done.stdout[-2000:] + done.stderr[-2000:]
    [wheel] = wheels.glob("ses_conformance-*.whl")
    return wheel


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A fresh venv holding the wheel, reusing this environment's installed dependencies.

    Not `--system-site-packages`: under CI's fresh-clone venv that would be the base
    interpreter's, without the dependencies. A `.pth` line puts this environment's
    site-packages after the venv's own instead; the `.pth` files there (an editable install
    of the checkout) are not run, so the checkout stays off the path.
    """
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(tmp)
    root = tmp / "venv"
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(root)], capture_output=True, text=True, timeout=300
    )
    assert 0 == made.returncode, made.stderr
    work = tmp / "work"
    work.mkdir()
    env = Venv(root, work)
    installed = env.run("python", "-m", "pip", "install", "-q", "--no-deps", str(wheel))
    assert 0 == installed.returncode, installed.stdout[-2000:] + installed.stderr[-2000:]
    where = env.run("python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    outer = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    Path(where.stdout.strip(), "_outer_dependencies.pth").write_text("\n".join(outer) + "\n")
    return env


def test_the_wheel_is_what_the_venv_imports(venv: Venv) -> None:
    code = "import conformance, sesconf_strategies as s; print(conformance.__file__, s.__file__)"
    done = venv.run("python", "-c", code)
    assert 0 == done.returncode, done.stderr
    for path in done.stdout.split():
        assert Path(path).is_relative_to(venv.root), path
        assert not Path(path).is_relative_to(REPO), path


def test_sesconf_run_passes_from_the_wheel(venv: Venv) -> None:
    done = venv.run("sesconf", "run", "--max-examples", "10", "--report-dir", "out")
    assert 0 == done.returncode, done.stdout[-3000:] + done.stderr[-3000:]
    assert "conformant" == valid_summary(venv.work / "out")["verdict"]
    schema = venv.run("sesconf", "schema")
    assert (0, "ses-conformance summary.json") == (schema.returncode, _title(schema.stdout))


def _title(text: str) -> str:
    return str(json.loads(text)["title"])


@pytest.fixture
def served(venv: Venv) -> Iterator[str]:
    """`sesconf serve --port P` of the venv; its URL."""
    port = int(closed_port_url().rsplit(":", 1)[1].strip("/"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    proc = subprocess.Popen(
        [str(venv.bin / "sesconf"), "serve", "--port", str(port)],
        cwd=venv.work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "_outbox", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_pytest_pyargs_runs_the_suite_from_the_wheel(venv: Venv, served: str) -> None:
    profile = venv.work / "served.toml"
    profile.write_text(
        f'extends = "reference"\nurl = "{served}"\nmax_examples = 5\n'
        f'[account]\nreset_url = "{served}_reset"\noutbox_url = "{served}_outbox"\n'
    )
    report = venv.work / "pyargs-report"
    done = venv.run(
        "python", "-m", "pytest", "--pyargs", "conformance.suite",
        "--target-profile", str(profile), "-p", "no:cacheprovider", "-q",
        "--sesconf-report-dir", str(report),
    )  # fmt: skip
    assert 0 == done.returncode, done.stdout[-3000:] + done.stderr[-3000:]
    summary = valid_summary(report)
    assert ("conformant", served) == (summary["verdict"], summary["target"]["url"])


def test_an_unrelated_project_runs_unchanged(venv: Venv, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "strategies.py").write_text("WHO = 'the project'\n")
    (project / "test_mine.py").write_text(
        "import strategies\n\n\n"
        "def test_its_own_strategies():\n"
        "    assert 'the project' == strategies.WHO\n"
        "    print('STRATEGIES', strategies.__file__)\n"
    )
    done = venv.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-s", "-q", cwd=project)
    assert 0 == done.returncode, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"STRATEGIES {project / 'strategies.py'}" in done.stdout
    assert "1 passed" in done.stdout
    left = {p.name for p in project.iterdir()} - {
        "__pycache__",
        ".benchmarks",
    }  # pytest-benchmark's
    assert {"strategies.py", "test_mine.py"} == left  # no report, no records: the plugin is inert
    helped = venv.run("python", "-m", "pytest", "--help", cwd=project)
    assert "--target-profile" in helped.stdout  # the entry point registered the plugin
