"""`index.html`: the one-file report people open, read and screenshot.

Input is the parsed `summary.json` (docs/architecture.md), nothing else, so a report can be
re-rendered from an old run. The page is self-contained (inline CSS, JS and SVG) because it is
opened from disk and attached to CI runs. Every dynamic string goes through `esc`
(`report/parts.py`, shared with the matrix), which redacts secrets and then HTML-escapes:
response bodies come from untrusted targets.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.report.files import write_atomic
from conformance.report.parts import (
    OUTCOMES,
    PROBLEM_OUTCOMES,
    by_family,
    esc,
    exit_code_name,
    outcome_badge,
    outcome_class,
    page,
    safe_href,
)
from conformance.report.readable import readable_cell, readable_detail
from conformance.report.text import BODY_LIMIT, pretty_body
from conformance.report.uncovered import not_covered_html

EVENTS_SHOWN = 8
"""Equivalence classes shown in a rule's row; all of them are in its details."""


# --- bodies -----------------------------------------------------------------------------


def _header_lines(headers: object) -> list[str]:
    if isinstance(headers, Mapping):
        pairs = list(headers.items())
    elif isinstance(headers, list | tuple):
        pairs = [tuple(pair) for pair in headers if isinstance(pair, list | tuple)]
    else:
        pairs = []
    return [f"{pair[0]}: {pair[1]}" for pair in pairs if len(pair) == 2]


def _wire(first_line: str, headers: object, body: str | None, note: str | None = None) -> str:
    try:
        shown, truncated = pretty_body(body)
    except Exception as exc:  # never lose the page over one body
        shown, truncated = str(body or "")[:BODY_LIMIT], f"shown as text ({type(exc).__name__})"
    lines = [first_line, *_header_lines(headers)]
    text = "\n".join(lines) + ("\n\n" + shown if shown else "")
    notes = [n for n in (note, truncated) if n]
    note_html = "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
    return f"<pre>{esc(text)}</pre>{note_html}"


def _request_html(example: Mapping[str, Any]) -> str:
    request = example.get("request")
    if isinstance(request, Mapping):
        first = f"{request.get('method', 'POST')} {request.get('url', '')}"
        return _wire(first, request.get("headers"), request.get("body"))
    raw = example.get("raw_body_b64")
    if raw:
        try:
            data = base64.b64decode(str(raw), validate=True)
        except (binascii.Error, ValueError):
            return f"<pre>{esc(raw)}</pre>"
        note = f"raw body, {len(data):,} bytes, shown with invalid UTF-8 replaced"
        return _wire("(raw request body)", None, data.decode("utf-8", "replace"), note)
    if example.get("params") is not None:
        return _wire("(parameters)", None, json.dumps(example["params"], ensure_ascii=False))
    return '<p class="muted">no request recorded</p>'


def _response_html(example: Mapping[str, Any]) -> str:
    response = example.get("response")
    transport = example.get("transport")
    if isinstance(response, Mapping):
        capped = (
            "the client stopped reading: the body was longer" if response.get("truncated") else None
        )
        status = f"HTTP {response.get('status', '?')}"
        return _wire(status, response.get("headers"), response.get("body"), capped)
    return f"<pre>{esc('no response: ' + str(transport or 'nothing came back'))}</pre>"


def _command(label: str, text: object) -> str:
    if not text:
        return ""
    return (
        f'<h3>{esc(label)}</h3><div class="cmd"><pre><code>{esc(text)}</code></pre>'
        '<button type="button" class="copy js-only">Copy</button></div>'
    )


# --- the page ---------------------------------------------------------------------------


def _detail_html(rule: Mapping[str, Any]) -> str:
    parts: list[str] = []
    href = safe_href(rule.get("doc_url"))
    if rule.get("quote"):
        cite = f' cite="{esc(href)}"' if href else ""
        parts.append(f"<h3>Documentation</h3><blockquote{cite}>{esc(rule['quote'])}</blockquote>")
    if href:
        parts.append(f'<p><a href="{esc(href)}" rel="noreferrer">{esc(href)}</a></p>')
    elif rule.get("doc_url"):
        parts.append(f"<p>{esc(rule['doc_url'])}</p>")
    events = rule.get("events")
    if isinstance(events, Mapping) and len(events) > EVENTS_SHOWN:
        parts.append(f"<h3>Equivalence classes tried ({len(events)})</h3>{_events_html(events)}")
    parts.append(_classes_html(rule))
    parts.append(readable_detail(rule))
    tests = rule.get("tests") or []
    if tests:
        parts.append("<h3>Checked by</h3><p>" + ", ".join(f"<code>{esc(t)}</code>" for t in tests))
    example = rule.get("counterexample")
    if isinstance(example, Mapping):
        parts.append(
            '<h3>Minimal counterexample</h3><dl class="kv">'
            f"<dt>expected</dt><dd>{esc(example.get('expected', ''))}</dd>"
            f'<dt>actual</dt><dd class="actual">{esc(example.get("actual", ""))}</dd>'
            + (
                f"<dt>transport</dt><dd>{esc(example['transport'])}</dd>"
                if example.get("transport")
                else ""
            )
            + "</dl>"
        )
        problems = example.get("problems") or []
        if problems:
            items = "".join(f"<li>{esc(p)}</li>" for p in problems)
            parts.append(f'<h3>Problems</h3><ul class="problems">{items}</ul>')
        parts.append(
            '<div class="wire-grid"><div><h3>Request</h3>'
            f"{_request_html(example)}</div><div><h3>Response</h3>"
            f"{_response_html(example)}</div></div>"
        )
        parts.append(_command("Replay with curl", example.get("curl")))
        if example.get("eml"):  # a raw message: the message itself, and the SDK's call
            eml = esc(example["eml"])
            parts.append(f'<h3>The message</h3><p><a href="{eml}"><code>{eml}</code></a></p>')
            parts.append(_command("Send with boto3", example.get("boto3")))
        parts.append(_command("Replay with sesconf", example.get("replay")))
    return f'<div class="detail">{"".join(parts)}</div>'


