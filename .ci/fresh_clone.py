#!/usr/bin/env python3
"""CI: the README's two commands, exactly as written, as a newcomer runs them.

Clones the repository (its committed HEAD) into an empty temporary folder, so no `shared/`
or anything else sits beside it; creates a fresh virtualenv; then runs the one-line `sh`
block of the README's "Run it" section and that of its "Test it" section, word for word
(read from the README, so changing the README changes what CI runs). Both must exit 0, and
the test run may skip only the tests a reader opts into with a SESCONF_ variable (the long
hostile batteries); any other skip, a missing tool above all, fails. tests/conftest.py
writes each skip with its reason to $SESCONF_SKIP_LOG.

This is CI's main test run: `.ci/run` calls it rather than running pytest a second time.

    python .ci/fresh_clone.py                       # what .ci/run does
    python .ci/fresh_clone.py --print               # just show the two commands
    python .ci/fresh_clone.py --keep --pytest-args='-k catalogue'   # a local trial: these
                                    # words are appended to the Test-it line (never in CI)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECTIONS = ("Run it", "Test it")
_OPT_IN = re.compile(r"\bSESCONF_[A-Z0-9_]+=1\b")
"""How an opt-in skip says how to opt in: `SESCONF_HOSTILE_FULL=1`."""
_SUMMARY = re.compile(
    r"^=* ?(?P<counts>.*\d+ (?:passed|failed|errors?|skipped).*) in [\d.]+s", re.M
)


def readme_commands(text: str) -> dict[str, str]:
    """{section: command}: the first ```sh block under `## Run it` and `## Test it`, which
    must hold exactly one command line."""
    commands = {}
    for section in SECTIONS:
        body = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        if body is None:
            raise SystemExit(f"fresh-clone: README.md has no '## {section}' section")
        block = re.search(r"^```sh\n(.*?)^```", body.group(1), re.S | re.M)
        if block is None:
            raise SystemExit(f"fresh-clone: README.md '## {section}' has no ```sh block")
        lines = [line for line in block.group(1).splitlines() if line.strip()]
        if len(lines) != 1:
            raise SystemExit(f"fresh-clone: README.md '## {section}' block is not one line")
        commands[section] = lines[0]
    return commands


def skipped(output: str) -> int:
    """Tests the final pytest summary line counts as skipped; fails when there is none."""
    found = _SUMMARY.findall(output)
    if not found:
        raise SystemExit("fresh-clone: no pytest summary line in the test command's output")
    match = re.search(r"(\d+) skipped", found[-1])
    return int(match.group(1)) if match else 0


def bad_skips(log: str) -> list[str]:
    """The skips of a $SESCONF_SKIP_LOG that no SESCONF_ variable opts into."""
    return [line for line in log.splitlines() if line and not _OPT_IN.search(line)]


def _run(command: str, *, cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run one README line in bash, echoing its output as it comes; (exit code, output)."""
    print(f"fresh-clone: $ {command}", flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line)
    try:
        code = proc.wait(timeout=max(1.0, timeout - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        proc.kill()
        code = 124
    print(f"fresh-clone: exit {code} after {time.monotonic() - started:.0f}s", flush=True)
    return code, "".join(lines)


def _judge_skips(count: int, log_path: Path) -> list[str]:
    log = log_path.read_text("utf-8") if log_path.is_file() else ""
    for line in log.splitlines():
        print(f"fresh-clone: skipped: {line}")
    if count != len(log.splitlines()):
        return [f"pytest counted {count} skipped, {log_path.name} lists {len(log.splitlines())}"]
    return [f"skipped, and not opted out of: {line}" for line in bad_skips(log)]


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _fresh_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.pop("PYTEST_ADDOPTS", None)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the commands and stop")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--pytest-args", default="", help="appended to the Test-it line (trials)")
    parser.add_argument("--timeout", type=float, default=35 * 60, help="seconds per command")
    args = parser.parse_args(argv)
    commands = readme_commands((REPO / "README.md").read_text("utf-8"))
    if args.print:
        print("\n".join(commands.values()))
        return 0
    if _git("status", "--porcelain", "--untracked-files=no"):
        print("fresh-clone: note: uncommitted changes are not in the clone", file=sys.stderr)
    root = Path(tempfile.mkdtemp(prefix="sesconf-fresh-"))
    try:
        return _check(root, commands, args)
    finally:
        if args.keep:
            print(f"fresh-clone: kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _check(root: Path, commands: dict[str, str], args: argparse.Namespace) -> int:
    clone, venv = root / "ses-conformance", root / "venv"
    head = _git("rev-parse", "HEAD")
    subprocess.run(
        ["git", "clone", "-q", "--no-local", "--no-checkout", str(REPO), str(clone)], check=True
    )
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "--detach", head], check=True)
    assert sorted(p.name for p in root.iterdir()) == ["ses-conformance"], "not an empty folder"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = _fresh_env(venv)
    skip_log = root / "skipped.tsv"
    env["SESCONF_SKIP_LOG"] = str(skip_log)
    failures = []
    for section, command in commands.items():
        if section == "Test it" and args.pytest_args:
            command = f"{command} {args.pytest_args}"  # a local trial, never CI
        code, output = _run(command, cwd=clone, env=env, timeout=args.timeout)
        if code != 0:
            failures.append(f"'{section}' exited {code}: {command}")
        elif section == "Test it":
            failures += _judge_skips(skipped(output), skip_log)
    for failure in failures:
        print(f"fresh-clone: FAILED: {failure}", file=sys.stderr)
    if not failures:
        print("fresh-clone: both README commands passed in a clean clone", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
