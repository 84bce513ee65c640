"""The suite's own errors, grouped by cause; the CLI turns each group into one exit code."""

from __future__ import annotations


class SesConfError(Exception):
    """Base of every error the suite raises on purpose."""


class UsageError(SesConfError):
    """The command line is wrong (exit 2)."""


class ProfileError(UsageError):
    """The target profile is wrong; the message names the key (exit 2)."""


class TargetUnreachable(SesConfError):
    """Nothing answers at the target's address (exit 3)."""
