"""A raw message's counterexample as a user replays it outside the suite: the message itself,
written to `<report dir>/counterexamples/<rule>.eml`, and one boto3 line that sends it.

The curl line replays the exact bytes the suite sent; these two are for a reader who wants
to open the message in a mail client, or send it with the SDK their application uses.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from conformance.raw import raw_data
from conformance.report.files import write_atomic

__all__ = ["FOLDER", "boto3_line", "write_raw_counterexamples"]

FOLDER: Final = "counterexamples"


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def boto3_line(params: Mapping[str, Any], eml: Path, target: Mapping[str, Any]) -> str:
    """`python -c '...'` sending the message at `eml` as the run did: SendRawEmail over
    ses-query, SESv2 SendEmail with Content.Raw over sesv2 (Source and Destinations, when
    the request had them). Credentials come from the caller's environment, as boto3 reads
    them."""
    source = params.get("Source") if isinstance(params.get("Source"), str) else None
    destinations = _strings(params.get("Destinations"))
    data = f"open({str(eml)!r}, 'rb').read()"
    v2 = target.get("protocol") == "sesv2"
    service, method = ("sesv2", "send_email") if v2 else ("ses", "send_raw_email")
    args = [f"Content={{'Raw': {{'Data': {data}}}}}" if v2 else f"RawMessage={{'Data': {data}}}"]
    if source is not None:
        args.append(f"{'FromEmailAddress' if v2 else 'Source'}={source!r}")
    if destinations is not None:
        listed = f"{{'ToAddresses': {destinations!r}}}" if v2 else repr(destinations)
        args.append(f"{'Destination' if v2 else 'Destinations'}={listed}")
    call = (
        f"boto3.client({service!r}, endpoint_url={target.get('url')!r}, "
        f"region_name={target.get('region') or 'us-east-1'!r}).{method}({', '.join(args)})"
    )
    return "python -c " + shlex.quote(f"import boto3; print({call})")


def write_raw_counterexamples(report_dir: Path, summary: Mapping[str, Any]) -> None:
    """For each rule whose counterexample is a raw message: the .eml file, and the
    counterexample's `eml` (its path in the report) and `boto3` keys."""
    target = summary.get("target")
    if not isinstance(target, Mapping) or target.get("protocol") not in ("ses-query", "sesv2"):
        return
    for rule in summary.get("rules") or []:
        example = rule.get("counterexample") if isinstance(rule, Mapping) else None
        if not isinstance(example, dict):
            continue
        params = example.get("params")
        if not isinstance(params, Mapping):
            continue
        message = raw_data(params)
        if message is None:  # not a raw message, or Data no .eml could hold as sent
            continue
        relative = Path(FOLDER) / f"{rule['id']}.eml"
        path = write_atomic(report_dir / relative, message)
        example["eml"] = str(relative)
        example["boto3"] = boto3_line(params, path, target)
