"""The rule registry and the judgements its checks are made of (the `checks` layer).

`REGISTRY` / `get_check(rule_id)` / `register(check)`: one `Check` per rule; importing this
package registers the catalogue's rules (`builtin`), and extension modules register more.
"""

from __future__ import annotations

from conformance.checks import builtin as _builtin
from conformance.checks.evidence import (
    Verdict,
    counterexample_of,
    counterexample_of_verdict,
    describe_outcome,
)
from conformance.checks.judge import judge, ses_code_findings
from conformance.checks.judgements import (
    QUOTA_CODES,
    VERIFICATION_RULES,
    Reading,
    accepted_id,
    is_quota_rejection,
    read,
    rejection_problems,
    ses_code_problems,
    status_of,
)
from conformance.checks.registry import (
    ENV_CHECKS,
    REGISTRY,
    Check,
    Replay,
    answer_checks,
    get_check,
    load_extensions,
    module_names,
    register,
    rules,
    use_extensions,
)

__all__ = [
    "ENV_CHECKS",
    "QUOTA_CODES",
    "REGISTRY",
    "VERIFICATION_RULES",
    "Check",
    "Reading",
    "Replay",
    "Verdict",
    "accepted_id",
    "answer_checks",
    "counterexample_of",
    "counterexample_of_verdict",
    "describe_outcome",
    "get_check",
    "is_quota_rejection",
    "judge",
    "load_extensions",
    "module_names",
    "read",
    "register",
    "rejection_problems",
    "rules",
    "ses_code_findings",
    "ses_code_problems",
    "status_of",
    "use_extensions",
]
assert _builtin  # the catalogue's rules are registered on import
