"""`.ci/mutation list|run|report`: the mutation run's command line.

    .ci/mutation list                      # every mutant's key (--diff: and its diff line)
    .ci/mutation run --sample 60 --jobs 2  # CI: a rotating sample, about 5 minutes
    .ci/mutation run --missing --jobs 2    # only mutants with no recorded result
    .ci/mutation run --all --jobs 2        # everything: about 3 hours on this 2-core machine
    .ci/mutation report                    # rewrite report.md from the data; exit 1 on survivors

A run records each result in docs/mutation/results.json as it comes (a stopped run keeps
what finished; `--missing` resumes it) and rewrites docs/mutation/report.md; `--no-record`
leaves both alone (CI). The exit is 1 when a recorded survivor is not listed in
docs/mutation/equivalent.toml, each printed with its key and diff; 2 when a mutant could
not be judged (`error`: the harness, not the mutant).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tools.mutation.catalog import Mutant, mutants
from tools.mutation.execute import QUICK, TIERS, judge, make_copy, serving, suite_run
from tools.mutation.records import (
    ERROR,
    REPORT,
    RESULTS,
    SURVIVED,
    Result,
    load_equivalents,
    load_results,
    rotation,
    sample,
    save_results,
    survivors,
)
from tools.mutation.report import render


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=".ci/mutation",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="every mutant's stable key")
    listing.add_argument("--diff", action="store_true", help="and its one-line diff")
    run = sub.add_parser("run", help="judge mutants against the pristine suite")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every mutant not listed equivalent")
    which.add_argument("--sample", type=int, metavar="N", help="a rotating sample of N")
    which.add_argument("--missing", action="store_true", help="mutants with no result yet")
    which.add_argument("--key", action="append", metavar="KEY", help="this mutant (repeatable)")
    run.add_argument("--rotation", type=int, metavar="K", help="sample turn (default: commits)")
    run.add_argument("--jobs", type=int, default=1, metavar="J", help="mutants at once")
    run.add_argument("--no-record", action="store_true", help="leave the committed data alone")
    sub.add_parser("report", help="rewrite report.md from the data; exit 1 on survivors")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    current = mutants()
    if args.command == "list":
        for m in current:
            print(f"{m.key}\n    {m.diff()}" if args.diff else m.key)
        return 0
    if args.command == "report":
        return _report(current)
    chosen = _chosen(args, current)
    print(f"mutation: {len(chosen)} mutants, {args.jobs} at a time", flush=True)
    if not baseline_survives():
        print("mutation: the UNMUTATED copy does not pass: nothing can be judged", file=sys.stderr)
        return 2
    fresh = run_all(chosen, jobs=args.jobs, record=not args.no_record, current=current)
    code = _report(current, quiet=True) if not args.no_record else 0
    new_survivors = sorted(k for k, r in fresh.items() if r.outcome == SURVIVED)
    for key in new_survivors:
        print(f"mutation: SURVIVED {key}\n    {fresh[key].diff}")
    if new_survivors or code:
        return 1
    return 2 if any(r.outcome == ERROR for r in fresh.values()) else 0


def _chosen(args: argparse.Namespace, current: list[Mutant]) -> list[Mutant]:
    equivalents = load_equivalents()
    candidates = [m for m in current if m.key not in equivalents]
    if args.key:
        wanted = set(args.key)
        return [m for m in current if m.key in wanted]
    if args.missing:
        recorded = load_results()
        return [m for m in candidates if m.key not in recorded]
    if args.sample is not None:
        turn = rotation() if args.rotation is None else args.rotation
        return sample(candidates, args.sample, turn)
    return candidates


def baseline_survives() -> bool:
    """The harness itself: an unmutated copy must pass the quick tier over every
    protocol, or every mutant would look killed."""
    with tempfile.TemporaryDirectory(prefix="sesconf-mutant-") as tmp:
        root = Path(tmp)
        make_copy(root, None)
        with serving(root) as server:
            if server is None:
                return False
            port, _process = server
            return all(
                suite_run(port, protocol, QUICK, root / f"report-{protocol}") == 0
                for protocol in ("envelope", "ses-query", "sesv2")
            )


def run_all(
    chosen: Sequence[Mutant], *, jobs: int, record: bool, current: Sequence[Mutant]
) -> dict[str, Result]:
    """Judge every chosen mutant, `jobs` at a time, recording each result as it comes."""
    keys = {m.key for m in current}
    recorded = {k: r for k, r in load_results().items() if k in keys}  # stale keys dropped
    fresh: dict[str, Result] = {}
    lock = threading.Lock()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(judge, m, TIERS): m for m in chosen}
        for done, future in enumerate(as_completed(futures), start=1):
            mutant = futures[future]
            result = future.result()
            with lock:
                fresh[mutant.key] = recorded[mutant.key] = result
                if record:
                    save_results(recorded)
            elapsed = time.monotonic() - started
            print(
                f"mutation: [{done}/{len(chosen)} {elapsed:.0f}s] {result.outcome} "
                f"({result.tier}, {result.protocol}, {result.detail or '-'}, "
                f"{','.join(result.rules) or '-'}) {mutant.key}",
                flush=True,
            )
    if record:
        save_results(recorded)
    return fresh


def _report(current: Sequence[Mutant], *, quiet: bool = False) -> int:
    """Rewrite report.md; 1 when a recorded survivor is not listed equivalent."""
    results, equivalents = load_results(), load_equivalents()
    REPORT.write_text(render(results, equivalents), "utf-8")
    left = survivors(results, equivalents, (m.key for m in current))
    if not quiet or left:
        print(f"mutation: {REPORT.relative_to(RESULTS.parent.parent.parent)} written")
    for key in left:
        print(f"mutation: SURVIVOR {key}\n    {results[key].diff}")
    return 1 if left else 0
