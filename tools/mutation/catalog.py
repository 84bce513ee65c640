"""The mutants: cosmic-ray's operators over the scope's modules, each under a stable key.

A key names a mutant by what it is, never by where it sits in cosmic-ray's list:
`module::qualified.function::Operator::line before => line after`, with ` #2`, ` #3`...
only when two mutants would otherwise share a key. An unrelated edit elsewhere in the
module changes no key; an edit of the mutated line changes that mutant's key (it is then
a new mutant, and `run --missing` runs it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import parso.tree  # before cosmic_ray: its plugin loading otherwise trips a circular import
from cosmic_ray.ast import ast_nodes
from cosmic_ray.mutating import mutate_code
from cosmic_ray.plugins import get_operator

from tools.mutation.scope import FAULT_ONLY, MODULES, ONLY, OPERATORS
from tools.mutation.switches import dead, fault_switch, switch_names

REPO = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True, slots=True)
class Mutant:
    """One mutation of one module, as cosmic-ray applies it (`occurrence` of `operator`)."""

    key: str
    module: str
    function: str
    operator: str
    occurrence: int
    line: int
    before: str
    after: str

    def diff(self) -> str:
        """The one-line diff a survivor is printed with."""
        return f"{self.module}:{self.line}: - {self.before}  + {self.after}"


def short_operator(name: str) -> str:
    """`core/ReplaceAndWithOr` -> `ReplaceAndWithOr` (the key's spelling)."""
    return name.rpartition("/")[2]


@cache
def _operator(name: str) -> Any:
    return get_operator(name)()


def mutants(root: Path = REPO) -> list[Mutant]:
    """Every mutant of the scope, in module order, then operator order, then source order."""
    found = [m for module in MODULES for m in _module_mutants(root, module)]
    return _with_ordinals(found)


def by_key(root: Path = REPO) -> dict[str, Mutant]:
    return {m.key: m for m in mutants(root)}


def mutated_source(root: Path, mutant: Mutant) -> str:
    """The module's source with this one mutation applied, by cosmic-ray itself."""
    source = (root / mutant.module).read_text("utf-8")
    code = mutate_code(source, _operator(mutant.operator), mutant.occurrence)
    if code is None:
        raise ValueError(f"cosmic-ray applies no mutation for {mutant.key}")
    return str(code)


def _with_ordinals(found: list[Mutant]) -> list[Mutant]:
    seen: Counter[str] = Counter()
    out = []
    for m in found:
        seen[m.key] += 1
        out.append(m if seen[m.key] == 1 else _renamed(m, f"{m.key} #{seen[m.key]}"))
    return out


def _renamed(m: Mutant, key: str) -> Mutant:
    return Mutant(key, m.module, m.function, m.operator, m.occurrence, m.line, m.before, m.after)


def _module_mutants(root: Path, module: str) -> Iterator[Mutant]:
    source = (root / module).read_text("utf-8")
    tree = parso.parse(source)  # type: ignore[no-untyped-call]  # parso is untyped
    lines = source.splitlines()
    names = switch_names(tree, module)
    for name in OPERATORS:
        operator = _operator(name)
        occurrence = -1
        for node in ast_nodes(tree):
            positions = list(operator.mutation_positions(node))
            for index, (start, end) in enumerate(positions):
                occurrence += 1
                leaf = tree.get_leaf_for_position(start, include_prefixes=True)
                function = qualified_name(leaf)
                if not _in_scope(module, function, leaf, _span(lines, start, end), names):
                    continue
                try:
                    before, after = _lines_around(source, node, operator, index, start, end)
                except AttributeError:  # cosmic-ray's ExceptionReplacer cannot rewrite a
                    continue  # dotted name in an except tuple (binascii.Error): no mutant
                key = f"{module}::{function}::{short_operator(name)}::{before} => {after}"
                yield Mutant(key, module, function, name, occurrence, start[0], before, after)


def qualified_name(node: Any) -> str:
    """`Engine._check_quota`: the enclosing classes and functions; `<module>` outside any."""
    names = []
    while node is not None:
        if node.type in ("funcdef", "classdef"):
            names.append(node.name.value)
        node = node.parent
    return ".".join(reversed(names)) or "<module>"


def _span(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1] : end[1]]
    middle = lines[start[0] : end[0] - 1]
    return "\n".join([lines[start[0] - 1][start[1] :], *middle, lines[end[0] - 1][: end[1]]])


def _in_scope(module: str, function: str, leaf: Any, span: str, names: Mapping[str, bool]) -> bool:
    top = function.split(".", 1)[0]
    if module in ONLY and top not in ONLY[module]:
        return False
    if any(function == f or function.startswith(f + ".") for f in FAULT_ONLY.get(module, ())):
        return False
    return not fault_switch(span) and not dead(leaf, names)


def _snapshot(node: Any) -> list[tuple[Any, Any]]:
    saved: list[tuple[Any, Any]] = []
    for n in ast_nodes(node):
        if isinstance(n, parso.tree.BaseNode):
            saved.append((n, list(n.children)))
        else:
            saved.append((n, (n.value, n.prefix)))
    return saved


def _restore(saved: list[tuple[Any, Any]]) -> None:
    for n, state in saved:
        if isinstance(n, parso.tree.BaseNode):
            n.children = state
        else:
            n.value, n.prefix = state


def _lines_around(
    source: str, node: Any, operator: Any, index: int, start: tuple[int, int], end: tuple[int, int]
) -> tuple[str, str]:
    """(the mutated lines before, after), stripped and joined: the key's text. The operator
    mutates the parsed node in place; it is put back at once."""
    original = node.get_code()
    line, col = node.get_start_pos_of_prefix()
    offset = sum(len(x) for x in source.splitlines(keepends=True)[: line - 1]) + col
    if source[offset : offset + len(original)] != original:
        raise ValueError(f"parso's positions do not match the source at line {line}")
    saved = _snapshot(node)
    try:
        new = operator.mutate(node, index)
        replaced = "" if new is None else new.get_code()
    finally:
        _restore(saved)
    mutated = source[:offset] + replaced + source[offset + len(original) :]
    grown = replaced.count("\n") - original.count("\n")
    old_lines = source.splitlines()[start[0] - 1 : end[0]]
    new_lines = mutated.splitlines()[start[0] - 1 : end[0] + grown]
    return _joined(old_lines), _joined(new_lines)


def _joined(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines)
