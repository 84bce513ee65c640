"""size.max: "The maximum message size is 10 MB." (10,485,760 bytes after MIME encoding)."""

from __future__ import annotations

from functools import partial

from hypothesis import example, given, settings, target
from hypothesis import strategies as st

from conformance.oracle import content_bytes
from conformance.profile import SES_SIZE_LIMIT
from conformance.suite.reach import check
from conformance.suite.reach import examples as class_examples
from conformance.suite.support import TestContext, configured, examples, rule
from sesconf_strategies.build import explicit, requests
from sesconf_strategies.cases import Deferred, GeneratedCase, built
from sesconf_strategies.class_examples_shape import size_class_plans
from sesconf_strategies.content import content

PROFILE = configured().profile
LIMIT = PROFILE.limits.max_message_bytes
SAFE = 7_000_000 if LIMIT >= SES_SIZE_LIMIT else LIMIT

_sizes = st.one_of(
    content(max_bytes=4096),
    content(min_bytes=SAFE - 1000, max_bytes=LIMIT + 1_000_000),
)


def _edge(content: int, label: str) -> Deferred:
    return Deferred(label, partial(explicit, PROFILE, content_bytes=content, label=label))


# Each example moves up to 11 MB (41 MB over SESv2): a small share of the budget, and the
# edges always, each written out only when it runs (Deferred). Over the limit, the class
# examples hold the edges (limit + 1 in Text, just over, far over).
@rule("size.max")
@settings(max_examples=examples(0.1, at_least=3, at_most=10))
@given(case=requests(profile=PROFILE, message=_sizes))
@example(case=_edge(0, "empty content"))
@example(case=_edge(SAFE, "largest always-accepted content"))
@class_examples(size_class_plans(PROFILE))
def test_message_size(ctx: TestContext, case: GeneratedCase | Deferred) -> None:
    case = built(case)
    size = content_bytes(case.request.params)
    if size > SAFE:
        target(-abs(size - LIMIT - 0.5), label="distance of the content size from the limit")
    check(ctx, case)
