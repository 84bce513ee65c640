"""The reference server: the three wire protocols and the test hooks on one port.

Routing: `/_reset` and `/_outbox` are the test hooks; `/v2/...` is SESv2; a form body
(`application/x-www-form-urlencoded`, or a GET with `Action=`) is the SES Query API; any
other path takes the JSON envelope. AWS signatures are NOT checked on any route: the
server is a strict mock of the rules, not of IAM.

It never answers 5xx for a request (unless a planted fault says so): a catch-all turns
an internal exception into the route's 400 error form, logs it and counts it in
`engine.internal_errors`. Bodies over `max_body_bytes` are refused from their
Content-Length without being read; chunked bodies are read to at most limit + 1 bytes.

Served by cheroot (a thread pool, HTTP/1.1 keep-alive). The serving layer reads a body
within the limit before the app runs, answers HTTP framing errors itself with a 4xx
(cheroot's own 5xx answers become 400s), and closes a connection whose body was not read.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server
from cheroot import wsgi as cheroot_wsgi
from werkzeug.wrappers import Request, Response

from conformance.profile import TargetProfile
from conformance.server import wire_envelope, wire_query, wire_sesv2
from conformance.server.engine import Engine
from conformance.server.http import DEFAULT_MAX_BODY_BYTES, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("conformance.server")
_access_log = logging.getLogger("conformance.server.access")

SOCKET_TIMEOUT_S = 30
"""A stalled client frees its worker thread after this long; also the keep-alive idle time."""
THREADS = 24
"""cheroot's worker pool: requests served at once (idle kept-alive connections hold none)."""
KEEP_ALIVE_LIMIT = 128
"""Idle kept-alive connections held open at once; past it, answers say `Connection: close`."""
MAX_HEADER_BYTES = 1 << 20
"""Request line plus headers; more gets cheroot's 414 or 413."""
_CHUNK = 1 << 16


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
        self.engine.begin_request()
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


class _HeaderReader(cheroot_server.HeaderReader):
    """cheroot's header parser, refusing a repeated Content-Length (one per request)."""

    def __init__(self) -> None:
        self._lengths = 0

    def _allow_header(self, key_name: bytes) -> bool:
        if key_name == b"Content-Length":
            self._lengths += 1
            if self._lengths > 1:
                raise ValueError("Repeated Content-Length header.")
        return True


class _Request(cheroot_server.HTTPRequest):
    """cheroot's request parser, stricter on framing; its own 5xx answers become 400s."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_reader = _HeaderReader()

    def read_request_headers(self) -> bool:
        if not super().read_request_headers():  # type: ignore[no-untyped-call]  # cheroot is untyped
            return False
        length = self.inheaders.get(b"Content-Length")
        if length is not None and not length.isdigit():  # cheroot takes int(): "-5", "+5", "1_0"
            self.simple_response("400 Bad Request", "Malformed Content-Length Header.")
            return False
        if length is not None and self.chunked_read:  # a request smuggling shape
            self.simple_response(
                "400 Bad Request", "Both Content-Length and Transfer-Encoding: chunked."
            )
            return False
        return True

    def simple_response(self, status: object, msg: str = "") -> None:
        status = str(status)
        if status.startswith("5"):
            # cheroot answers 501 (unknown Transfer-Encoding), 505 (HTTP/2+ request line)
            # and 500 (an exception escaped the app, or an odd socket error) itself.
            if status.startswith("500"):
                self.server.wsgi_app.engine.record_internal_error()
            msg = msg or status
            status = "400 Bad Request"
        if not status.startswith(("100", "2", "3")):
            self.close_connection = True
        super().simple_response(status, msg)


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


class _Gateway(cheroot_wsgi.Gateway_10):
    """Reads the body (bounded) before the app runs; HTTP framing errors are answered here.

    A Content-Length body within the app's limit, or a chunked body up to limit + 1 bytes,
    is read into memory, so a short, malformed or stalled body is an HTTP-level 400/408
    and never an exception inside the app. A body the app refuses from its Content-Length
    is never read: the connection is then closed after the answer.
    """

    def respond(self) -> None:
        req = self.req
        try:
            if self._buffer_body():
                super().respond()
        finally:
            if req.server.access_log:
                _access_log.info(
                    '%s "%s %s %s" %s',
                    self.env.get("REMOTE_ADDR", "-"),
                    req.method.decode("latin-1"),
                    req.uri.decode("latin-1"),
                    req.request_protocol.decode("latin-1"),
                    (req.status or b"-")[:3].decode("latin-1"),
                )

    def _buffer_body(self) -> bool:
        req = self.req
        limit = req.server.wsgi_app.max_body_bytes
        rfile = req.rfile
        if req.chunked_read:
            want = limit + 1
            # cheroot reads a whole chunk at once: bound one chunk (framing allowed for).
            rfile.maxlen = 2 * limit + _CHUNK
        else:
            want = rfile.remaining
            if want == 0 or want > limit:  # nothing to read, or refused from the length
                return True
        chunks: list[bytes] = []
        total = 0
        try:
            while total < want:
                chunk = rfile.read(min(_CHUNK, want - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if req.chunked_read and rfile.closed:
                for _ in rfile.read_trailer_lines():  # to the blank line ending the body
                    pass
        except cheroot_errors.MaxSizeExceeded:
            return self._refuse("413 Request Entity Too Large", "A chunk is over the limit.")
        except ValueError as exc:  # cheroot's chunked decoding
            return self._refuse("400 Bad Request", f"Malformed chunked body: {exc}")
        except OSError as exc:
            if "Too Large" in str(exc):  # cheroot's IOError for a chunk past maxlen
                return self._refuse("413 Request Entity Too Large", "A chunk is too large.")
            raise  # a socket error or timeout: cheroot answers 408 or drops the connection
        if not req.chunked_read and total < want:
            return self._refuse("400 Bad Request", "The body is shorter than its Content-Length.")
        self.env["wsgi.input"] = io.BytesIO(b"".join(chunks))
        return True

    def _refuse(self, status: str, message: str) -> bool:
        self.req.simple_response(status, message)
        self.req.sent_headers = True
        return False

    def start_response(self, status: str, headers: Any, exc_info: Any = None) -> Any:
        # The app has read all it will read by now. cheroot would otherwise read the
        # rest (unbounded) before answering, or parse leftover chunks as the next request.
        req = self.req
        if req.chunked_read:
            if not req.rfile.closed:
                req.close_connection = True
        elif req.rfile.remaining > 0:
            req.close_connection = True
        return super().start_response(status, headers, exc_info)


class _Server(cheroot_wsgi.Server):
    """cheroot's thread-pooled WSGI server, logging to `conformance.server`."""

    ConnectionClass = _Connection
    keep_alive_conn_limit = KEEP_ALIVE_LIMIT
    max_request_header_size = MAX_HEADER_BYTES
    expiration_interval = 0.1  # the selector's poll: also how long stop() may wait

    def __init__(self, host: str, port: int, app: ReferenceApp, *, access_log: bool) -> None:
        super().__init__(
            (host, port),
            app,
            numthreads=THREADS,
            request_queue_size=128,
            timeout=SOCKET_TIMEOUT_S,
            shutdown_timeout=2,
        )
        self.gateway = _Gateway
        self.access_log = access_log

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        log.log(level, "%s", msg, exc_info=traceback)


