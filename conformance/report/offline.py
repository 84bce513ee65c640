"""Reports never call out: make built HTML load nothing from outside its own folder.

A conformance report holds target URLs and request bodies, so opening one must not tell
anyone. Our own pages are self-contained (report/html.py, with a `default-src 'none'`
policy); the Allure 3 report is not: its templates hard-code Google Analytics (a gtag
loader, then the report's id sent to Google). `make_offline` rewrites every HTML file of a
built report: scripts, stylesheets, fonts, images and frames fetched from the network are
dropped, analytics snippets removed, and a Content-Security-Policy added that confines what
the page's own scripts load to the report itself. Links the reader clicks are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path

POLICY = (
    "default-src 'self' file: data: blob:; "
    "script-src 'self' file: 'unsafe-inline' 'unsafe-eval' blob:; "
    "style-src 'self' file: 'unsafe-inline' data: blob:; "
    "connect-src 'self' file: data: blob:; "
    "object-src 'none'; base-uri 'self' file:; form-action 'none'"
)
"""What a built report may load: itself (served, or opened from disk), and inline data.
`file:` lets a report opened from disk load its own files; it reaches no network."""
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'

_NETWORK = r"""(?:[a-z][a-z0-9+.-]*:)?//"""  # http://, https://, ws://, or scheme-relative //
_REMOTE_SCRIPT = re.compile(
    rf"""<script\b[^>]*\bsrc\s*=\s*["']?{_NETWORK}[^>]*>.*?</script\s*>""", re.I | re.S
)
_INLINE_SCRIPT = re.compile(r"<script\b[^>]*>(?P<body>.*?)</script\s*>", re.I | re.S)
_ANALYTICS = re.compile(
    r"gtag\(|dataLayer|googletagmanager|google-analytics|_paq\b|plausible|segment\.com", re.I
)
_REMOTE_LINK = re.compile(rf"""<link\b[^>]*\bhref\s*=\s*["']?{_NETWORK}[^>]*>""", re.I)
_REMOTE_SRC = re.compile(
    rf"""(<(?:img|iframe|source|video|audio|embed|track|input|frame)\b[^>]*?)"""
    rf"""\s(?:src|srcset|poster|data)\s*=\s*["']?{_NETWORK}[^"'\s>]*["']?""",
    re.I,
)
_REMOTE_CSS = re.compile(
    rf"""@import\s+(?:url\()?\s*["']?{_NETWORK}[^;]*;|url\(\s*["']?{_NETWORK}[^)]*\)""", re.I
)
_EXISTING_CSP = re.compile(r"""<meta\b[^>]*http-equiv\s*=\s*["']?content-security-policy""", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)


def neutralise(text: str) -> tuple[str, list[str]]:
    """(the page with nothing fetched from the network, what was removed)."""
    removed: list[str] = []

    def drop(match: re.Match[str]) -> str:
        removed.append(" ".join(match.group(0).split())[:200])
        return ""

    def drop_analytics(match: re.Match[str]) -> str:
        return drop(match) if _ANALYTICS.search(match.group("body")) else match.group(0)

    def drop_src(match: re.Match[str]) -> str:
        removed.append(" ".join(match.group(0).split())[:200])
        return match.group(1)

    text = _REMOTE_SCRIPT.sub(drop, text)
    text = _INLINE_SCRIPT.sub(drop_analytics, text)
    text = _REMOTE_LINK.sub(drop, text)
    text = _REMOTE_SRC.sub(drop_src, text)
    text = _REMOTE_CSS.sub(drop, text)
    if not _EXISTING_CSP.search(text):
        head = _HEAD.search(text)
        at = head.end() if head else 0
        text = text[:at] + CSP_META + text[at:]
    return text, removed


def make_offline(folder: Path) -> list[str]:
    """Neutralise every HTML file under `folder` in place; what was removed, per file."""
    removed: list[str] = []
    for page in sorted(folder.rglob("*.htm*")):
        if not page.is_file():
            continue
        text = page.read_text("utf-8", errors="surrogateescape")
        clean, dropped = neutralise(text)
        if clean != text:
            page.write_text(clean, "utf-8", errors="surrogateescape")
        removed.extend(f"{page.relative_to(folder)}: {item}" for item in dropped)
    return removed
