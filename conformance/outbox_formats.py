"""Emulators' outbox endpoints, adapted to the suite's hook contract (pure functions).

The suite reads delivered mail from `account.outbox_url` as `{"messages": [{"id", "to",
"cc", "bcc"}, ...]}` (docs/architecture.md). ministack and LocalStack keep the same facts
behind endpoints of their own shape; `account.outbox_format` names the adapter, so the
tests keep one code path and an emulator needs no proxy. It sits in the knowledge layer
because the profile validates `account.outbox_format` against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from conformance.members import DESTINATION_LISTS

__all__ = ["OUTBOX_FORMATS", "Messages", "adapt_outbox", "delivered_to"]

Messages = list[dict[str, Any]]


def _addresses(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ValueError(f"{where}: expected a list of strings, got {value!r:.80}")
    return list(value)


def _contract(data: Any) -> Messages:
    """The suite's own shape, as the reference server serves it."""
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ValueError(f'expected {{"messages": [{{...}}, ...]}}, got {data!r:.80}')
    return messages


def _ministack(data: Any) -> Messages:
    """GET /_ministack/ses/messages: {"messages": {account: [{MessageId, To, CC, BCC}]}}.

    Every account's messages, in the order each account's list holds them (ministack
    appends on send, ministack/app.py `_handle_ses_messages_request`).
    """
    groups = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(groups, dict):
        raise ValueError(f'expected {{"messages": {{account: [...]}}}}, got {data!r:.80}')
    found: Messages = []
    for account, records in groups.items():
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ValueError(f"messages.{account}: expected a list of objects, got {records!r:.80}")
        for record in records:
            where = f"messages.{account}[{record.get('MessageId')!r}]"
            found.append(_message(record.get("MessageId"), where, record, ("To", "CC", "BCC")))
    return found


def _localstack(data: Any) -> Messages:
    """GET /_aws/ses: {"messages": [{Id, Destination: {ToAddresses, CcAddresses, ...}}]}."""
    records = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        shape = '{"messages": [{"Id", "Destination"}, ...]}'
        raise ValueError(f"expected {shape}, got {data!r:.80}")
    found: Messages = []
    for record in records:
        where = f"messages[{record.get('Id')!r}]"
        destination = record.get("Destination")
        destination = {} if destination is None else destination
        if not isinstance(destination, dict):
            raise ValueError(f"{where}.Destination: expected an object, got {destination!r:.80}")
        found.append(_message(record.get("Id"), where, destination, DESTINATION_LISTS))
    return found


def _message(
    ident: Any, where: str, record: Mapping[str, Any], lists: Sequence[str]
) -> dict[str, Any]:
    """One message of the hook contract, from an emulator's names for To, Cc and Bcc."""
    message: dict[str, Any] = {"id": ident}
    for key, member in zip(("to", "cc", "bcc"), lists, strict=True):
        message[key] = _addresses(record.get(member), f"{where}.{member}")
    return message


def delivered_to(message: Mapping[str, Any]) -> list[str]:
    """Every recipient of one outbox message of the contract: To, then Cc, then Bcc."""
    return [*message.get("to", []), *message.get("cc", []), *message.get("bcc", [])]


OUTBOX_FORMATS: Mapping[str, Callable[[Any], Messages]] = {
    "contract": _contract,
    "ministack": _ministack,
    "localstack": _localstack,
}
"""`account.outbox_format` -> the adapter from that endpoint's JSON to the contract."""


def adapt_outbox(outbox_format: str, data: Any) -> Messages:
    """The contract's messages from an outbox endpoint's JSON; ValueError naming the shape."""
    if outbox_format not in OUTBOX_FORMATS:
        known = ", ".join(OUTBOX_FORMATS)
        raise ValueError(f"account.outbox_format: unknown {outbox_format!r}; known: {known}")
    return OUTBOX_FORMATS[outbox_format](data)
