"""Concurrent sends: a burst of requests, each on its own client and thread, released
together from a barrier (rules.md, "State under concurrency").

A client never raises for what the target does, so a thread ends with an `Exchange`; what
it may raise (the send budget used up, the run stopped) is raised again here, once every
thread has ended, so no send outlives the burst.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence

from conformance.model import Exchange, SendEmailRequest
from conformance.protocols.base import Client

BARRIER_WAIT_S = 30.0
"""How long a sender waits for the others at the barrier before it sends anyway (a thread
that never started must not hold the rest)."""


def send_together(
    clients: Sequence[Client], requests: Sequence[SendEmailRequest]
) -> list[Exchange]:
    """Each request through its own client, all released at once; the answers in order."""
    if len(clients) < len(requests):
        raise ValueError(f"clients: {len(clients)} for {len(requests)} requests; need one each")
    if not requests:
        raise ValueError("requests: a burst needs at least one request, got none")
    barrier = threading.Barrier(len(requests))
    answers: list[Exchange | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def sender(i: int) -> None:
        # a late sender still sends: the burst is looser, never lost
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(BARRIER_WAIT_S)
        try:
            answers[i] = clients[i].send(requests[i])
        except BaseException as exc:  # re-raised below, in the caller's thread
            errors.append(exc)

    threads = [
        threading.Thread(target=sender, args=(i,), name=f"sesconf-burst-{i}", daemon=True)
        for i in range(len(requests))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [answer for answer in answers if answer is not None]
