"""The pieces every report page and the terminal table share: the outcome words and their
symbols, the rules in catalogue order grouped by family, the exit code's name, and the
self-contained HTML page around a body. Every dynamic string on a page goes through
`esc`, which redacts secrets and then HTML-escapes: response bodies come from untrusted
targets.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.redact import redact
from conformance.report.text import printable
from conformance.rules import RULES

OUTCOMES: tuple[str, ...] = ("pass", "fail", "non-strict", "skip", "broken")
"""Every outcome a rule can have, in display order."""
PROBLEM_OUTCOMES: frozenset[str] = frozenset({"fail", "non-strict", "broken"})
SYMBOLS: Mapping[str, str] = {
    "pass": "\u2713",
    "fail": "\u2717",
    "non-strict": "!",
    "skip": "\u2013",
    "broken": "\u26a0",
}


def esc(value: object) -> str:
    """Redacted, HTML-escaped text with control bytes shown escaped (`\\x00`): the only way
    a dynamic value reaches a page."""
    return html.escape(printable(redact("" if value is None else str(value))), quote=True)


def outcome_class(outcome: object) -> str:
    """CSS class for an outcome; unknown outcomes get a neutral colour, not a crash."""
    return f"o-{outcome}" if outcome in OUTCOMES else "o-unknown"


def outcome_badge(outcome: object) -> str:
    """Colour plus symbol plus the outcome word: readable without colour."""
    symbol = SYMBOLS.get(str(outcome), "?")
    return (
        f'<span class="badge {outcome_class(outcome)}"><span aria-hidden="true">{symbol}</span> '
        f"{esc(outcome)}</span>"
    )


def asset(name: str) -> str:
    """The text of a bundled asset (CSS/JS), for inlining."""
    return resources.files("conformance.report").joinpath("assets", name).read_text("utf-8")


def page(title: str, body: str) -> str:
    """A complete self-contained HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en" class="no-js"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{asset('report.css')}</style></head>"
        f"<body><main>{body}</main><script>{asset('report.js')}</script></body></html>\n"
    )


def safe_href(url: object) -> str | None:
    """`url` when it is http(s), else None: a target-controlled `javascript:` never links."""
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else None


def ordered_rules(rules: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Rules in catalogue order; ids the catalogue does not know keep their order, last."""
    position = {rule_id: index for index, rule_id in enumerate(RULES)}
    indexed = list(enumerate(rules))
    indexed.sort(key=lambda pair: (position.get(str(pair[1].get("id")), len(position)), pair[0]))
    return [rule for _, rule in indexed]


def family_of(rule: Mapping[str, Any]) -> str:
    return str(rule.get("family") or str(rule.get("id", "")).split(".", 1)[0])


def by_family(rules: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Families in order of their first rule (catalogue order)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for rule in ordered_rules(rules):
        groups.setdefault(family_of(rule), []).append(rule)
    return groups


def exit_code_name(code: object) -> str:
    try:
        return ExitCode(int(code)).name  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "UNKNOWN"