class RunningServer:
    """A reference server on daemon threads; `url` ends with `/`. A context manager."""

    def __init__(self, server: _Server, app: ReferenceApp, profile: TargetProfile) -> None:
        self._server = server
        self.app = app
        self.engine = app.engine
        self._stopped = False
        prepared = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            # Bound here, not in the caller: threads started from a daemon thread are
            # daemons, so cheroot's workers never keep the interpreter alive.
            try:
                server.prepare()
            except BaseException as exc:
                failed.append(exc)
                prepared.set()
                return
            prepared.set()
            server.serve()

        self._thread = threading.Thread(target=run, name="reference-server", daemon=True)
        self._thread.start()
        prepared.wait()
        if failed:
            self._stopped = True
            raise failed[0]
        host, port = server.bind_addr[:2]
        self.url = f"http://{_url_host(host)}:{port}/"
        self.profile = profile.with_url(self.url)
        """The given profile moved to this server (test hooks included)."""

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._server.stop()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_server(
    profile: TargetProfile,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    fault: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    quiet: bool = True,
    latency_s: float = 0.0,
) -> RunningServer:
    """Serve the reference app on a free port (port 0) in background threads;
    `latency_s` delays every SendEmail answer (a slow but correct target)."""
    _check_address(host, port)
    app = make_app(profile, fault=fault, max_body_bytes=max_body_bytes)
    app.engine.latency_s = _latency(latency_s)
    server = _Server(host, port, app, access_log=not quiet)
    return RunningServer(server, app, profile)


# serve_forever takes start_server's options with the foreground's defaults (port 8025, an
# access log): two public signatures, alike by design.
def serve_forever(
    profile: TargetProfile,
    *,
    host: str = "127.0.0.1",
    port: int = 8025,
    fault: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    latency_s: float = 0.0,
) -> None:
    """Serve in the foreground until interrupted (`sesconf serve`), with an access log."""
    _check_address(host, port)
    app = make_app(profile, fault=fault, max_body_bytes=max_body_bytes)
    app.engine.latency_s = _latency(latency_s)
    server = _Server(host, port, app, access_log=True)
    if not log.hasHandlers():  # like werkzeug's server: show the log if nothing else does
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    server.prepare()
    log.info("reference server on http://%s:%d/", _url_host(host), server.bind_addr[1])
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _latency(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 60:
        raise ValueError(f"latency_s: expected a number of seconds 0-60, got {value!r}")
    return float(value)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _check_address(host: Any, port: Any) -> None:
    if not isinstance(host, str) or not host:
        raise ValueError(f"host: expected a non-empty string, got {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port: expected an integer 0-65535, got {port!r}")
