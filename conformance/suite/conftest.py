"""The suite's fixtures come from `conformance.plugin` (registered by the root conftest)."""
