"""Mutation testing of the reference server: the suite's power, proven (docs/mutation/).

Dev tooling: it imports `conformance` (to read its sources) and cosmic-ray; nothing in the
package imports it. Entry point: `.ci/mutation`, i.e. `python -m tools.mutation`.
"""
