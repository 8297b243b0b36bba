"""Quantities written in a product's unit text ("720 ml", "ca. 500 g", "4 stuks, ca. 600 g", "6 x 33 cl").

A product has a unit as producers write it (free text, what customers read first) and a net quantity as a
number (``net_quantity`` in ``net_unit``: grams, millilitres or pieces), which the law asks for and the
price per kg or litre is computed from. Pages show the unit and add the net quantity only when the unit does
not already say it: "720 ml" and 720 ml is one fact, not "720 ml · 72 cl".
"""

from __future__ import annotations

import re
from decimal import Decimal

from shop.catalog.models import NetUnit

# A number (decimal comma or point) and a unit of weight or volume, as a word of its own.
_QUANTITY = re.compile(r"(?<![\w,.])(\d+(?:[.,]\d+)?)\s?(kg|g|l|dl|cl|ml)(?![\w])", re.IGNORECASE)
_UNITS = {
    "g": (NetUnit.GRAM, 1),
    "kg": (NetUnit.GRAM, 1000),
    "ml": (NetUnit.MILLILITRE, 1),
    "cl": (NetUnit.MILLILITRE, 10),
    "dl": (NetUnit.MILLILITRE, 100),
    "l": (NetUnit.MILLILITRE, 1000),
}


def stated_quantities(text: str) -> list[tuple[NetUnit, Decimal, str]]:
    """Every weight or volume written in ``text``: (unit, amount in grams or millilitres, the words as written)."""
    found = []
    for match in _QUANTITY.finditer(text or ""):
        unit, factor = _UNITS[match.group(2).lower()]
        found.append((unit, Decimal(match.group(1).replace(",", ".")) * factor, match.group(0)))
    return found


def stated_net_quantity(text: str, net_quantity: int | None, net_unit: NetUnit) -> str | None:
    """The words in ``text`` that give the net quantity ("720 ml" for 720 ml, "37,5 cl" for 375 ml), if any."""
    if not net_quantity or net_unit == NetUnit.PIECE:
        return None
    for unit, amount, words in stated_quantities(text):
        if unit == net_unit and amount == net_quantity:
            return words
    return None


def unit_repeats_net_quantity(text: str, net_quantity: int | None, net_unit: NetUnit) -> bool:
    """Whether showing the net quantity beside ``text`` would say nothing new: the text states it already, or
    it is a count of pieces (the unit text says what a piece is: "per stuk", "6 stuks")."""
    if not net_quantity or net_unit == NetUnit.PIECE:
        return True
    return stated_net_quantity(text, net_quantity, net_unit) is not None
