"""An OpenAPI 3.0 description of the envelope API, for schemathesis in the side-by-side bench.

It says what the documentation says (protocols.md §1): `POST` a JSON object of SES
SendEmail parameters; 2xx with the success envelope, 4xx with the error envelope.
"""

from __future__ import annotations

from typing import Any

_CONTENT: dict[str, Any] = {
    "type": "object",
    "required": ["Data"],
    "properties": {"Data": {"type": "string"}, "Charset": {"type": "string"}},
}
_ADDRESSES: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["Source", "Destination", "Message"],
    "properties": {
        "Source": {"type": "string"},
        "Destination": {
            "type": "object",
            "properties": {
                "ToAddresses": _ADDRESSES,
                "CcAddresses": _ADDRESSES,
                "BccAddresses": _ADDRESSES,
            },
        },
        "Message": {
            "type": "object",
            "required": ["Subject", "Body"],
            "properties": {
                "Subject": {"$ref": "#/components/schemas/Content"},
                "Body": {
                    "type": "object",
                    "properties": {
                        "Text": {"$ref": "#/components/schemas/Content"},
                        "Html": {"$ref": "#/components/schemas/Content"},
                    },
                },
            },
        },
        "ReplyToAddresses": _ADDRESSES,
        "ReturnPath": {"type": "string"},
    },
}
_SUCCESS: dict[str, Any] = {
    "type": "object",
    "required": ["success", "data"],
    "properties": {
        "success": {"type": "boolean", "enum": [True]},
        "data": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "created_at": {"type": "string"}},
        },
    },
}
_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["success", "error"],
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}


def _answer(description: str, schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def envelope_openapi() -> dict[str, Any]:
    """The description as a JSON-ready dict; the server is given on the command line."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "SES SendEmail, envelope protocol", "version": "1"},
        "paths": {
            "/": {
                "post": {
                    "operationId": "SendEmail",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SendEmailRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": _answer("accepted", "Success"),
                        "400": _answer("refused", "Error"),
                        "413": _answer("too large", "Error"),
                        "415": _answer("not JSON", "Error"),
                        "429": _answer("over the quota", "Error"),
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Content": _CONTENT,
                "SendEmailRequest": _REQUEST,
                "Success": _SUCCESS,
                "Error": _ERROR,
            }
        },
    }
