"""The public face: `conformance.__all__` is exactly the README's list, and every name works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import conformance
import conformance.errors as errors
from conformance.cli import main
from conformance.exitcodes import ExitCode, Outcome
from conformance.profile import TargetProfile
from conformance.rules import RULES
from conformance.version import __version__

REPO = Path(__file__).resolve().parent.parent


def documented() -> list[str]:
    block = re.search(r"```api\n(.*?)```", (REPO / "README.md").read_text("utf-8"), re.S)
    assert block is not None, "README.md has no ```api block"
    return block.group(1).split()


def test_all_is_exactly_the_documented_list() -> None:
    assert sorted(documented()) == sorted(conformance.__all__)
    assert len(set(conformance.__all__)) == len(conformance.__all__)


def test_every_public_name_resolves_to_its_home() -> None:
    for name in conformance.__all__:
        assert hasattr(conformance, name), name
    assert __version__ == conformance.__version__
    assert main is conformance.main
    assert (ExitCode, Outcome, TargetProfile) == (
        conformance.ExitCode,
        conformance.Outcome,
        conformance.TargetProfile,
    )
    assert RULES is conformance.RULES
    assert RULES["recipients.max"] is conformance.get_rule("recipients.max")


def test_every_error_the_suite_raises_on_purpose_is_public() -> None:
    own = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.SesConfError)
    }
    assert own == {name for name in conformance.__all__ if name in own}
    assert own <= set(conformance.__all__)


def test_run_is_sesconf_run(tmp_path: Path) -> None:
    code = conformance.run(["--rules", "no.such.*", "--report-dir", str(tmp_path)])
    assert ExitCode.NO_RULES_SELECTED == code


def test_the_profile_loaders_read_files_and_builtins(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('extends = "reference"\nname = "mine"\nmax_examples = 5\n')
    assert ("mine", 5) == (
        conformance.load_profile(path).name,
        conformance.load_profile(path).max_examples,
    )
    assert "reference" in conformance.builtin_profile_names()
    assert "reference" == conformance.load_builtin_profile("reference").name


def test_importing_the_package_starts_nothing() -> None:
    """`import conformance` loads the API only: no server, no pytest session."""
    code = "import conformance, threading; print(threading.active_count())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert (0, "1") == (done.returncode, done.stdout.strip()), done.stderr
