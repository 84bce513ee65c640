"""ses-conformance: a property-based conformance suite for Amazon SES SendEmail."""

__version__ = "0.1.0"
