"""One exception hierarchy: every exception class is defined in conformance/errors.py.

Other modules may re-export them (old import paths keep working) but never define one, and
the tree in errors.py's docstring names every class there.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import conformance
import conformance.errors as errors
import sesconf_strategies
from conformance.violations import violation_for

MODULES = sorted(
    info.name
    for package in (conformance, sesconf_strategies)
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    if ".suite." not in info.name  # the conformance tests: their conftest needs a session
    and not info.name.endswith("__main__")  # runs the CLI when imported
)


def _exceptions(module_name: str) -> dict[str, type[BaseException]]:
    module = importlib.import_module(module_name)
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }


def test_every_exception_class_is_defined_in_errors() -> None:
    defined_elsewhere = {
        f"{name}: {cls.__module__}.{cls.__qualname__}"
        for module_name in MODULES
        for name, cls in _exceptions(module_name).items()
        if cls.__module__.startswith(("conformance", "sesconf_strategies"))
        and cls.__module__ != "conformance.errors"
    }
    assert set() == defined_elsewhere


def test_the_docstring_tree_names_every_class() -> None:
    ours = {
        n for n, c in _exceptions("conformance.errors").items() if c.__module__ == errors.__name__
    }
    tree = errors.__doc__ or ""
    assert {n for n in ours if f"── {n}" in tree} == ours
    assert len(ours) >= 15


@pytest.mark.parametrize(
    ("module_name", "name"),
    [
        ("conformance.protocols.base", "SendBudgetExhausted"),
        ("conformance.protocols.base", "TestHookError"),
        ("conformance.protocols.base", "ProtocolUnavailable"),
        ("conformance.protocols", "SendBudgetExhausted"),
        ("conformance.protocols.aws_answers", "UnsafeXml"),
        ("conformance.protocols.sesv2", "AdminCallFailed"),
        ("conformance.violations", "RuleViolation"),
        ("conformance.violations", "TargetBroken"),
        ("conformance.server.http", "BodyTooLarge"),
        ("conformance.server.http", "BadJson"),
        ("conformance.server.wire_query", "FormError"),
        ("conformance.protocols.transport", "RunStopped"),
        ("conformance.protocols.sesv2", "SandboxSwitchFailed"),
    ],
)
def test_old_import_paths_name_the_same_class(module_name: str, name: str) -> None:
    assert getattr(errors, name) is getattr(importlib.import_module(module_name), name)


def test_verdicts_are_not_suite_errors() -> None:
    """A handler of the suite's own errors must never swallow a verdict."""

    for verdict in (violation_for("recipients.max"), errors.TargetBroken):
        assert not issubclass(verdict, errors.SesConfError), verdict
    assert issubclass(violation_for("recipients.max"), AssertionError)
    assert issubclass(errors.ProfileError, errors.UsageError)
    assert issubclass(errors.ProtocolUnavailable, errors.UsageError)
