"""The reference's send rate (`sesconf serve --max-send-rate R`): a token bucket of one
second, so a burst of up to R sends is taken at once (real SES allows short bursts) and
sends sustained over R a second are refused (rules.md, `rate.max-send-rate`).

Its own module, with the clock passed in, so its arithmetic is tested (and mutated) alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from conformance.profile import Account

WINDOW_S = 1.0
"""The bucket holds one window's worth of sends."""


class TokenBucket:
    """At most `rate_per_s` sends a second, sustained; up to one second's worth at once."""

    def __init__(self, rate_per_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`rate_per_s` comes from a validated profile (account.max_send_rate > 0)."""
        self.rate = float(rate_per_s)
        self.capacity = max(1.0, self.rate * WINDOW_S)
        """One window of sends, and at least one (a rate under 1/s still sends)."""
        self._clock = clock
        self._tokens = self.capacity
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Take one send's token; False (refuse it) when the bucket is empty."""
        with self._lock:
            now = self._clock()
            refill = max(0.0, now - self._at) * self.rate
            self._tokens = min(self.capacity, self._tokens + refill)
            self._at = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True


def throttled(bucket: TokenBucket | None) -> bool:
    """Whether a send is refused for the rate: only with a bucket, and only when empty."""
    return bucket is not None and not bucket.take()


def bucket_for(account: Account) -> TokenBucket | None:
    """The bucket of a profile that enforces its rate (`sesconf serve --max-send-rate`
    sets both keys); None, no limit, for every other."""
    if not account.rate_enforced or account.max_send_rate is None:
        return None
    return TokenBucket(account.max_send_rate)


def enforced_or(bucket: TokenBucket | None, default: float) -> float:
    """MaxSendRate as GetSendQuota and GetAccount report it: the rate enforced, else
    `default` (real SES's sandbox or production rate)."""
    return bucket.rate if bucket is not None else default
