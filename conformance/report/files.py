"""Report files are replaced whole: a run killed mid-write leaves the old file or the new."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, text: str | bytes) -> Path:
    """Write `text` (as UTF-8; bytes as they are) to a temporary file beside `path`, then
    rename it over `path`.

    Lone surrogates (a generated address may hold one) are written as `\\udxxx` escapes,
    which JSON reads back as the same string, instead of failing the write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        data = text if isinstance(text, bytes) else text.encode("utf-8", "backslashreplace")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path
