"""Register the conformance plugin for runs from a source checkout (installed: entry point)."""

pytest_plugins = ["conformance.plugin"]
