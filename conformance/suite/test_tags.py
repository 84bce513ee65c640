"""tags.valid (SHOULD): invalid message tags are refused, before the identities are."""

from __future__ import annotations

from hypothesis import given

from conformance.checks.registry import get_check
from conformance.suite.reach import examples, note_classes
from conformance.suite.support import TestContext, configured, rule
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.tags import tag_class_cases, tag_requests

PROFILE = configured().profile
BODY = get_check("tags.valid").body


@rule("tags.valid")
@given(case=tag_requests(profile=PROFILE))
@examples(tag_class_cases(PROFILE))
def test_tags_valid(ctx: TestContext, case: GeneratedCase) -> None:
    """The registered body (`checks.builtin`), which `sesconf replay` re-runs as is."""
    assert BODY is not None
    note_classes(ctx, case)
    BODY(ctx, case)
