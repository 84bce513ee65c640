"""Requests wrong in their shape: a required member missing, a member of the wrong type,
and the Body's legal shapes (request.required's and robust.no-5xx's tests)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from conformance.profile import TargetProfile
from sesconf_strategies.build import case_of, explicit, requests
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.requests import WRONG_TYPES

REQUIRED_PATHS: tuple[tuple[str, ...], ...] = (
    ("Source",),
    ("Destination",),
    ("Message",),
    ("Message", "Subject"),
    ("Message", "Body"),
    ("Message", "Subject", "Data"),
    ("Message", "Body", "Text", "Data"),
    ("Message", "Body", "Html", "Data"),
)


def without(params: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    """A copy of `params` with the member at `path` removed; None if there is none."""
    result = copy.deepcopy(params)
    node: Any = result
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if not isinstance(node, dict) or path[-1] not in node:
        return None
    del node[path[-1]]
    return result


def with_value(params: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `params` with the member at dotted `path` set to `value`."""
    result = copy.deepcopy(params)
    node = result
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = copy.deepcopy(value)
    return result


def missing_member(*, profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """An accepted request with one required member taken out."""

    @st.composite
    def draw_case(draw: st.DrawFn) -> GeneratedCase:
        base = draw(base_requests)
        path = draw(st.sampled_from(REQUIRED_PATHS))
        params = without(dict(base.request.params), path)
        if params is None:  # e.g. no Html to take Data from: empty the Body instead
            params = copy.deepcopy(dict(base.request.params))
            params["Message"]["Body"] = {}
            path = ("Message", "Body", "(Text and Html)")
        missing = f"missing {'.'.join(path)}"
        return case_of(params, missing, violates=frozenset({"request.required"}))

    base_requests = requests(profile=profile)
    return draw_case()


def body_shapes(*, profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """Valid requests whose Body has only Text, only Html, or both."""

    @st.composite
    def draw_case(draw: st.DrawFn) -> GeneratedCase:
        params = copy.deepcopy(dict(draw(base_requests).request.params))
        shape = draw(st.sampled_from(("Text", "Html", "both")))
        data = {"Data": "x"}
        body = {"Text": data, "Html": data} if shape == "both" else {shape: data}
        params["Message"]["Body"] = body
        return case_of(params, f"body with {shape}")

    base_requests = requests(profile=profile)
    return draw_case()


def wrong_types(*, profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """One member of the wrong JSON type (`requests.WRONG_TYPES`), sometimes with a huge
    Subject beside it."""
    valid = dict(explicit(profile).request.params)
    wrongs = st.sampled_from(WRONG_TYPES)
    huge_sizes = st.sampled_from((0, 0, 1_000_000))

    @st.composite
    def draw_case(draw: st.DrawFn) -> GeneratedCase:
        wrong = draw(wrongs)
        huge = not wrong.path.startswith("Message") and draw(huge_sizes)
        params = with_value(valid, wrong.path, wrong.value)
        label = f"wrong type: {wrong.path} = {json.dumps(wrong.value)[:30]}"
        if huge:
            params = with_value(params, "Message.Subject.Data", "x" * huge)
            label += ", huge Subject"
        return case_of(params, label)

    return draw_case()