def _classes_html(rule: Mapping[str, Any]) -> str:
    """The rule's declared classes, reached (with counts) and missed (flagged)."""
    classes = rule.get("classes")
    if not isinstance(classes, Mapping) or not classes:
        return ""
    missed = [c for c, n in classes.items() if not _int(n)]
    head = f"{len(classes) - len(missed)} of {len(classes)} reached"
    items = "".join(
        f'<li class="missed">{esc(c)}<b>never</b></li>'
        if not _int(n)
        else f"<li>{esc(c)}<b>\u00d7{esc(n)}</b></li>"
        for c, n in classes.items()
    )
    return (
        f"<h3>Declared classes ({head})</h3>"
        f'<ul class="events classes" aria-label="declared equivalence classes">{items}</ul>'
    )


def _events_html(events: object, *, limit: int | None = None) -> str:
    """Chips `label xcount`, most frequent first; beyond `limit` a `+N more` chip."""
    if not isinstance(events, Mapping) or not events:
        return '<span class="muted">\u2014</span>'
    ranked = sorted(events.items(), key=lambda item: (-_int(item[1]), str(item[0])))
    shown = ranked if limit is None or len(ranked) <= limit else ranked[:limit]
    items = "".join(f"<li>{esc(label)}<b>\u00d7{esc(count)}</b></li>" for label, count in shown)
    if len(shown) < len(ranked):
        items += f'<li class="more">+{len(ranked) - len(shown)} more (open the rule)</li>'
    return f'<ul class="events" aria-label="equivalence classes exercised">{items}</ul>'


def _int(value: object) -> int:
    if not isinstance(value, str | int | float):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _rule_html(rule: Mapping[str, Any]) -> str:
    rule_id = str(rule.get("id", "?"))
    outcome = rule.get("outcome", "unknown")
    problem = outcome in PROBLEM_OUTCOMES
    reason = rule.get("reason")
    level = str(rule.get("level", ""))
    summary = (
        f'<summary><span class="rule-id">{esc(rule_id)}</span>'
        f'<span><span class="level {esc(level)}">{esc(level)}</span></span>'
        f"<span>{outcome_badge(outcome)}</span>"
        f'<span class="num">{esc(rule.get("examples", 0))}{readable_cell(rule)}</span>'
        f"<span>{_events_html(rule.get('events'), limit=EVENTS_SHOWN)}</span>"
        + (f'<span class="reason">{esc(reason)}</span>' if reason else "")
        + "</summary>"
    )
    opened = " open" if outcome in ("fail", "broken") else ""
    return (
        f'<article class="rule {outcome_class(outcome)}" id="rule-{esc(rule_id)}" '
        f'data-rule-id="{esc(rule_id)}" data-outcome="{esc(outcome)}" '
        f'data-problem="{int(problem)}"><details{opened}>{summary}{_detail_html(rule)}'
        "</details></article>"
    )


def family_chart(rules: Sequence[Mapping[str, Any]]) -> str:
    """Inline SVG: one stacked bar per family, one segment per outcome."""
    groups = {
        family: Counter(
            str(r.get("outcome")) if r.get("outcome") in OUTCOMES else "unknown" for r in members
        )
        for family, members in by_family(rules).items()
    }
    if not groups:
        return '<p class="muted">no rules in this run</p>'
    label_w, bar_w, row_h, gap = 170, 640, 24, 10
    unit = bar_w / max(counts.total() for counts in groups.values())
    rows: list[str] = []
    for index, (family, counts) in enumerate(groups.items()):
        y, x = index * (row_h + gap), float(label_w)
        mid = y + row_h / 2 + 5
        rows.append(f'<text x="{label_w - 10}" y="{mid}" text-anchor="end">{esc(family)}</text>')
        for outcome in (*OUTCOMES, "unknown"):
            n = counts[outcome]
            if not n:
                continue
            rows.append(
                f'<rect class="seg {outcome_class(outcome)}" x="{x:.1f}" y="{y}" '
                f'width="{n * unit:.1f}" height="{row_h}" rx="3">'
                f"<title>{esc(family)}: {n} {esc(outcome)}</title></rect>"
            )
            if n * unit >= 18:
                rows.append(
                    f'<text class="in" x="{x + n * unit / 2:.1f}" y="{mid - 1}" '
                    f'text-anchor="middle" aria-hidden="true">{n}</text>'
                )
            x += n * unit
        rows.append(f'<text x="{x + 8:.1f}" y="{mid}">{counts.total()}</text>')
    desc = "; ".join(
        f"{family}: " + ", ".join(f"{n} {o}" for o, n in counts.items())
        for family, counts in groups.items()
    )
    legend = "".join(f'<li class="{outcome_class(o)}"><i></i>{esc(o)}</li>' for o in OUTCOMES)
    return (
        f'<svg viewBox="0 0 {label_w + bar_w + 50} {len(groups) * (row_h + gap)}" role="img" '
        f'aria-labelledby="chart-title chart-desc"><title id="chart-title">Outcomes per '
        f'family</title><desc id="chart-desc">{esc(desc)}</desc>{"".join(rows)}</svg>'
        f'<ul class="legend">{legend}</ul>'
    )


