"""SES API v2 (rest-json): `POST /v2/email/outbound-emails` and two account routes.

Signatures are not checked. Errors carry the code in `x-amzn-ErrorType` and the body
`{"message": ...}`: BadRequestException (400) for request faults, MessageRejected (400)
for verification, TooManyRequestsException (429) for quota. Only `Content.Simple` is
supported. The size limit is 40 MB unless the profile pins another.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from conformance.errors import BadJson, BodyTooLarge
from conformance.raw import is_raw
from conformance.server.engine import Engine
from conformance.server.http import json_response, parse_json, read_body, request_id
from conformance.server.rate import enforced_or
from conformance.server.raw import send_raw
from conformance.server.results import Kind, Refused

PROTOCOL = "sesv2"
SEND_PATH = "/v2/email/outbound-emails"
ACCOUNT_PATH = "/v2/email/account"
IDENTITIES_PATH = "/v2/email/identities"

_CODES: dict[Kind, tuple[str, int]] = {
    Kind.NOT_VERIFIED: ("MessageRejected", 400),
    Kind.THROTTLED: ("TooManyRequestsException", 429),
    Kind.INTERNAL: ("InternalFailure", 500),
}
_PATHS = (  # v1 member paths in engine messages -> their v2 names
    ("'source'", "'fromEmailAddress'"),
    ("'message.", "'content.simple."),
    ("'message'", "'content.simple'"),
)


def error(
    code: str, message: str, *, status: int = 400, on: frozenset[str] = frozenset()
) -> Response:
    rid = request_id()
    headers = {"x-amzn-ErrorType": code, "x-amzn-RequestId": rid}
    if "sesv2-no-error-type" in on:
        del headers["x-amzn-ErrorType"]
    if "status-200-on-error" in on:
        status = 200
    return json_response({"message": message}, status=status, headers=headers)


def refused(refusal: Refused, engine: Engine | None = None) -> Response:
    code, status = _CODES.get(refusal.kind, ("BadRequestException", 400))
    message = refusal.message
    if refusal.kind in (Kind.MISSING_MEMBER, Kind.WRONG_TYPE):
        for old, new in _PATHS:
            message = message.replace(old, new)
    on = engine.effects(PROTOCOL) if engine is not None else frozenset()
    return error(code, message, status=refusal.status or status, on=on)


_V1_NAMES = (
    ("FromEmailAddressIdentityArn", "SourceArn"),
    ("FeedbackForwardingEmailAddress", "ReturnPath"),
    ("FeedbackForwardingEmailAddressIdentityArn", "ReturnPathArn"),
)


def to_params(body: dict[str, Any]) -> dict[str, Any]:
    """The v2 request in SES v1 parameter names, so the one engine judges both."""
    params: dict[str, Any] = {}
    if "FromEmailAddress" in body:
        params["Source"] = body["FromEmailAddress"]
    if "Destination" in body:
        params["Destination"] = body["Destination"]
    content = body.get("Content")
    if isinstance(content, dict) and "Raw" in content:
        return _raw_params(body, content["Raw"])
    if content is not None:
        params["Message"] = content.get("Simple") if isinstance(content, dict) else content
    for key in ("ReplyToAddresses", "ConfigurationSetName"):
        if key in body:
            params[key] = body[key]
    if "EmailTags" in body:
        params["Tags"] = body["EmailTags"]
    for v2, v1 in _V1_NAMES:  # so their types are checked as over v1
        if v2 in body:
            params[v1] = body[v2]
    return params


def _raw_params(body: dict[str, Any], raw: Any) -> dict[str, Any]:
    """`Content.Raw` in v1 names: RawMessage, Source, Destinations (every list of the
    Destination; a Destination of another shape is kept for the raw checks to refuse)."""
    params: dict[str, Any] = {"RawMessage": raw}
    if "FromEmailAddress" in body:
        params["Source"] = body["FromEmailAddress"]
    destination = body.get("Destination")
    if isinstance(destination, dict):
        lists = [destination.get(k) for k in ("ToAddresses", "CcAddresses", "BccAddresses")]
        if all(v is None or isinstance(v, list) for v in lists):
            params["Destinations"] = [a for v in lists if v for a in v]
        else:
            params["Destinations"] = destination
    elif destination is not None:
        params["Destinations"] = destination
    return params


def handle(engine: Engine, request: Request, *, max_body_bytes: int) -> Response:
    path = request.path.rstrip("/")
    routes = {SEND_PATH: "POST", ACCOUNT_PATH: "GET", IDENTITIES_PATH: "POST"}
    if path not in routes:
        return error("NotFoundException", f"No such resource: {request.path[:100]}", status=404)
    if request.method != routes[path]:
        response = error(
            "MethodNotAllowedException", f"Method {request.method} not allowed.", status=405
        )
        response.headers["Allow"] = routes[path]
        return response
    if path == ACCOUNT_PATH:
        return _account(engine)
    try:
        body = parse_json(read_body(request, limit=max_body_bytes))
    except BodyTooLarge as exc:
        return error("BadRequestException", str(exc), status=413)
    except BadJson as exc:
        return error("BadRequestException", str(exc))
    if not isinstance(body, dict):
        return error("BadRequestException", "The request body must be a JSON object.")
    if path == IDENTITIES_PATH:
        return _create_identity(engine, body)
    params = to_params(body)
    if is_raw(params):
        outcome = send_raw(engine, params, protocol=PROTOCOL)
    else:
        outcome = engine.send(params, protocol=PROTOCOL)
    if isinstance(outcome, Refused):
        return refused(outcome, engine)
    on = engine.effects(PROTOCOL)
    body = {} if "sesv2-no-message-id" in on else {"MessageId": outcome.id}
    status = 500 if "success-with-500" in on else 200
    return json_response(body, status=status, headers={"x-amzn-RequestId": request_id()})


def _account(engine: Engine) -> Response:
    quota = {
        "Max24HourSend": float(engine.max_24h_send),
        "MaxSendRate": 1.0 if engine.profile.account.sandbox else 14.0,
        "SentLast24Hours": float(engine.sent_last_24h),
    }
    quota["MaxSendRate"] = enforced_or(engine.bucket, quota["MaxSendRate"])
    return json_response(
        {
            "SendQuota": quota,
            "SendingEnabled": True,
            "ProductionAccessEnabled": not engine.profile.account.sandbox,
        },
        status=200,
    )


def _create_identity(engine: Engine, body: dict[str, Any]) -> Response:
    identity = body.get("EmailIdentity")
    if not isinstance(identity, str) or not identity:
        return error("BadRequestException", "EmailIdentity must be a non-empty string.")
    if "@" in identity:
        engine.verify_address(identity)
        kind = "EMAIL_ADDRESS"
    else:
        engine.verify_domain(identity)
        kind = "DOMAIN"
    return json_response({"IdentityType": kind, "VerifiedForSendingStatus": True}, status=200)
