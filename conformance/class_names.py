"""How the class declarations name an address: `valid`, `invalid: <defect>`, `gray: <reason>`.

Below classes.py and class_shape.py, which both name addresses this way (the Source and
recipients there, Reply-To here), so neither imports the other for it.
"""

from __future__ import annotations

from functools import lru_cache

from conformance.addresses import AddressClass, Defect, Gray, classify_address


def name(item: Defect | Gray) -> str:
    """`double dot`, `quoted local`: the readable name of a defect or gray reason."""
    return str(item).replace("_", " ")


@lru_cache(maxsize=16384)
def address_classes(text: str, role: str) -> tuple[str, ...]:
    """`valid`, `invalid: <defect>` for each defect, or `gray: <reason>` for each reason."""
    verdict = classify_address(text, role="source" if role == "source" else "recipient")
    if verdict.cls is AddressClass.VALID:
        return ("valid",)
    if verdict.cls is AddressClass.INVALID:
        return tuple(f"invalid: {name(d)}" for d in verdict.defects)
    return tuple(f"gray: {name(g)}" for g in verdict.gray)
