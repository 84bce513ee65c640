"""The strict reference server (`sesconf serve`): engine, WSGI app, planted faults."""

from conformance.server.app import RunningServer, make_app, serve_forever, start_server
from conformance.server.engine import Accepted, Engine, Kind, Refused
from conformance.server.faults import FAULTS, Fault

__all__ = [
    "FAULTS",
    "Accepted",
    "Engine",
    "Fault",
    "Kind",
    "Refused",
    "RunningServer",
    "make_app",
    "serve_forever",
    "start_server",
]
