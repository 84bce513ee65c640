"""The report's "Not covered" card: what the run does not check, so that a green report
never claims more than the suite judges."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from conformance.rules import NOT_COVERED


def not_covered_html(listed: object, esc: Callable[[object], str]) -> str:
    """summary.json's `not_covered` as a card, each string through the report's `esc`; a
    summary written before the key existed gets the catalogue's list (those parts were
    never covered)."""
    if listed is None:
        listed = [{"what": item.what, "why": item.why} for item in NOT_COVERED]
    items = [i for i in listed if isinstance(i, Mapping)] if isinstance(listed, list) else []
    if not items:
        return ""
    rows = "".join(
        f"<li><b>{esc(item.get('what', '?'))}</b>: {esc(item.get('why', ''))}</li>"
        for item in items
    )
    return (
        '<section class="card" id="not-covered"><h2>Not covered</h2><p class="muted">'
        f"No rule of this suite judges these parts of the API.</p><ul>{rows}</ul></section>"
    )
