"""Probes of the planted races (conformance/server/races.py) for tests/test_server_faults.py:
concurrent envelope sends released together from a barrier, over real connections."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

SENDS = 8
ID_SENDS = 4
"""Under the probes' quota of 5 recipients, every one of them is accepted."""


def _together(url: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each body POSTed on its own connection, all released at once; the JSON answers."""
    barrier = threading.Barrier(len(bodies))

    def one(body: dict[str, Any]) -> dict[str, Any]:
        with requests.Session() as session:
            barrier.wait(30)
            answer: dict[str, Any] = session.post(url, json=body, timeout=30).json()
            return answer

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def _body(recipients: list[str]) -> dict[str, Any]:
    return {
        "Source": "sender@verified.example",
        "Destination": {"ToAddresses": recipients},
        "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
    }


def accepted_past_quota(url: str) -> int:
    """With a quota of 5, concurrent sends of 5 recipients each: how many are accepted."""
    requests.post(url + "_reset", timeout=5).raise_for_status()
    bodies = [_body([f"q{i}-{j}@verified.example" for j in range(5)]) for i in range(SENDS)]
    return sum(1 for answer in _together(url, bodies) if answer.get("success") is True)


def distinct_ids(url: str) -> int:
    """Concurrent valid sends: how many distinct ids they get."""
    requests.post(url + "_reset", timeout=5).raise_for_status()
    answers = _together(url, [_body([f"i{i}@verified.example"]) for i in range(ID_SENDS)])
    return len({(a.get("data") or {}).get("id") for a in answers if a.get("success") is True})


def refused_yet_delivered(url: str) -> bool:
    """A message with an invalid recipient among concurrent valid sends: whether its valid
    recipient (the witness) reached the outbox."""
    requests.post(url + "_reset", timeout=5).raise_for_status()
    bodies = [_body(["witness@verified.example", "bad..dot@verified.example"])]
    bodies += [_body([f"v{i}@verified.example"]) for i in range(SENDS - 1)]
    _together(url, bodies)
    outbox = requests.get(url + "_outbox", timeout=5).json()["messages"]
    return any("witness@verified.example" in m["to"] for m in outbox)
