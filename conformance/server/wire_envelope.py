"""The documented JSON envelope: `{"success": true, "data": {...}}` / `{"success": false, ...}`.

Codes: VALIDATION_ERROR (syntax, tags, counts, size, missing or ill-typed members, bad JSON),
MESSAGE_REJECTED (verification, "Email address is not verified..."), THROTTLING (quota,
HTTP 429). Every other request fault is HTTP 400.
"""

from __future__ import annotations

from datetime import timedelta

from werkzeug.wrappers import Request, Response

from conformance.errors import BadJson, BodyTooLarge
from conformance.server.engine import Engine
from conformance.server.http import json_response, parse_json, read_body
from conformance.server.results import Accepted, Kind, Refused
from conformance.server.stamps import format_timestamp
from conformance.server.variants import JSON, created_at_text, error_media_type

PROTOCOL = "envelope"
JSON_TYPES = ("application/json", "")

_CODES: dict[Kind, tuple[str, int]] = {
    Kind.NOT_VERIFIED: ("MESSAGE_REJECTED", 400),
    Kind.THROTTLED: ("THROTTLING", 429),
    Kind.INTERNAL: ("INTERNAL_ERROR", 500),
}
_ALT_CODES: dict[Kind, str] = {
    Kind.INVALID_ADDRESS: "InvalidRecipient",
    Kind.NOT_VERIFIED: "Unverified",
    Kind.THROTTLED: "Throttled",
}


def error(engine: Engine, code: str, message: str, *, status: int = 400) -> Response:
    """The error envelope, with the planted envelope faults applied."""
    on = engine.effects(PROTOCOL)
    body: dict[str, object] = {"success": False, "error": {"code": code, "message": message}}
    if "error-without-message" in on:
        del body["error"]["message"]  # type: ignore[attr-defined]
    if "error-with-data" in on:
        body["data"] = {"id": None}
    if "error-says-success" in on:
        body["success"] = True
    if "status-200-on-error" in on:
        status = 200
    elif "alt-status" in on and status == 400:
        status = 422
    response = json_response(body, status=status)
    if (media := error_media_type(on)) != JSON:
        response.headers["Content-Type"] = media
    return response


def refused(engine: Engine, refusal: Refused) -> Response:
    code, status = _CODES.get(refusal.kind, ("VALIDATION_ERROR", 400))
    if "alt-codes" in engine.effects(PROTOCOL):
        code = _ALT_CODES.get(refusal.kind, "InvalidRequest")
    return error(engine, code, refusal.message, status=refusal.status or status)


def accepted(engine: Engine, result: Accepted) -> Response:
    on = engine.effects(PROTOCOL)
    created = result.created_at - timedelta(days=1 if "created-at-stale" in on else 0)
    stamp = created_at_text(on, format_timestamp(created))
    if "created-at-no-zone" in on:
        stamp = stamp.rstrip("Z")
    data: dict[str, object] = {"id": result.id, "created_at": stamp}
    if "created-at-missing" in on:
        del data["created_at"]
    success: object = "true" if "success-as-string" in on else True
    status = 201 if "alt-status" in on else 200
    if "success-with-500" in on:
        status = 500
    return json_response({"success": success, "data": data}, status=status)


def handle(engine: Engine, request: Request, *, max_body_bytes: int) -> Response:
    """`POST <url>` with a JSON object of SES parameters."""
    if request.method != "POST":
        response = error(
            engine,
            "VALIDATION_ERROR",
            f"Method {request.method} not allowed; use POST.",
            status=405,
        )
        response.headers["Allow"] = "POST"
        return response
    if request.mimetype not in JSON_TYPES and not request.mimetype.endswith("+json"):
        return error(
            engine,
            "VALIDATION_ERROR",
            f"Unsupported Content-Type {request.mimetype!r}; send application/json.",
            status=415,
        )
    try:
        params = parse_json(read_body(request, limit=max_body_bytes))
    except BodyTooLarge as exc:
        return error(engine, "VALIDATION_ERROR", str(exc), status=413)
    except BadJson as exc:
        if "500-on-malformed-json" in engine.effects(PROTOCOL):
            return json_response({"message": "Internal Server Error"}, status=500)
        return error(engine, "VALIDATION_ERROR", str(exc))
    if not isinstance(params, dict):
        return error(
            engine,
            "VALIDATION_ERROR",
            f"The request body must be a JSON object, got a JSON {type(params).__name__}.",
        )
    result = engine.send(params, protocol=PROTOCOL)
    if isinstance(result, Accepted):
        return accepted(engine, result)
    if result.kind is Kind.INTERNAL or (
        result.kind is Kind.WRONG_TYPE and "500-on-wrong-type" in engine.effects(PROTOCOL)
    ):
        return json_response({"message": "Internal Server Error"}, status=500)
    return refused(engine, result)
