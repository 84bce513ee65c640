"""ses-conformance: a property-based conformance suite for Amazon SES SendEmail."""

__version__ = "0.1.0"
"""The one place the version is written: pyproject (dynamic), --version, the User-Agent and
summary.json's suite.version all read it."""
