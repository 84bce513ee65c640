"""The default run of two revisions, side by side: did a change make `sesconf run` slower?

    python bench/revisions.py BASE [HEAD] [--rounds 5] [-- EXTRA RUN ARGS]

Each revision is checked out once into a temporary git worktree; its default run
(`python -m conformance run`, the embedded reference) runs from there with that worktree
first on PYTHONPATH, so the two revisions never share code. The runs alternate (base, head,
base, head, ...) so that a shared, noisy machine slows both alike; the figure to quote is
the median of the per-round ratios head/base (wall and user+sys CPU), not an absolute time.
A run that does not exit 0 stops the bench: a slower failing run proves nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Timing:
    wall_s: float
    cpu_s: float


def checkout(revision: str, into: Path) -> Path:
    """A detached worktree of `revision` (removed by `release`)."""
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(into), revision],
        check=True,
    )
    return into


def release(tree: Path) -> None:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
        check=False,
    )


def timed_run(tree: Path, report_dir: Path, extra: list[str]) -> Timing:
    """One whole `python -m conformance run` from `tree`, timed by the kernel's accounting."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "conformance", "run", "--report-dir", str(report_dir)]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, *extra], cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise SystemExit(f"{tree}: the run exited {code}\n{stderr[-2000:]}")
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("base", help="the revision to compare against (e.g. main~3)")
    parser.add_argument("head", nargs="?", default="HEAD", help="the revision measured")
    parser.add_argument("--rounds", type=int, default=5, help="base/head pairs (default 5)")
    argv = list(sys.argv[1:] if argv is None else argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    args, extra = parser.parse_args(argv[:cut]), argv[cut + 1 :]
    with tempfile.TemporaryDirectory(prefix="sesconf-bench-") as scratch:
        root = Path(scratch)
        trees = {
            name: checkout(rev, root / name)
            for name, rev in (("base", args.base), ("head", args.head))
        }
        try:
            timed_run(trees["base"], root / "warm-base", extra)  # warm caches, not counted
            rows: list[tuple[Timing, Timing]] = []
            for i in range(args.rounds):
                base = timed_run(trees["base"], root / f"base-{i}", extra)
                head = timed_run(trees["head"], root / f"head-{i}", extra)
                rows.append((base, head))
                print(
                    f"round {i + 1}: base {base.wall_s:.1f} s wall {base.cpu_s:.1f} s cpu, "
                    f"head {head.wall_s:.1f} s wall {head.cpu_s:.1f} s cpu",
                    flush=True,
                )
        finally:
            for tree in trees.values():
                release(tree)
    wall = statistics.median(h.wall_s / b.wall_s for b, h in rows)
    cpu = statistics.median(h.cpu_s / b.cpu_s for b, h in rows)
    print(f"head/base, median of {len(rows)} rounds: wall {wall:.3f}, cpu {cpu:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
