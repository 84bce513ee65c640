"""The strict reference server (`sesconf serve`): engine, WSGI app, planted faults."""

from conformance.server.app import RunningServer, make_app, serve_forever, start_server
from conformance.server.engine import Engine
from conformance.server.fault_type import Fault
from conformance.server.faults import FAULTS
from conformance.server.results import Accepted, Kind, Refused

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
