"""What the shop accepts as a Belgian postcode: four digits, 1000–9999 (surrounding spaces ignored).

One rule for every address the shop asks: delivery (shop.checkout.delivery) and a company's invoice address
(shop.accounts.company).
"""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"^[1-9][0-9]{3}$")


def belgian_postcode(text: str | None) -> str | None:
    """The postcode without surrounding spaces when it is a Belgian one ("9000"), else None ("900", "B-9000")."""
    value = (text or "").strip()
    return value if _POSTCODE.match(value) else None
