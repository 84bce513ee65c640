"""Code the reference never runs: what sits behind a planted fault's switch.

The engine and the wires test a fault's switches inline (`if "quota-first" in on:`); no
fault is planted in the reference, so each such test has one value there, and a mutant
behind it (or of it) changes nothing the suite could see. Such mutants are not made: this
module reads the conditions' values off the parse tree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cosmic_ray.ast import ast_nodes

from tools.mutation.scope import SWITCH_PARAMETERS

_EFFECTS = r"(?:on|planted|engine\.effects\(PROTOCOL\)|self\.effects\(\w+\))"
SWITCH_OFF = re.compile(
    rf'^\s*\(?(?:"[a-z0-9-]+"\s+in\s+{_EFFECTS}|self\.has_effect\([^()]*\))\)?\s*$'
)
"""A fault-switch test that is False in the reference (no fault is planted)."""
SWITCH_ON = re.compile(rf'^\s*\(?"[a-z0-9-]+"\s+not\s+in\s+{_EFFECTS}\)?\s*$')
"""A fault-switch test that is True in the reference."""


def fault_switch(code: str) -> bool:
    """Whether a mutated span is only a fault-switch test (negated or not): inert."""
    bare = re.sub(r"^\s*not\s+", "", code)
    return bool(SWITCH_OFF.match(bare) or SWITCH_ON.match(bare))


def truth(node: Any, names: Mapping[str, bool]) -> bool | None:
    """What a condition always is in the reference, or None: a fault switch, a name bound
    to one, and their and/or/not/parentheses."""
    code = node.get_code(include_prefix=False).strip()
    if SWITCH_OFF.match(code):
        return False
    if SWITCH_ON.match(code):
        return True
    if node.type == "name":
        return names.get(node.value)
    if node.type == "not_test":
        inner = truth(node.children[1], names)
        return None if inner is None else not inner
    if node.type == "atom" and len(node.children) == 3 and node.children[0].value == "(":
        return truth(node.children[1], names)
    if node.type in ("and_test", "or_test"):
        values = [truth(k, names) for k in node.children[::2]]
        decisive: bool = node.type == "or_test"  # True decides an `or`, False an `and`
        if decisive in values:
            return decisive
        if all(v is not None for v in values):
            return not decisive
    return None


def switch_names(tree: Any, module: str) -> dict[str, bool]:
    """Names bound to a fault switch (`accept_gray = "gray-accepted" in on`), and the
    scope's parameters always passed one (`SWITCH_PARAMETERS`)."""
    names = dict(SWITCH_PARAMETERS.get(module, {}))
    for node in ast_nodes(tree):
        if node.type == "expr_stmt" and len(node.children) == 3:
            target, sign, value = node.children
            if target.type == "name" and getattr(sign, "value", None) == "=":
                value_truth = truth(value, names)
                if value_truth is not None:
                    names[target.value] = value_truth
    return names


def dead(leaf: Any, names: Mapping[str, bool]) -> bool:
    """Whether the reference never evaluates this leaf: an operand beside a decisive
    switch, the branch a switch never takes, or inside a decorator (speed, not a rule)."""
    child, parent = leaf, leaf.parent
    while parent is not None:
        if parent.type == "decorator" or _beside_switch(child, parent, names):
            return True
        child, parent = parent, parent.parent
    return False


def _beside_switch(child: Any, parent: Any, names: Mapping[str, bool]) -> bool:
    kids = parent.children
    if parent.type in ("and_test", "or_test") and child.type != "keyword":
        decisive = parent.type == "or_test"
        return any(truth(k, names) is decisive for k in kids[::2] if k is not child)
    if parent.type == "test" and len(kids) == 5:  # A if COND else B
        condition = truth(kids[2], names)
        return (child is kids[0] and condition is False) or (child is kids[4] and condition is True)
    if parent.type == "if_stmt" and child.type == "suite":
        i = kids.index(child)
        keyword = kids[i - 3]
        opens = keyword.type == "keyword" and keyword.value in ("if", "elif")
        return opens and truth(kids[i - 2], names) is False
    return False
