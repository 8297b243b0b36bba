"""The places of Oost-Vlaanderen by postcode, from the reference data (municipalities and their localities): the
names that belong to a postcode, and whether a place name typed in an address is one of them.

A name matches whatever its case, accents, hyphens or brackets (``sint-niklaas``, ``Sint Niklaas``), ``St.``
for ``Sint``, the municipality's name in another language (``Gand``), and a locality with its municipality
(``Gent-Mariakerke``, ``Mariakerke (Gent)``). The localities are known only in this province; the check of an
address anywhere in Belgium (the national postcode table, with this finer check inside the province) is
shop.reference.postcodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shop.catalog.models import Locality
from shop.catalog.search import fold
from shop.extensions import db

# Abbreviations people write in a place name, and the word the reference data has.
_ABBREVIATIONS = {"st": "sint"}


def place_key(name: str | None) -> str:
    """A place name as compared: folded (lower case, no accents or punctuation), ``st`` read as ``sint``."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in fold(name or "").split())


@dataclass(frozen=True)
class PostcodePlaces:
    """The places at one postcode: ``names`` to suggest (Dutch, the municipalities first), ``keys`` accepted."""

    postcode: str
    names: tuple[str, ...]
    keys: frozenset[str]

    def has(self, name: str | None) -> bool:
        """``name`` is one of the places here, or a locality written with its municipality."""
        key = place_key(name)
        return key in self.keys or any(
            key == f"{first} {second}" for first in self.keys for second in self.keys if first != second
        )


def places_at(postcode: str) -> PostcodePlaces | None:
    """The places at ``postcode`` (four digits), or None when the reference data does not know the postcode."""
    return places_at_postcodes([postcode]).get(postcode)


def places_at_postcodes(postcodes) -> dict[str, PostcodePlaces]:
    """The places at each of ``postcodes`` that the reference data knows, in one query (a list of thousands of
    addresses is checked at once); a postcode it does not know is left out."""
    wanted = sorted({postcode for postcode in postcodes if postcode})
    if not wanted:
        return {}
    localities = db.session.scalars(
        select(Locality).where(Locality.postcode.in_(wanted)).options(joinedload(Locality.municipality))
        .order_by(Locality.name)
    ).all()
    by_postcode: dict[str, list[Locality]] = {}
    for locality in localities:
        by_postcode.setdefault(locality.postcode, []).append(locality)
    return {postcode: _places(postcode, found) for postcode, found in by_postcode.items()}


def _places(postcode: str, localities: list[Locality]) -> PostcodePlaces:
    municipalities = {locality.municipality.id: locality.municipality for locality in localities}.values()
    names: list[str] = []
    for name in [m.name for m in sorted(municipalities, key=lambda m: m.name)] + [loc.name for loc in localities]:
        if name not in names:
            names.append(name)
    other_languages = [
        entry.get("name", "") for municipality in municipalities
        for entry in (municipality.translations or {}).values() if isinstance(entry, dict)
    ]
    keys = frozenset(place_key(name) for name in [*names, *other_languages] if place_key(name))
    return PostcodePlaces(postcode, tuple(names), keys)
