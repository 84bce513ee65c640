"""The circuit breaker of one process: a dead target is not waited on again and again."""

from __future__ import annotations

import threading

from conformance.model import Exchange, TransportFailure

__all__ = ["Breaker"]


class Breaker:
    """Stops a run from waiting on a dead target again and again.

    After a transport failure the current test stops sending (its rule is `broken`);
    after `trip_after` failures with no good answer between them, every test does.
    """

    def __init__(self, *, trip_after: int = 2) -> None:
        self.trip_after = trip_after
        self.consecutive = 0
        self.last_detail = ""
        self._lock = threading.Lock()

    @property
    def tripped(self) -> bool:
        return self.consecutive >= self.trip_after

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            if isinstance(exchange.outcome, TransportFailure):
                self.consecutive += 1
                self.last_detail = f"{exchange.outcome.kind}: {exchange.outcome.detail}"
            else:
                self.consecutive = 0
