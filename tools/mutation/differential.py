"""`.ci/mutation differential`: the address classifier's mutants, judged on addresses.

A mutant of conformance/addresses.py that changes only what the classifier says of text
that is gray or invalid either way cannot be killed: the strict reference refuses gray and
invalid alike, and any refusal of a gray address conforms. docs/mutation/equivalent.toml
lists such mutants with a reason that cites this differential. It loads the pristine
classifier and each mutated one side by side and asks both about one corpus (every
strategy of the address classes, drawn the same way each time, and hand-written quoted,
commented and bracketed forms), each address as a Source, as a recipient and in a
header. A mutant is SAME when no definite answer changes: no valid address becomes
non-valid or reads as another address, and no invalid one becomes valid.

    .ci/mutation differential              # every listed equivalent that cites it
    .ci/mutation differential --key KEY    # these mutants (repeatable)

The exit is 1 when a mutant shows a difference (its reason does not hold), 0 otherwise.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import conformance.addresses as pristine
from conformance.raw import HEADER_NORMAL
from sesconf_strategies.addresses import gray_addresses, invalid_addresses, valid_addresses
from tools.mutation.catalog import REPO, Mutant, mutated_source

MODULE = "conformance/addresses.py"
CITES = "differential"
"""A listed equivalent whose reason holds this word rests on this differential."""
DRAWS = (600, 1500, 1500, 1500)
"""Addresses drawn from the valid, invalid, recipient-gray and Source-gray strategies."""

HAND = (
    '"Ann" <a@b.example>', '"a@b.example" <x@y.example>', "a@b.example (c)", "(c) a@b.example",
    "Ann (x) <a@b.example>", '"a b"@c.example', '"a\\"b"@c.example', '"a\\\\"@c.example',
    "a(b)c@d.example", "a@b(c).example", "a@[1.2.3.4]", "a@[1.2]3]", "a@[[1]",
    '"a"b@c.example', 'a"b"@c.example', "a@b.example)", "(a@b.example", "a@b.example ((x)(y))",
    '"Doe, J." <a@b.example>', "x@y <a@b.example>", '"x" y@z <a@b.example>',
    'Ann <"q"@b.example>', "Ann <a@b.example> (c)", "=?utf-8?q?J=C3=B6rg?= <a@b.example>",
    "Blog 한국어 <a@b.example>", '"Ann \\"A" <a@b.example>', "a\t@b.example", '"a\tb"@c.example',
    '"\x01"@c.example', "a@b.example\t", '"@"@c.example', '"a@b"@c.example', 'a@"b".example',
    '"(a)"@c.example', '(("a@b.example', '"a)"@b.example (x)', 'a@b.example (")")',
    '"" <a@b.example>', "<a@b.example>", 'a@b.example (x "y")', "a@b.example (\\))",
    '"a" <"b"@c.example>',
)  # fmt: skip
"""Quoted, commented and bracketed forms the strategies draw rarely."""

View = tuple[tuple[str, str | None], ...]
"""Per reading (Source, recipient, header): V/G/I and the address read when valid."""
_LETTER = {"valid": "V", "gray": "G", "invalid": "I"}
_HEADER_NORMAL = frozenset(g.name for g in HEADER_NORMAL)


def corpus(draws: Sequence[int] = DRAWS) -> list[str]:
    """The addresses both classifiers are asked about: the same ones on every call."""
    found: set[str] = set(HAND)
    strategies: tuple[st.SearchStrategy[Any], ...] = (
        valid_addresses(),
        invalid_addresses(),
        gray_addresses(role="recipient"),
        gray_addresses(role="source"),
    )
    for strategy, count in zip(strategies, draws, strict=True):

        @settings(
            max_examples=count,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            deadline=None,
        )
        @given(strategy)
        def draw(drawn: Any) -> None:
            found.add(getattr(drawn, "text", drawn))

        draw()
    return sorted(found)


def view(module: Any, text: str) -> View:
    """What the reference can see of `text` through `module`'s classifier: as a Source,
    as a recipient, and in a header (where a display name's grayness is normal)."""
    out = []
    for role in ("source", "recipient"):
        verdict = module.classify_address(text, role=role)
        out.append(_seen(module, verdict))
    verdict = module.classify_address(text, role="source")
    header = verdict.cls is module.AddressClass.GRAY and all(
        g.name in _HEADER_NORMAL for g in verdict.gray
    )
    out.append(("V", verdict.address) if header else _seen(module, verdict))
    return tuple(out)


def _seen(module: Any, verdict: Any) -> tuple[str, str | None]:
    valid = verdict.cls is module.AddressClass.VALID
    return _LETTER[verdict.cls.value], verdict.address if valid else None


def visible(before: View, after: View | None) -> bool:
    """Whether a definite answer changes; `after` None is the mutant raising, which the
    server's catch-all answers with a refusal."""
    if after is None:
        after = tuple(("I", None) for _ in before)
    for (was, address_was), (now, address_now) in zip(before, after, strict=True):
        if was == "G":
            continue
        if (was == "V") != (now == "V") or (was == "V" and address_was != address_now):
            return True
    return False


def witness(mutant: Mutant, texts: Iterable[str], baseline: dict[str, View]) -> str | None:
    """The first address whose definite answer the mutant changes, with both views; None
    when it changes none."""
    module = types.ModuleType("conformance._mutated_addresses")
    sys.modules[module.__name__] = module
    try:
        exec(compile(mutated_source(REPO, mutant), MODULE, "exec"), module.__dict__)
        for text in texts:
            try:
                after: View | None = view(module, text)
            except Exception:  # a crash is the server's 400, as `visible` reads it
                after = None
            if visible(baseline[text], after):
                return f"{text!r}: {baseline[text]} -> {after}"
        return None
    finally:
        del sys.modules[module.__name__]


def cited(equivalents: dict[str, str]) -> list[str]:
    """The listed equivalents of the classifier whose reason rests on this differential."""
    return sorted(k for k, why in equivalents.items() if k.startswith(MODULE) and CITES in why)


def run(keys: Sequence[str], catalogue: dict[str, Mutant], *, draws: Sequence[int]) -> int:
    """Print SAME or DIFF (with its witness) per key; 1 when any mutant shows a difference
    or is not a mutant of the classifier."""
    texts = corpus(draws)
    baseline = {text: view(pristine, text) for text in texts}
    print(f"differential: {len(keys)} mutants over {len(texts)} addresses", flush=True)
    failed = 0
    for key in keys:
        mutant = catalogue.get(key)
        if mutant is None or mutant.module != MODULE:
            print(f"NOT A CLASSIFIER MUTANT {key}")
            failed += 1
            continue
        found = witness(mutant, texts, baseline)
        print(f"SAME {key}" if found is None else f"DIFF {key}\n    {found}", flush=True)
        failed += found is not None
    print(f"differential: {len(keys) - failed} same, {failed} not")
    return 1 if failed else 0
