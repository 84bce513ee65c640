"""Every exception the suite defines, in one tree; the CLI turns each branch into an outcome.

    Exception
    ├── SesConfError                the suite's own errors, raised on purpose
    │   ├── UsageError              the command line is wrong: exit 2
    │   │   ├── ProfileError        the profile is wrong, naming the key: exit 2
    │   │   └── ProtocolUnavailable the profile's protocol has no client: exit 2
    │   ├── MissingCheck            `sesconf replay` has no judgement for a rule
    │   ├── TargetUnreachable       nothing answers at the target's address: exit 3
    │   ├── AdminCallFailed         provisioning or GetSendQuota failed: exit 3
    │   ├── SandboxSwitchFailed     PutAccountDetails did not set the profile's sandbox
    │   ├── ProbeFailed             a latency probe got no answer: `auto` keeps one process
    │   ├── SendBudgetExhausted     safety.max_sends is used up: the rule ends `skip`
    │   └── TestHookError           reset_url / outbox_url failed: the rule ends `broken`
    ├── RuleViolation (AssertionError)   a target broke a rule: the rule ends `fail`
    │   └── <Rule>Violation         one class per rule id (violations.violation_for)
    ├── TargetBroken                no usable answer (hang, reset): the rule ends `broken`
    ├── BurstNotSetUp               a burst's state could not be set up: the burst skips
    ├── UnsafeXml (ValueError)      a target's XML answer refused by the safe parser
    └── RequestUnreadable           the reference server cannot read a request: it
        ├── BodyTooLarge            answers with the protocol's error form, never a 5xx
        ├── BadJson
        └── FormError
    KeyboardInterrupt
    └── RunStopped                  SIGTERM, SIGINT or the run's deadline (commands.guard
                                    also names it RunInterrupted)

Verdicts (RuleViolation, TargetBroken) stand apart from SesConfError so that no handler of
the suite's own errors can swallow a verdict. The classes are also importable from the
modules that raise them (suite.bursts, commands.concurrency, protocols.base, protocols.aws_answers,
protocols.sesv2, protocols.transport, violations, server.http, server.wire_query).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.rules import get_rule


class SesConfError(Exception):
    """Base of every error the suite raises on purpose."""


class UsageError(SesConfError):
    """The command line is wrong (exit 2)."""


class ProfileError(UsageError):
    """The target profile is wrong; the message names the key (exit 2)."""


class ProtocolUnavailable(UsageError):
    """The profile names a protocol whose client is not installed or not written yet."""


class MissingCheck(SesConfError):
    """A rule has no replayable judgement: `sesconf replay` cannot say whether it is fixed."""


class TargetUnreachable(SesConfError):
    """Nothing answers at the target's address (exit 3)."""


class AdminCallFailed(SesConfError):
    """A provisioning or quota call (VerifyEmailIdentity, GetSendQuota, ...) failed."""


class SendBudgetExhausted(SesConfError):
    """`safety.max_sends` is used up: the suite stops rather than send one message more."""


class BurstNotSetUp(Exception):
    """The state a burst needs could not be set up: the target refused a send that fit
    (raised by suite.bursts)."""


class TestHookError(SesConfError):
    """A declared test hook (reset_url, outbox_url) failed or answered something unusable."""

    __test__ = False  # not a pytest test class despite the name


class SandboxSwitchFailed(SesConfError):
    """PutAccountDetails did not set the sandbox the profile declares."""


class ProbeFailed(SesConfError):
    """A latency probe got no answer; `--concurrency auto` then keeps the run in one process."""


class RunStopped(KeyboardInterrupt):
    """The run was stopped (SIGTERM, SIGINT, its deadline): raised by the next call made.

    A KeyboardInterrupt, so Hypothesis does not shrink and pytest ends its session as it
    does for Ctrl-C; raised from a call, so it never lands in the middle of library code.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- verdicts -------------------------------------------------------------------------


class RuleViolation(AssertionError):
    """A target answered against a rule. `counterexample` is JSON-ready.

    An AssertionError so pytest and Hypothesis treat it as a test failure; subclassed once
    per rule (violations.violation_for) so Hypothesis tells distinct rules apart.
    """

    rule_id: str = ""

    def __init__(self, summary: str, *, counterexample: Mapping[str, Any]) -> None:
        super().__init__(summary)
        self.summary = summary
        self.counterexample = dict(counterexample)

    def __str__(self) -> str:
        rule = get_rule(self.rule_id)
        ce = self.counterexample
        lines = [
            f"[{rule.level}] {rule.id}: {self.summary}",
            f'  documentation: "{rule.quote}"',
            f"  expected: {ce.get('expected')}",
            f"  actual:   {ce.get('actual')}",
        ]
        lines.extend(f"  problem:  {problem}" for problem in ce.get("problems") or ())
        request = ce.get("request") or {}
        lines.append(f"  request:  {request.get('method')} {request.get('url')}")
        lines.append(f"            {_clip(request.get('body', ''))}")
        response = ce.get("response")
        if response:
            lines.append(f"  response: HTTP {response.get('status')}")
            lines.append(f"            {_clip(response.get('body', ''))}")
        elif ce.get("transport"):
            lines.append(f"  response: none ({ce['transport']})")
        lines.append(f"  replay:   {ce.get('curl')}")
        return "\n".join(lines)


class TargetBroken(Exception):
    """The target gave no usable answer (hang, reset): the rule is `broken`, not failed."""

    def __init__(self, detail: str, *, counterexample: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.counterexample = dict(counterexample or {})


def _clip(text: str, limit: int = 600) -> str:
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


# --- what targets and clients send ------------------------------------------------------


class UnsafeXml(ValueError):
    """The body is not a safe, well-formed XML document of reasonable size."""


class RequestUnreadable(Exception):
    """The reference server cannot read a request; it answers the protocol's error form."""


class BodyTooLarge(RequestUnreadable):
    """The body is over the limit; raised before reading it when Content-Length says so."""

    def __init__(self, size: int | None, limit: int) -> None:
        self.size = size
        self.limit = limit
        told = f"{size} bytes" if size is not None else "more bytes"
        super().__init__(f"Request body too large: {told}, the limit is {limit} bytes.")


class BadJson(RequestUnreadable):
    """The body is not a strict UTF-8 JSON document."""


class FormError(RequestUnreadable):
    """The form cannot be read as SES Query parameters."""