def render_index_html(summary: Mapping[str, Any]) -> str:
    """The whole report page for one run, as a string."""
    target = summary.get("target") or {}
    suite = summary.get("suite") or {}
    hypo = summary.get("hypothesis") or {}
    rules = [r for r in summary.get("rules") or [] if isinstance(r, Mapping)]
    code = summary.get("exit_code")
    tone = "v-ok" if code == 0 else "v-bad" if code == 1 else "v-warn"
    verdict = summary.get("verdict", "unknown")
    code_name = summary.get("exit_name") or exit_code_name(code)
    seed = "\u2014" if hypo.get("seed") is None else hypo["seed"]
    meta = {
        "suite": f"{suite.get('name', 'ses-conformance')} {suite.get('version', '')}",
        "started": summary.get("started_at", ""),
        "duration": f"{float(summary.get('duration_s') or 0):.1f} s",
        "hypothesis": f"profile {hypo.get('profile', '?')} · seed {seed} · "
        f"max_examples {hypo.get('max_examples', '?')}",
        "strict": "yes (SHOULD rules gate)" if summary.get("strict") else "no",
    }
    budget = summary.get("budget") or {}
    if budget.get("scaled"):  # fewer examples than a fast target gets: say so, and why
        meta["budget"] = str(budget.get("why", ""))
    counts = {o: _int((summary.get("counts") or {}).get(o, 0)) for o in OUTCOMES}
    tiles = "".join(
        f'<div class="tile {outcome_class(o)}{" zero" if not counts[o] else ""}">'
        f'<div class="n">{counts[o]}</div><div class="l">{esc(o)}</div></div>'
        for o in OUTCOMES
    )
    families = "".join(
        f'<section class="family" id="family-{esc(family)}"><h2>{esc(family)} '
        f"<small>{len(members)} rule{'s' if len(members) != 1 else ''}</small></h2>"
        + "".join(_rule_html(rule) for rule in members)
        + "</section>"
        for family, members in by_family(rules).items()
    )
    body = (
        f'<header class="card top {tone}"><div><h1>ses-conformance report</h1>'
        f'<p class="target-line">target <b>{esc(target.get("name", "?"))}</b> · protocol '
        f"<code>{esc(target.get('protocol', '?'))}</code> · "
        f'<code>{esc(target.get("url", "?"))}</code></p><dl class="meta">'
        + "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in meta.items())
        + f'</dl></div><div class="verdict"><span class="word">{esc(verdict)}</span>'
        f'<div class="exit">exit code <b>{esc(code)}</b> · {esc(code_name)}</div>'
        f'</div></header><section class="counts card" aria-label="outcome counts">{tiles}'
        f'</section><section class="card chart"><h2>Outcomes per family</h2>'
        f"{family_chart(rules)}</section>"
        '<section class="card"><div class="toolbar js-only"><label>Filter rules '
        '<input type="search" id="filter" placeholder="rule id, e.g. recipients" '
        'autocomplete="off"></label><label><input type="checkbox" id="only-problems"> '
        'only problems</label><button type="button" id="toggle-all">Expand all</button>'
        '<span id="filter-count" class="muted" aria-live="polite"></span></div>'
        '<div class="rule-head" aria-hidden="true"><span>rule</span><span>level</span>'
        "<span>outcome</span><span>examples</span><span>equivalence classes tried</span>"
        f"</div>{families}</section>{not_covered_html(summary.get('not_covered'), esc)}"
        "<footer>Generated from summary.json by "
        f"{esc(suite.get('name', 'ses-conformance'))} {esc(suite.get('version', ''))}. "
        "Bodies come from the target and are shown as text; credentials are redacted."
        "</footer>"
    )
    return page(f"ses-conformance: {target.get('name', '?')} ({verdict})", body)


def write_index_html(report_dir: Path, summary: Mapping[str, Any]) -> Path:
    """Write `index.html` into `report_dir` and return its path."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    return write_atomic(report_dir / "index.html", render_index_html(summary))
