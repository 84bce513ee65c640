"""Wire protocols behind one interface: `make_client(profile)` returns a `Client`."""

from conformance.errors import ProtocolUnavailable, SendBudgetExhausted, TestHookError
from conformance.protocols.base import Client
from conformance.protocols.clients import make_client

__all__ = ["Client", "ProtocolUnavailable", "SendBudgetExhausted", "TestHookError", "make_client"]
