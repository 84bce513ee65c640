"""What the two SES protocols' answers share: safe XML, the quota, the error-code tables.

Nothing here signs or sends: both the clients and `base` (which names `SendQuota` in the
`Client` interface) read these values, so this module imports no client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from conformance.errors import UnsafeXml
from conformance.messages import starts_like
from conformance.model import Rejected

SES_XMLNS: Final = "http://ses.amazonaws.com/doc/2010-12-01/"
MAX_XML_BYTES: Final = 1 << 20
"""An SES answer is a few hundred bytes; anything over 1 MiB is not one."""
MAX_XML_TAGS: Final = 10_000
"""An SES answer has a dozen elements; one with more is not parsed (nor is its depth)."""


def parse_xml(body: bytes, *, max_bytes: int = MAX_XML_BYTES) -> Element:
    """Parse an answer with defusedxml: no DTDs, no entities, no external references."""
    if len(body) > max_bytes:
        raise UnsafeXml(f"XML body of {len(body)} bytes is over the {max_bytes}-byte cap")
    tags = body.count(b"<")
    if tags > MAX_XML_TAGS:  # counted before parsing: 100,000 nested tags took a second each
        raise UnsafeXml(f"XML body with {tags} tags is over the {MAX_XML_TAGS}-tag cap")
    try:
        return SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except SafeET.ParseError as exc:
        raise UnsafeXml(f"not well-formed XML ({exc})") from None
    except DefusedXmlException as exc:
        raise UnsafeXml(f"XML with a DTD or entities, refused ({type(exc).__name__})") from None
    except ValueError as exc:
        raise UnsafeXml(f"not parseable as XML ({exc})") from None
    except (RecursionError, MemoryError) as exc:
        raise UnsafeXml(f"XML too deep or too large to read ({type(exc).__name__})") from None


def ses_text(root: Element, path: str) -> str | None:
    """The stripped text at `A/B/C` in any namespace (the root's is checked apart), or None."""
    node = root.find("/".join(f"{{*}}{p}" for p in path.split("/")))
    if node is None:
        return None
    return (node.text or "").strip()


@dataclass(frozen=True, slots=True)
class SendQuota:
    """GetSendQuota / GetAccount.SendQuota; SES sends doubles, -1 for an unlimited quota."""

    max_24h_send: float
    max_send_rate: float
    sent_last_24h: float


@dataclass(frozen=True, slots=True)
class CodeRule:
    """The codes real SES uses for one rule, and a prefix its message must start with."""

    codes: frozenset[str]
    message_prefix: str | None = None

    def admits(self, code: str | None, message: str | None) -> bool:
        if code not in self.codes:
            return False
        if self.message_prefix is None:
            return True
        return starts_like(message, self.message_prefix)

    def describe(self) -> str:
        names = " or ".join(sorted(self.codes))
        return f"{names} ({self.message_prefix!r}...)" if self.message_prefix else names


def code_problems(
    table: Mapping[str, CodeRule],
    expected_rules: Iterable[str],
    code: str | None,
    message: str | None,
) -> tuple[str, ...]:
    """`ses.error-codes` findings: any violated rule's code will do; none is a problem."""
    relevant = {rule: table[rule] for rule in sorted(set(expected_rules)) if rule in table}
    if not relevant or any(spec.admits(code, message) for spec in relevant.values()):
        return ()
    wanted = "; ".join(f"{rule}: {spec.describe()}" for rule, spec in relevant.items())
    return (f"code {code!r} (message {(message or '')[:120]!r}); real SES answers {wanted}",)


def ses_error_code_problems(
    table: Mapping[str, CodeRule],
    expected_rules: Iterable[str],
    rejected: Rejected,
    *,
    source_syntax_invalid: bool = False,
    syntax_rule: CodeRule | None = None,
) -> tuple[str, ...]:
    """`ses.error-codes` for one rejection, judged by one protocol's `table`.

    Real SES checks address syntax before verification, so an unparseable Source is
    answered with `syntax_rule`'s code even though the oracle files it under
    `sender.verified`.
    """
    codes = dict(table)
    if source_syntax_invalid and syntax_rule is not None:
        codes["sender.verified"] = syntax_rule
    return code_problems(codes, expected_rules, rejected.code, rejected.message)


@dataclass(frozen=True, slots=True)
class ErrorCodeJudge:
    """One protocol's `ses.error-codes` judge: its table, and the code its SES answers an
    unparseable sender with; one callable the module and its client both hand out."""

    table: Mapping[str, CodeRule]
    syntax_rule: CodeRule

    def __call__(
        self,
        expected_rules: Iterable[str],
        rejected: Rejected,
        *,
        source_syntax_invalid: bool = False,
    ) -> tuple[str, ...]:
        return ses_error_code_problems(
            self.table,
            expected_rules,
            rejected,
            source_syntax_invalid=source_syntax_invalid,
            syntax_rule=self.syntax_rule,
        )
