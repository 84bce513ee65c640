"""The reference server: the three wire protocols and the test hooks on one port.

Routing: `/_reset` and `/_outbox` are the test hooks; `/v2/...` is SESv2; a form body
(`application/x-www-form-urlencoded`, or a GET with `Action=`) is the SES Query API; any
other path takes the JSON envelope. AWS signatures are NOT checked on any route: the
server is a strict mock of the rules, not of IAM.

It never answers 5xx for a request (unless a planted fault says so): a catch-all turns
an internal exception into the route's 400 error form, logs it and counts it in
`engine.internal_errors`. Bodies over `max_body_bytes` are refused from their
Content-Length without being read; chunked bodies are read to at most limit + 1 bytes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from conformance.profile import TargetProfile
from conformance.server import wire_envelope, wire_query, wire_sesv2
from conformance.server.engine import Engine
from conformance.server.http import DEFAULT_MAX_BODY_BYTES, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("conformance.server")

HANDLER_TIMEOUT_S = 30.0


def route(request: Request) -> str:
    """`hook`, `sesv2`, `ses-query` or `envelope` for this request."""
    path = request.path
    if path.startswith("/_"):
        return "hook"
    if path == "/v2" or path.startswith("/v2/"):
        return "sesv2"
    if request.mimetype == wire_query.FORM_TYPE:
        return "ses-query"
    if request.method == "GET" and "Action" in request.args:
        return "ses-query"
    return "envelope"


class ReferenceApp:
    """The WSGI application; `engine` holds the state tests inspect."""

    def __init__(
        self, profile: TargetProfile, *, fault: str | None = None, max_body_bytes: int
    ) -> None:
        if (
            isinstance(max_body_bytes, bool)
            or not isinstance(max_body_bytes, int)
            or max_body_bytes < 1
        ):
            raise ValueError(f"max_body_bytes: expected an integer >= 1, got {max_body_bytes!r}")
        self.engine = Engine(profile, fault=fault)
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        kind = "envelope"
        try:
            kind = route(request)
            response = self._dispatch(kind, request)
        except Exception:  # the catch-all: a bug must not become a 5xx
            self.engine.record_internal_error()
            log.exception("internal error on %s %s", request.method, request.path)
            response = self._error(kind, "Internal error while handling the request.")
        return response(environ, start_response)

    def _dispatch(self, kind: str, request: Request) -> Response:
        limit = self.max_body_bytes
        if kind == "hook":
            return self._hook(request)
        if kind == "sesv2":
            return wire_sesv2.handle(self.engine, request, max_body_bytes=limit)
        if kind == "ses-query":
            return wire_query.handle(self.engine, request, max_body_bytes=limit)
        return wire_envelope.handle(self.engine, request, max_body_bytes=limit)

    def _error(self, kind: str, message: str) -> Response:
        if kind == "sesv2":
            return wire_sesv2.error("BadRequestException", message)
        if kind == "ses-query":
            return wire_query.error(self.engine, "InvalidParameterValue", message)
        return wire_envelope.error(self.engine, "VALIDATION_ERROR", message)

    def _hook(self, request: Request) -> Response:
        hooks = {"/_reset": "POST", "/_outbox": "GET"}
        method = hooks.get(request.path)
        if method is None:
            return wire_envelope.error(
                self.engine, "NOT_FOUND", f"No test hook at {request.path[:100]}.", status=404
            )
        if request.method != method:
            response = wire_envelope.error(
                self.engine, "VALIDATION_ERROR", f"Use {method} for {request.path}.", status=405
            )
            response.headers["Allow"] = method
            return response
        if request.path == "/_reset":
            self.engine.reset()
            return json_response({"reset": True}, status=200)
        return json_response({"messages": self.engine.outbox()}, status=200)


def make_app(
    profile: TargetProfile,
    *,
    fault: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> ReferenceApp:
    """The reference WSGI app; `fault` plants one of `FAULTS` (ValueError if unknown)."""
    return ReferenceApp(profile, fault=fault, max_body_bytes=max_body_bytes)


class _Handler(WSGIRequestHandler):
    """Werkzeug's handler with a socket timeout, so a stalled client frees its thread."""

    timeout = HANDLER_TIMEOUT_S


class _QuietHandler(_Handler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log in tests and embedded runs."""


class RunningServer:
    """A reference server on a daemon thread; `url` ends with `/`. A context manager."""

    def __init__(self, server: BaseWSGIServer, app: ReferenceApp, profile: TargetProfile) -> None:
        self._server = server
        self.app = app
        self.engine = app.engine
        host = server.server_address[0]
        self.url = f"http://{host}:{server.server_port}/"
        self.profile = profile.with_url(self.url)
        """The given profile moved to this server (test hooks included)."""
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"reference-server-{server.server_port}", daemon=True
        )
        self._thread.start()
        self._stopped = False

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(
    profile: TargetProfile,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    fault: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    quiet: bool = True,
) -> RunningServer:
    """Serve the reference app on a free port (port 0) in a background thread."""
    _check_address(host, port)
    app = make_app(profile, fault=fault, max_body_bytes=max_body_bytes)
    handler = _QuietHandler if quiet else _Handler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    return RunningServer(server, app, profile)


def serve_forever(
    profile: TargetProfile,
    *,
    host: str = "127.0.0.1",
    port: int = 8025,
    fault: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> None:
    """Serve in the foreground until interrupted (`sesconf serve`)."""
    _check_address(host, port)
    app = make_app(profile, fault=fault, max_body_bytes=max_body_bytes)
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    log.info("reference server on http://%s:%d/", host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _check_address(host: Any, port: Any) -> None:
    if not isinstance(host, str) or not host:
        raise ValueError(f"host: expected a non-empty string, got {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port: expected an integer 0-65535, got {port!r}")
