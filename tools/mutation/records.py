"""The committed data: each mutant's result (results.json) and the equivalents (TOML).

Both are keyed by the mutant's stable key (catalog.py). results.json holds, per key: the
outcome (`killed`, `survived`, or `error` when the run itself could not judge), the
protocol and the rules that killed it, the tier that decided, the seconds it took, a
detail (`server did not start`, `server crashed`, `timeout`, `exit 1`) and the module and
one-line diff, so that the report is written from this file alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.mutation.catalog import REPO, Mutant

DATA = REPO / "docs" / "mutation"
RESULTS = DATA / "results.json"
EQUIVALENT = DATA / "equivalent.toml"
REPORT = DATA / "report.md"

KILLED, SURVIVED, ERROR = "killed", "survived", "error"


@dataclass(frozen=True, slots=True)
class Result:
    """One mutant's outcome, as results.json records it."""

    outcome: str
    module: str
    diff: str
    protocol: str | None = None
    rules: tuple[str, ...] = ()
    tier: str | None = None
    seconds: float = 0.0
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rules"] = list(self.rules)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        return cls(**{**data, "rules": tuple(data.get("rules", ()))})


def load_results(path: Path = RESULTS) -> dict[str, Result]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text("utf-8"))
    return {key: Result.from_json(value) for key, value in raw.items()}


def save_results(results: Mapping[str, Result], path: Path = RESULTS) -> None:
    """Sorted by key, one entry per line group: diffs stay readable. Written atomically
    (a run stopped midway leaves the last complete file)."""
    data = {key: results[key].as_json() for key in sorted(results)}
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(text, "utf-8")
    partial.replace(path)


def load_equivalents(path: Path = EQUIVALENT) -> dict[str, str]:
    """{key: reason} from `[[equivalent]]` tables (key, reason)."""
    if not path.exists():
        return {}
    tables = tomllib.loads(path.read_text("utf-8")).get("equivalent", [])
    return {str(t["key"]): str(t.get("reason", "")) for t in tables}


def survivors(
    results: Mapping[str, Result], equivalents: Mapping[str, str], current: Iterable[str]
) -> list[str]:
    """Keys of current mutants recorded as surviving and not listed as equivalent."""
    return sorted(
        key
        for key in current
        if key in results and results[key].outcome == SURVIVED and key not in equivalents
    )


def rotation() -> int:
    """How far the sample rotates: the commit count, which a clean clone has too."""
    done = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return int(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else 0


def sample(candidates: Sequence[Mutant], size: int, turn: int) -> list[Mutant]:
    """`size` mutants, the same for the same inputs: a window over the candidates ordered
    by a hash of their keys (an edit elsewhere moves no mutant), shifted by `size` at each
    turn, so that successive commits cover every mutant in turn."""
    ordered = sorted(candidates, key=lambda m: hashlib.sha256(m.key.encode()).hexdigest())
    if not ordered or size <= 0:
        return []
    size = min(size, len(ordered))
    start = (turn * size) % len(ordered)
    return [ordered[(start + i) % len(ordered)] for i in range(size)]
