"""Whether the postcode and place of an address belong together, anywhere in Belgium: the one check of every
address the shop asks (checkout delivery and invoice address, the company profile, every gift-list row).

- The postcode must exist in Belgium: Statbel's postcode → municipality table as it applies today
  (``data/belgian_postcodes.csv``, made by ``tools/belgian_postcodes.py``; read once into memory, never from the
  database), or a postcode the province's localities have.
- In Oost-Vlaanderen (a postcode the ``localities`` table has) the finer check of shop.catalog.places: the place
  must be one of the postcode's localities (deelgemeenten) or municipalities.
- Elsewhere only the municipalities are known, not their localities. The place may be the postcode's
  municipality (in Dutch, French or German; case, accents, hyphens and ``St.`` for ``Sint`` do not matter), or a
  name we do not know at all (a deelgemeente, a hamlet: accepted). It is refused only when it names another
  municipality (``2600 Gent``), with the municipality the postcode belongs to.

The table holds no deelgemeenten outside the province, so a deelgemeente that shares its name with another
municipality (``3390 Tielt``, a part of Tielt-Winge) is refused too; the message names the postcode's
municipality, which the customer can write instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l

from shop.accounts import place_check
from shop.catalog.places import PostcodePlaces, place_key, places_at_postcodes
from shop.core.i18n import current_language
from shop.core.postcode import belgian_postcode
from shop.reference.loader import DATA_DIR

POSTCODES_FILE = "belgian_postcodes.csv"


@dataclass(frozen=True)
class PostcodeMunicipality:
    """A municipality a postcode belongs to (a row of the national table)."""

    postcode: str
    nis_code: str
    name_nl: str
    name_fr: str
    name_de: str
    province: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name in (self.name_nl, self.name_fr, self.name_de) if name)

    def name_in(self, language: str) -> str:
        return self.name_fr if language == "fr" and self.name_fr else self.name_nl


@dataclass(frozen=True)
class _Table:
    by_postcode: dict[str, tuple[PostcodeMunicipality, ...]]
    nis_codes_by_key: dict[str, frozenset[str]]  # a folded municipality name -> the municipalities so named


@cache
def _table() -> _Table:
    by_postcode: dict[str, list[PostcodeMunicipality]] = {}
    by_key: dict[str, set[str]] = {}
    with open(DATA_DIR / POSTCODES_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            municipality = PostcodeMunicipality(row["postcode"], row["nis_code"], row["name_nl"], row["name_fr"],
                                                row["name_de"], row["province"])
            by_postcode.setdefault(municipality.postcode, []).append(municipality)
            for name in municipality.names:
                by_key.setdefault(place_key(name), set()).add(municipality.nis_code)
    return _Table({postcode: tuple(found) for postcode, found in by_postcode.items()},
                  {key: frozenset(codes) for key, codes in by_key.items()})


def municipalities_at(postcode: str) -> tuple[PostcodeMunicipality, ...]:
    """The municipalities ``postcode`` belongs to today (one for almost every postcode; two for 1040, 1050 and
    1804, where the street decides); empty for a postcode that does not exist."""
    return _table().by_postcode.get(postcode, ())


@dataclass(frozen=True)
class PlaceProblem:
    """Why a postcode and place do not go together: ``field`` is ``postcode`` or ``city``; ``message`` is
    translated when shown (a lazy string)."""

    field: str
    message: Any


@dataclass(frozen=True)
class PlaceCheck:
    """One address as checked: its problem (or None), and whether the province's localities know its postcode
    (Oost-Vlaanderen: the delivery zone that takes perishables, shop.checkout.delivery)."""

    problem: PlaceProblem | None
    in_province: bool


def check_place(postcode: str, place: str) -> PlaceProblem | None:
    """The problem with one address's postcode and place, or None; see the module's text. A postcode that is
    empty or not four digits (shop.core.postcode) and an empty place are left to the caller's own messages.
    Reads the database once."""
    return check_places([(postcode, place)])[0].problem


def check_places(addresses: Iterable[tuple[str, str]]) -> list[PlaceCheck]:
    """``check_place`` for many (postcode, place) pairs, in order, with one database query whatever their number
    (a gift list of thousands of rows)."""
    addresses = [((postcode or "").strip(), (place or "").strip()) for postcode, place in addresses]
    province = places_at_postcodes(postcode for postcode, _ in addresses)
    return [PlaceCheck(_problem(postcode, place, province.get(postcode)), postcode in province)
            for postcode, place in addresses]


def _problem(postcode: str, place: str, province: PostcodePlaces | None) -> PlaceProblem | None:
    if belgian_postcode(postcode) is None:
        return None  # empty, or not four digits: the caller's own message (shop.core.postcode)
    if province is not None:
        if place and not province.has(place):
            return PlaceProblem("city", _l(
                "“%(place)s” hoort niet bij postcode %(postcode)s (plaatsen met die postcode: %(names)s). Kijk de "
                "postcode en de gemeente na.", place=place, postcode=postcode, names=", ".join(province.names)))
        return None
    municipalities = municipalities_at(postcode)
    if not municipalities:
        return PlaceProblem("postcode", _l("Postcode %(postcode)s bestaat niet in België. Kijk de postcode na.",
                                           postcode=postcode))
    key = place_key(place)
    if not key or any(key in {place_key(name) for name in m.names} for m in municipalities):
        return None
    if key not in _table().nis_codes_by_key:
        return None  # a name we do not know (a deelgemeente or hamlet outside the province): nothing to compare
    language = current_language()
    return PlaceProblem("city", _l(
        "“%(place)s” hoort niet bij postcode %(postcode)s: %(postcode)s hoort bij %(municipality)s. Kijk de postcode "
        "na, of schrijf de gemeente.", place=place, postcode=postcode,
        municipality=", ".join(m.name_in(language) for m in municipalities)))


def connect_to_accounts() -> None:
    """Let accounts check the company profile's invoice address with this rule; called by create_app."""
    place_check.set_check(check_place)
