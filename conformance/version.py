"""The suite's version, in a module of its own: every layer may read it without importing
the public face (`conformance/__init__`), which imports nearly everything."""

__version__ = "0.1.0"
"""The one place the version is written: pyproject (dynamic), --version, the User-Agent and
summary.json's suite.version all read it."""
