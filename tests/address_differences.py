"""The intended differences between conformance/addresses.py and email_validator (issue 17).

tests/test_addresses_differential.py holds the classifier's verdict (valid, or not: invalid
or gray) against `email_validator.validate_email` on the whole address, with the options
closest to rules.md's "valid" class (`JUDGE_OPTIONS`). Where the two disagree, every reason
the classifier gives (`valid`, `invalid: <defect>`, `gray: <reason>`; a valid Source with a
`.` in its display name is told apart) must have a row here
for email_validator's verdict, with the one line that says why the difference is meant.
Each row names an example that must still differ that way: a row nothing needs fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["accepts", "rejects"]


@dataclass(frozen=True, slots=True)
class Difference:
    ours: str
    """The classifier's reason: `valid`, `invalid: <defect>` or `gray: <reason>`."""
    theirs: Verdict
    """What email_validator says of an address the classifier gives that reason."""
    example: str
    role: Literal["source", "recipient"]
    why: str


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "valid, with a dot in the display name",
        "rejects",
        "O'Brien J. <ob@example.com>",
        "source",
        "RFC 5322's obs-phrase and JavaMail (SES's parser) take `.` in a name; rules.md's "
        "plain ASCII name keeps it (tests/test_addresses.py); email_validator wants it quoted",
    ),
    Difference(
        "gray: unusual display name",
        "accepts",
        '"Doe, John" <a@example.com>',
        "source",
        "rules.md: a Source's display name is valid only plain ASCII; email_validator takes "
        "any RFC 5322 phrase (quoted, non-ASCII, empty `<a@b>`) as a display name",
    ),
    Difference(
        "gray: encoded word name",
        "accepts",
        "=?UTF-8?B?SsO2cmc=?= <a@example.com>",
        "source",
        "rules.md leaves encoded-word names open; to email_validator they are plain atoms",
    ),
    Difference(
        "gray: non ascii domain",
        "accepts",
        "a@bücher.example",
        "recipient",
        "rules.md: the SES API wants Punycode, an un-Punycoded IDN is gray; email_validator "
        "encodes it with IDNA (and folds ＡＢＣ or ⓐ by NFKC) and accepts it",
    ),
    Difference(
        "gray: numeric or short tld",
        "accepts",
        "a@example.c",
        "recipient",
        "rules.md: the top-level label is 2+ letters or xn--; email_validator accepts a "
        "one-letter or alphanumeric last label (it refuses only all-digit ones)",
    ),
)
"""Every known intended difference; anything else is a defect of one side or the other."""
