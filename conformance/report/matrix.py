"""The comparison matrix: rules x targets, one coloured cell per outcome (after autobahn).

People compare real SES, moto and their own mock side by side; a rule that fails on exactly
one target is usually that target's bug, so those get their own list. `matrix.json` carries
the same cells for machines.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from conformance.report.parts import (
    by_family,
    esc,
    exit_code_name,
    family_of,
    outcome_class,
    page,
)

_DIFF_OUTCOMES = frozenset({"fail", "non-strict"})


@dataclass(frozen=True, slots=True)
class Column:
    """One target: its label, where its report lives, and the run's verdict."""

    label: str
    report_dir: Path
    verdict: str
    exit_code: int | None
    protocol: str


@dataclass(frozen=True, slots=True)
class Matrix:
    columns: tuple[Column, ...]
    rules: tuple[str, ...]
    """Union of the runs' rule ids, catalogue order first."""
    families: Mapping[str, str]
    """Rule id -> family."""
    cells: Mapping[str, Mapping[str, str]]
    """Rule id -> target label -> outcome; a rule a run did not select has no cell."""
    readable: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Rule id -> target label -> the answers read that the outcome rests on (issue 17)."""

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(column.label for column in self.columns)

    def to_json(self) -> dict[str, Any]:
        """The `matrix.json` document: {"targets": [...], "rules": {id: {target: outcome}},
        "readable": {id: {target: answers read}}}."""
        return {
            "targets": list(self.targets),
            "rules": {rule_id: dict(self.cells[rule_id]) for rule_id in self.rules},
            "readable": {rule_id: dict(self.readable.get(rule_id, {})) for rule_id in self.rules},
        }


def load_matrix(runs: Sequence[tuple[str, Path]]) -> Matrix:
    """Read each run's summary.json; target labels must be unique (they key the JSON)."""
    labels = [label for label, _ in runs]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ValueError(f"target labels must be unique; repeated: {', '.join(duplicates)}")
    columns: list[Column] = []
    all_rules: list[Mapping[str, Any]] = []
    cells: dict[str, dict[str, str]] = {}
    readable: dict[str, dict[str, int]] = {}
    for label, report_dir in runs:
        summary_path = Path(report_dir) / "summary.json"
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"target {label!r}: cannot read {summary_path}: {error}") from error
        code = summary.get("exit_code")
        columns.append(
            Column(
                label=label,
                report_dir=Path(report_dir),
                verdict=str(summary.get("verdict", "unknown")),
                exit_code=code if isinstance(code, int) else None,
                protocol=str((summary.get("target") or {}).get("protocol", "?")),
            )
        )
        for rule in summary.get("rules") or []:
            rule_id = str(rule.get("id"))
            if rule_id not in cells:
                all_rules.append(rule)
                cells[rule_id] = {}
            cells[rule_id][label] = str(rule.get("outcome", "unknown"))
            if isinstance(rule.get("readable"), int):
                readable.setdefault(rule_id, {})[label] = rule["readable"]
    ordered = [rule for members in by_family(all_rules).values() for rule in members]
    return Matrix(
        columns=tuple(columns),
        rules=tuple(str(rule.get("id")) for rule in ordered),
        families={str(rule.get("id")): family_of(rule) for rule in ordered},
        cells=cells,
        readable=readable,
    )


def only_one_target(matrix: Matrix) -> list[tuple[str, str, str]]:
    """(rule id, target, outcome) for rules that fail or are non-strict on exactly one target."""
    found: list[tuple[str, str, str]] = []
    for rule_id in matrix.rules:
        bad = [(t, o) for t, o in matrix.cells[rule_id].items() if o in _DIFF_OUTCOMES]
        if len(bad) == 1:
            found.append((rule_id, *bad[0]))
    return found


def _link(out_dir: Path, column: Column, rule_id: str) -> str:
    relative = os.path.relpath(column.report_dir.resolve() / "index.html", out_dir.resolve())
    return quote(Path(relative).as_posix()) + "#rule-" + quote(rule_id, safe="")


def _cell(
    out_dir: Path, column: Column, rule_id: str, outcome: str | None, read: int | None = None
) -> str:
    if outcome is None:
        return '<td class="o-absent"><span title="not selected in this run">not run</span></td>'
    href = _link(out_dir, column, rule_id)
    on = "" if read is None else f" on {read} answers read"
    count = "" if read is None else f' <small class="muted">{esc(read)}</small>'
    return (
        f'<td class="{outcome_class(outcome)}"><a href="{esc(href)}" '
        f'title="{esc(column.label)}: {esc(rule_id)} {esc(outcome)}{esc(on)}">{esc(outcome)}</a>'
        f"{count}</td>"
    )


def render_matrix_html(out_dir: Path, matrix: Matrix) -> str:
    """The matrix page; links are relative to `out_dir`, where the page will live."""
    heads = "".join(
        f'<th scope="col">{esc(c.label)}<br><small class="muted">{esc(c.protocol)} · '
        f"{esc(c.verdict)} (exit {esc(c.exit_code)} {esc(exit_code_name(c.exit_code))})"
        "</small></th>"
        for c in matrix.columns
    )
    rows: list[str] = []
    family = None
    for rule_id in matrix.rules:
        if matrix.families[rule_id] != family:
            family = matrix.families[rule_id]
            rows.append(
                f'<tr class="fam"><th colspan="{len(matrix.columns) + 1}">{esc(family)}</th></tr>'
            )
        read = matrix.readable.get(rule_id, {})
        cells = "".join(
            _cell(out_dir, c, rule_id, matrix.cells[rule_id].get(c.label), read.get(c.label))
            for c in matrix.columns
        )
        rows.append(f'<tr><th scope="row" class="rule-name">{esc(rule_id)}</th>{cells}</tr>')
    lonely = only_one_target(matrix)
    if lonely:
        items = "".join(
            f'<li><code>{esc(rule_id)}</code>: <span class="badge {outcome_class(outcome)}">'
            f"{esc(outcome)}</span> on <b>{esc(target)}</b> only</li>"
            for rule_id, target, outcome in lonely
        )
        lonely_html = f"<ul>{items}</ul>"
    else:
        lonely_html = '<p class="muted">none</p>'
    if len(matrix.columns) < 2:
        lonely_html += '<p class="muted">(only one target: every failure is listed)</p>'
    body = (
        '<header class="card"><h1>ses-conformance comparison</h1><p class="target-line">'
        f"{len(matrix.rules)} rules × {len(matrix.columns)} targets. Each cell links to the "
        "rule in that target's report; its number is how many answers the outcome rests on "
        "(read as accepted or rejected).</p></header>"
        '<section class="card" id="only-one"><h2>Fails on only one target</h2>'
        f"{lonely_html}</section>"
        '<section class="card"><table class="matrix"><thead><tr>'
        '<th scope="col" class="corner">rule</th>'
        f"{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )
    return page("ses-conformance comparison", body)


def write_matrix_html(out_dir: Path, runs: Sequence[tuple[str, Path]]) -> Path:
    """Write `index.html` and `matrix.json` into `out_dir`; return the page's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    matrix = load_matrix(runs)
    document = json.dumps(matrix.to_json(), indent=2, ensure_ascii=False)
    (out_dir / "matrix.json").write_text(document + "\n", encoding="utf-8")
    path = out_dir / "index.html"
    path.write_text(render_matrix_html(out_dir, matrix), encoding="utf-8")
    return path
