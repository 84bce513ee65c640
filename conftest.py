"""The checkout's pytest runs: the conformance plugin registered once and always active.

Installed, the plugin registers through its `pytest11` entry point (`sesconf`); pytest
refuses one module under two names, so it is registered here only when nothing has done it
yet (`pytest_plugins` would register it a second time). A checkout's runs are conformance
runs, as they always were: the repository's own tests run under the plugin's Hypothesis
settings, and `pytest conformance` runs against the embedded reference with no option.
"""

from __future__ import annotations

import pytest

import conformance.plugin as plugin


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not pluginmanager.is_registered(plugin) and not pluginmanager.is_blocked(plugin.NAME):
        pluginmanager.register(plugin, plugin.NAME)


def pytest_configure(config: pytest.Config) -> None:
    plugin.activate(config)
