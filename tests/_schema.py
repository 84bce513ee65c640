"""summary.json read back as its JSON Schema says it is (`sesconf schema`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from conformance.report.summary import schema_text

SCHEMA = json.loads(schema_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def valid_summary(report_dir: Path) -> dict[str, Any]:
    """<report_dir>/summary.json, after asserting it follows the shipped schema."""
    summary: dict[str, Any] = json.loads((report_dir / "summary.json").read_text("utf-8"))
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in VALIDATOR.iter_errors(summary)
    ]
    assert [] == errors
    return summary
