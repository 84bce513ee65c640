"""`sesconf run` exit codes: a public contract that users script against."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """What `sesconf run` (and `sesconf compare`) return.

    OK: every selected rule passed (SHOULD rules may be `non-strict` without --strict).
    RULE_FAILED: a MUST rule failed, or a SHOULD rule under --strict.
    USAGE_ERROR: bad command line or bad profile; the message names the culprit.
    TARGET_UNREACHABLE: the target refused the connection, or a rule ended `broken`
        (hangs, resets) while no rule failed.
    NO_RULES_SELECTED: --rules/--exclude left nothing to run.
    INTERNAL_ERROR: a bug in the suite itself; please report it.
    INTERRUPTED: SIGTERM, SIGINT or the run deadline (`--run-timeout`) stopped the run
        before its end. It stops within 2 seconds of the signal, worker processes
        included, and writes every report from what is known: summary.json says
        `"interrupted": true` and counts every exchange answered before the stop; a rule
        that did not finish is `broken`, a failure found before the stop stands. A second
        signal exits at once after the last write.
    """

    OK = 0
    RULE_FAILED = 1
    USAGE_ERROR = 2
    TARGET_UNREACHABLE = 3
    NO_RULES_SELECTED = 4
    INTERNAL_ERROR = 5
    INTERRUPTED = 6


class Outcome(StrEnum):
    """A rule's verdict, as summary.json, the reports and the records write it.

    PASS: judged on readable answers and never broken. FAIL: broken in a gating way (a MUST,
    or a SHOULD under --strict). NON_STRICT: a SHOULD or INFO rule broken without --strict.
    SKIP: not applicable to this target (the reason says why). BROKEN: no verdict could be
    drawn (the target stopped answering, or answered nothing readable).
    """

    PASS = "pass"
    FAIL = "fail"
    NON_STRICT = "non-strict"
    SKIP = "skip"
    BROKEN = "broken"
