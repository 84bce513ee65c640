"""What is mutated, and with which operators: the scope of the mutation run, and why.

The server's accept/refuse decisions and everything they read that the server shares with
the oracle's side of the repository (the address classifier, the member table, the Query
form's decoder). Left out, on purpose:

- the planted-fault machinery (server/faults.py, class_faults.py, class_hooks.py,
  raw_faults.py, raw_misread.py, variants.py, fault_type.py): every hook there is a
  no-op in the faithful reference, so mutating it changes nothing the suite can see; the
  fault switches inside the included modules (`"name" in on`, `engine.effects(...)`)
  are left out for the same reason, and so are the functions that only a planted
  fault calls (`FAULT_ONLY`);
- the serving layer of app.py (cheroot's framing, thread pool, socket timeouts) and
  results.py (values): only `route` and `ReferenceApp` of app.py decide anything;
- the Query form's encoder (wire/query_form.py's `query_form`, `query_body`, ...): only the
  client calls it, and the client runs from the pristine tree.
"""

from __future__ import annotations

from collections.abc import Mapping

MODULES: tuple[str, ...] = (
    "conformance/server/engine.py",
    "conformance/server/rate.py",
    "conformance/server/checks.py",
    "conformance/server/tags.py",
    "conformance/server/raw.py",
    "conformance/server/identities.py",
    "conformance/server/stamps.py",
    "conformance/members.py",
    "conformance/server/wire_envelope.py",
    "conformance/server/wire_query.py",
    "conformance/server/wire_sesv2.py",
    "conformance/server/http.py",
    "conformance/server/app.py",
    "conformance/wire/query_form.py",
    "conformance/raw.py",
    "conformance/addresses.py",
)
"""Paths from the repository root; a full run goes in this order (the server's own
decisions first, the address classifier, the largest, last)."""

ONLY: Mapping[str, tuple[str, ...]] = {
    "conformance/server/app.py": ("route", "ReferenceApp"),
    "conformance/wire/query_form.py": ("decode_members", "_listify", "_members"),
    "conformance/server/rate.py": ("TokenBucket", "throttled", "bucket_for"),
    "conformance/raw.py": (
        "RawMessage",
        "_lines",
        "_lf_text",
        "_longest_line",
        "split_head",
        "_fields",
        "_unfold",
        "_value",
        "_part_findings",
        "_marker_lines",
        "_chunks",
        "read_message",
        "split_addresses",
        "header_addresses",
        "classify_header_address",
        "is_raw",
        "data_text",
        "raw_data",
        "decode_data",
    ),
}
"""Modules of which only these top-level definitions are mutated (see the docstring; of
rate.py, `enforced_or` only answers GetSendQuota's MaxSendRate, which no rule judges; of
raw.py, the one reader the server shares with the oracle, all but the oracle's cache
`read_data` and the client's `encode_data`)."""

RATE_PROFILE = """extends = "reference"

[account]
max_send_rate = 15
rate_enforced = true
"""
SERVED_WITH: Mapping[str, tuple[tuple[str, ...], str]] = {
    "conformance/server/rate.py": (("--max-send-rate", "15"), RATE_PROFILE),
}
"""Modules whose code runs only in a server started with an option: their mutants are
served with it (`sesconf serve` arguments) and judged with a profile (TOML) that declares
what it serves. The send rate's bucket runs only under `--max-send-rate`."""

FAULT_ONLY: Mapping[str, tuple[str, ...]] = {
    "conformance/server/engine.py": (
        "Engine.has_effect",
        "Engine.effects",
        "Engine._placeholder",
        "Engine._deliver_valid_only",
    ),
    "conformance/server/raw.py": ("_group_members", "_base64_lines_size"),
}
"""Functions only a planted fault reaches (their callers test a fault switch first)."""

SWITCH_PARAMETERS: Mapping[str, Mapping[str, bool]] = {
    "conformance/server/checks.py": {
        "require_subject": True,
        "require_source": True,
        "require_html": False,
    },
}
"""Parameters the engine always passes a fault switch's value (`member_problems`'s
`require_html="text-only-body-refused" in on`): what they always are in the reference."""

OPERATORS: tuple[str, ...] = (
    # relational: each comparison to its boundary neighbour and to its negation (the classic
    # minimal set); Is <-> Eq swaps are left out (equal on None, enums and small ints)
    "core/ReplaceComparisonOperator_Eq_NotEq",
    "core/ReplaceComparisonOperator_NotEq_Eq",
    "core/ReplaceComparisonOperator_Lt_LtE",
    "core/ReplaceComparisonOperator_Lt_GtE",
    "core/ReplaceComparisonOperator_LtE_Lt",
    "core/ReplaceComparisonOperator_LtE_Gt",
    "core/ReplaceComparisonOperator_Gt_GtE",
    "core/ReplaceComparisonOperator_Gt_LtE",
    "core/ReplaceComparisonOperator_GtE_Gt",
    "core/ReplaceComparisonOperator_GtE_Lt",
    "core/ReplaceComparisonOperator_Is_IsNot",
    "core/ReplaceComparisonOperator_IsNot_Is",
    # boolean logic: the decisions themselves
    "core/ReplaceAndWithOr",
    "core/ReplaceOrWithAnd",
    "core/AddNot",
    "core/ReplaceUnaryOperator_Delete_Not",
    "core/ReplaceTrueWithFalse",
    "core/ReplaceFalseWithTrue",
    # limits and counts: off by one
    "core/NumberReplacer",
    # sizes and counts: + and - swapped (the other arithmetic swaps are noise here: `%`,
    # `*`, `/` and the bit operators hardly occur in the rule logic, and on strings they
    # only crash)
    "core/ReplaceBinaryOperator_Add_Sub",
    "core/ReplaceBinaryOperator_Sub_Add",
    # loops and error paths
    "core/ReplaceBreakWithContinue",
    "core/ReplaceContinueWithBreak",
    "core/ZeroIterationForLoop",
    "core/ExceptionReplacer",
)
"""Left out: RemoveDecorator (dataclass/cache/property: crashes or speed, never a rule),
VariableReplacer and VariableInserter (random, so not reproducible), the unary arithmetic
operators (no negative numbers in the logic), and the other binary-operator swaps."""

TESTING_EXCEPTION = "CosmicRayTestingException"
"""The name ExceptionReplacer writes into an `except`; the mutated module defines it."""
