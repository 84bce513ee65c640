"""request.required: Source, Destination, Message, Subject, Body and each Data are required."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from conformance.suite.reach import check, examples
from conformance.suite.support import TestContext, configured, rule
from sesconf_strategies.build import case_of, explicit
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.class_examples_shape import request_class_cases
from sesconf_strategies.shape_cases import body_shapes, missing_member, without

PROFILE = configured().profile


def _explicit_without(*path: str) -> GeneratedCase:
    params = without(dict(explicit(PROFILE).request.params), path)
    assert params is not None
    return case_of(params, f"missing {'.'.join(path)}")


@rule("request.required")
@given(case=st.one_of(missing_member(profile=PROFILE), body_shapes(profile=PROFILE)))
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
