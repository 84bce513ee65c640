"""ses-conformance: a property-based conformance suite for Amazon SES SendEmail.

The supported Python API is `__all__` (README "Python API"): load a target profile, run the
suite as `sesconf run` does, read the rule catalogue, and the exit codes, outcomes and errors
a caller handles. Everything else is internal and may move between versions.
"""

from conformance.checks.registry import REGISTRY, Check, get_check, register
from conformance.cli import main, run
from conformance.errors import (
    AdminCallFailed,
    MissingCheck,
    ProbeFailed,
    ProfileError,
    ProtocolUnavailable,
    SandboxSwitchFailed,
    SendBudgetExhausted,
    SesConfError,
    TargetUnreachable,
    TestHookError,
    UsageError,
)
from conformance.exitcodes import ExitCode, Outcome
from conformance.profile import (
    TargetProfile,
    builtin_profile_names,
    load_builtin_profile,
    load_profile,
)
from conformance.rules import RULES, Level, Rule, get_rule
from conformance.version import __version__

__all__ = [
    "REGISTRY",
    "RULES",
    "AdminCallFailed",
    "Check",
    "ExitCode",
    "Level",
    "MissingCheck",
    "Outcome",
    "ProbeFailed",
    "ProfileError",
    "ProtocolUnavailable",
    "Rule",
    "SandboxSwitchFailed",
    "SendBudgetExhausted",
    "SesConfError",
    "TargetProfile",
    "TargetUnreachable",
    "TestHookError",
    "UsageError",
    "__version__",
    "builtin_profile_names",
    "get_check",
    "get_rule",
    "load_builtin_profile",
    "load_profile",
    "main",
    "register",
    "run",
]
