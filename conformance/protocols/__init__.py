"""Wire protocols behind one interface: `make_client(profile)` returns a `Client`."""

from conformance.protocols.base import (
    Client,
    ProtocolUnavailable,
    SendBudgetExhausted,
    TestHookError,
    make_client,
)

__all__ = ["Client", "ProtocolUnavailable", "SendBudgetExhausted", "TestHookError", "make_client"]
