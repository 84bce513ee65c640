"""The address classifier's equivalents rest on a differential (tools/mutation/
differential.py): every listed reason that cites it still holds on the whole corpus, and
the differential does see a mutant the suite kills.

The whole differential takes about a minute (the corpus, then each mutant loaded beside
the pristine classifier); `.ci/mutation differential` prints it mutant by mutant.
"""

from __future__ import annotations

import pytest

import conformance.addresses as pristine
from tools.mutation import differential
from tools.mutation.catalog import Mutant, mutants
from tools.mutation.records import load_equivalents

LABEL_CHECK_INVERTED = (
    "conformance/addresses.py::_domain_checks::AddNot::"
    "if len(label) > MAX_LABEL: => if not len(label) > MAX_LABEL:"
)
"""Every label within 63 refused: killed by the suite, so the differential must see it."""


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Mutant]:
    return {m.key: m for m in mutants()}


def test_every_equivalent_citing_the_differential_holds(
    catalogue: dict[str, Mutant], capsys: pytest.CaptureFixture[str]
) -> None:
    keys = differential.cited(load_equivalents())
    assert len(keys) > 100  # the classifier's generic reasons: none may go unchecked
    assert 0 == differential.run(keys, catalogue, draws=differential.DRAWS)
    out = capsys.readouterr().out
    assert f"differential: {len(keys)} same, 0 not" in out


def test_the_differential_sees_a_mutant_the_suite_kills(
    catalogue: dict[str, Mutant], capsys: pytest.CaptureFixture[str]
) -> None:
    keys = [LABEL_CHECK_INVERTED, "conformance/raw.py::not-a-classifier-mutant"]
    assert 1 == differential.run(keys, catalogue, draws=(20, 20, 20, 20))
    out = capsys.readouterr().out
    assert f"DIFF {LABEL_CHECK_INVERTED}" in out
    assert "NOT A CLASSIFIER MUTANT conformance/raw.py::not-a-classifier-mutant" in out
    assert "differential: 0 same, 2 not" in out


def test_a_header_reads_a_plain_display_name_as_normal() -> None:
    seen = differential.view(pristine, "Ann <a@b.example>")
    assert (("V", "a@b.example"), ("G", None), ("V", "a@b.example")) == seen
    assert differential.visible(seen, None)  # a crash is a refusal: a valid one changed
    gray_only = (("G", None), ("G", None), ("G", None))
    assert not differential.visible(gray_only, None)
