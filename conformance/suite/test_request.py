"""request.required: Source, Destination, Message, Subject, Body and each Data are required."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from conformance.suite.reach import check, examples
from conformance.suite.support import TestContext, configured, rule
from sesconf_strategies.build import case_of, explicit, requests
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.class_examples_shape import request_class_cases

PROFILE = configured().profile

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


@st.composite
def _missing_member(draw: st.DrawFn) -> GeneratedCase:
    base = draw(requests(profile=PROFILE))
    path = draw(st.sampled_from(REQUIRED_PATHS))
    params = without(dict(base.request.params), path)
    if params is None:  # e.g. no Html to take Data from: empty the Body instead
        params = copy.deepcopy(dict(base.request.params))
        params["Message"]["Body"] = {}
        path = ("Message", "Body", "(Text and Html)")
    return case_of(params, f"missing {'.'.join(path)}", violates=frozenset({"request.required"}))


@st.composite
def _body_shapes(draw: st.DrawFn) -> GeneratedCase:
    """Valid requests whose Body has only Text, only Html, or both."""
    base = draw(requests(profile=PROFILE))
    params = copy.deepcopy(dict(base.request.params))
    shape = draw(st.sampled_from(("Text", "Html", "both")))
    data = {"Data": "x"}
    params["Message"]["Body"] = {"Text": data, "Html": data} if shape == "both" else {shape: data}
    return case_of(params, f"body with {shape}")


def _explicit_without(*path: str) -> GeneratedCase:
    params = without(dict(explicit(PROFILE).request.params), path)
    assert params is not None
    return case_of(params, f"missing {'.'.join(path)}")


@rule("request.required")
@given(case=st.one_of(_missing_member(), _body_shapes()))
@example(case=explicit(PROFILE, label="body with Text only"))  # an accept: Html is optional
@example(case=_explicit_without("Source"))
@example(case=_explicit_without("Destination"))
@example(case=_explicit_without("Message"))
@example(case=_explicit_without("Message", "Subject"))
@example(case=_explicit_without("Message", "Body"))
@example(case=_explicit_without("Message", "Subject", "Data"))
@example(case=_explicit_without("Message", "Body", "Text", "Data"))
@examples(request_class_cases(PROFILE))
def test_required_members(ctx: TestContext, case: GeneratedCase) -> None:
    check(ctx, case)
