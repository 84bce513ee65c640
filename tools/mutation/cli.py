"""`.ci/mutation list|run|report`: the mutation run's command line.

    .ci/mutation list                      # every mutant's key (--diff: and its diff line)
    .ci/mutation run --sample 40 --jobs 2  # CI's rotating sample: about 7 minutes
    .ci/mutation run --missing --jobs 2    # only mutants with no recorded result
    .ci/mutation run --all --jobs 2        # everything: 952 mutants, about 5-6 hours

Measured on the 2-core development machine shared with other sessions (load average
6-14), --jobs 2: a quick-tier kill took 18 s on average (median 16 s), a survivor of both
tiers 135 s; about 3 mutants a minute. On a quiet machine the same steps take about 8 s
and 50 s (about 2 hours for the whole run).
    .ci/mutation report                    # rewrite report.md from the data; exit 1 on survivors
    .ci/mutation differential              # the address classifier's equivalents that rest
                                           # on its differential, re-judged (about a minute)
    .ci/mutation run --missing --quick-only --jobs 2
                                           # the quick tier alone: kills are recorded, its
                                           # survivors are listed and left for the default run

Across the whole run no quick-tier survivor has yet been killed by the default tier, and a
survivor costs about eight quick kills. So a long run can go in two passes: `--quick-only`
over everything, then the survivors read and triaged (each listed equivalent with its
reason, or killed by a new class), and `--missing` confirms what is left with the default
run.

A run records each result in docs/mutation/results.json as it comes (a stopped run keeps
what finished; `--missing` resumes it) and rewrites docs/mutation/report.md; `--no-record`
leaves both alone (CI). The exit is 1 when a survivor (of this run, or recorded) is not
listed in docs/mutation/equivalent.toml, each printed with its key and diff; 2 when a
mutant could not be judged (`error`: the harness, not the mutant).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tools.mutation import differential
from tools.mutation.catalog import REPO, Mutant, mutants
from tools.mutation.execute import (
    QUICK,
    TIERS,
    Stopped,
    Tier,
    judge,
    make_copy,
    serving,
    stop_everything,
    suite_run,
)
from tools.mutation.records import (
    EQUIVALENT,
    ERROR,
    KILLED,
    REPORT,
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
    run.add_argument(
        "--quick-only",
        action="store_true",
        help="the quick tier alone: record its kills, list its survivors, record none of them",
    )
    sub.add_parser("report", help="rewrite report.md from the data; exit 1 on survivors")
    diff = sub.add_parser(
        "differential",
        help="the address classifier's listed equivalents, re-judged on a corpus of addresses",
        description=differential.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("--key", action="append", metavar="KEY", help="this mutant (repeatable)")
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
    if args.command == "differential":
        keys = args.key or differential.cited(load_equivalents())
        return differential.run(keys, {m.key: m for m in current}, draws=differential.DRAWS)
    chosen = _chosen(args, current)
    signal.signal(signal.SIGTERM, _on_sigterm)
    print(f"mutation: {len(chosen)} mutants, {args.jobs} at a time", flush=True)
    if not baseline_survives():
        print("mutation: the UNMUTATED copy does not pass: nothing can be judged", file=sys.stderr)
        return 2
    try:
        fresh = run_all(
            chosen,
            jobs=args.jobs,
            record=not args.no_record,
            current=current,
            tiers=(QUICK,) if args.quick_only else TIERS,
        )
    except KeyboardInterrupt:
        return 130
    if not args.no_record:
        REPORT.write_text(rendered(current), "utf-8")
    for key in sorted(k for k, r in fresh.items() if r.outcome == SURVIVED):
        print(f"mutation: SURVIVED {key}\n    {fresh[key].diff}")
    unconfirmed = sorted(k for k, r in fresh.items() if r.outcome == SURVIVED and r.tier == "quick")
    if args.quick_only and unconfirmed:
        print(f"mutation: {len(unconfirmed)} survived the quick tier (not recorded)")
    if _untriaged(current):
        return 1
    return 2 if any(r.outcome == ERROR for r in fresh.values()) else 0


def _on_sigterm(signum: int, _frame: object) -> None:
    """Stop every child by PID, keep what finished (results.json is written as it goes)."""
    stop_everything()
    raise KeyboardInterrupt(f"signal {signum}")


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
        return kills_sample(current, args.sample, args.rotation)
    return candidates


def kills_sample(current: Sequence[Mutant], size: int, turn: int | None) -> list[Mutant]:
    """CI's sample: a rotating window over the mutants killed on record, so a change that
    lets one live fails CI; finding new survivors is the opt-in full run's job."""
    results, equivalents = load_results(), load_equivalents()
    killed = [
        m
        for m in current
        if m.key not in equivalents and m.key in results and results[m.key].outcome == KILLED
    ]
    return sample(killed, size, rotation() if turn is None else turn)


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
    chosen: Sequence[Mutant],
    *,
    jobs: int,
    record: bool,
    current: Sequence[Mutant],
    tiers: Sequence[Tier] = TIERS,
) -> dict[str, Result]:
    """Judge every chosen mutant, `jobs` at a time, recording each result as it comes; a
    survivor of fewer tiers than all is not a result (`--quick-only`) and is not recorded."""
    keys = {m.key for m in current}
    recorded = {k: r for k, r in load_results().items() if k in keys}  # stale keys dropped
    fresh: dict[str, Result] = {}
    lock = threading.Lock()
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    futures = {pool.submit(judge, m, tiers): m for m in chosen}
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            mutant = futures[future]
            try:
                result = future.result()
            except Stopped:
                continue
            with lock:
                fresh[mutant.key] = result
                if is_final(result, tiers):
                    recorded[mutant.key] = result
                    if record:
                        save_results(recorded)
            _progress(done, len(chosen), time.monotonic() - started, mutant, result)
    except KeyboardInterrupt:
        stop_everything()
        print("mutation: stopped; what finished is recorded", file=sys.stderr)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if record:
        save_results(recorded)
    return fresh


def is_final(result: Result, tiers: Sequence[Tier]) -> bool:
    """A kill is final in any tier; a survival only once the default tier has run."""
    return result.outcome != SURVIVED or tiers[-1] == TIERS[-1]


def _progress(done: int, total: int, elapsed: float, mutant: Mutant, result: Result) -> None:
    print(
        f"mutation: [{done}/{total} {elapsed:.0f}s] {result.outcome} ({result.tier}, "
        f"{result.protocol}, {result.detail or '-'}, {','.join(result.rules) or '-'}, "
        f"{result.seconds:.0f}s) {mutant.key}",
        flush=True,
    )


def _report(current: Sequence[Mutant]) -> int:
    """Rewrite report.md from the data; 1 when a survivor is not listed equivalent."""
    REPORT.write_text(rendered(current), "utf-8")
    print(f"mutation: {REPORT.relative_to(REPO)} written")
    return 1 if _untriaged(current) else 0


def rendered(current: Sequence[Mutant]) -> str:
    """report.md for the current mutants, counting those not run yet."""
    results, equivalents = load_results(), load_equivalents()
    pending = sum(1 for m in current if m.key not in results and m.key not in equivalents)
    return render(results, equivalents, pending=pending)


def _untriaged(current: Sequence[Mutant]) -> list[str]:
    """Recorded survivors not listed equivalent, each printed with its key and diff."""
    results = load_results()
    left = survivors(results, load_equivalents(), (m.key for m in current))
    for key in left:
        print(f"mutation: SURVIVOR {key}\n    {results[key].diff}")
    if left:
        print(f"mutation: {len(left)} survivors: list each in {EQUIVALENT.name} or kill it")
    return left
