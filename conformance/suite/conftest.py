"""The suite's fixtures come from `conformance.plugin`: registered by its `pytest11` entry
point (`sesconf`) when installed, by the root conftest in a checkout, by `-p` in `sesconf run`."""
