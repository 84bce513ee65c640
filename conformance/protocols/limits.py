"""The per-process safety limits: the send budget and the rate limiter.

They sit below `base` and `shared_limits` (whose file-locked versions subclass them), so
neither of those two has to import the other for them.
"""

from __future__ import annotations

import threading
import time

from conformance.errors import SendBudgetExhausted


class SendBudget:
    """A thread-safe cap on SendEmail calls (`safety.max_sends`); None means no cap."""

    def __init__(self, max_sends: int | None) -> None:
        if max_sends is not None and (isinstance(max_sends, bool) or max_sends < 1):
            raise ValueError(f"max_sends: expected an integer >= 1 or None, got {max_sends!r}")
        self.max_sends = max_sends
        self._used = 0
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        return self._used

    def take(self) -> None:
        """Count one send; raise SendBudgetExhausted instead of going over the cap."""
        with self._lock:
            if self.max_sends is not None and self._used >= self.max_sends:
                raise SendBudgetExhausted(
                    f"safety.max_sends: the budget of {self.max_sends} sends is used up; "
                    "raise it in the profile or select fewer rules"
                )
            self._used += 1


class RateLimiter:
    """At most `rate_per_s` calls a second, spaced evenly; threads queue for their slot."""

    def __init__(self, rate_per_s: float | None) -> None:
        if rate_per_s is not None and (isinstance(rate_per_s, bool) or not rate_per_s > 0):
            raise ValueError(f"rate_per_s: expected a number > 0 or None, got {rate_per_s!r}")
        self.interval = 1.0 / rate_per_s if rate_per_s else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Reserve the next slot under the lock, then sleep outside it until the slot."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        while (delay := slot - time.monotonic()) > 0:
            time.sleep(delay)
