"""Producer types of the demo catalogue: what each sells, how it is called, its photo and its story.

All producers are fictitious. Names are built from the farm names and surnames of producers.json; stories
from the sentences per type in producer_types.json (placeholders: {name}, {family_nl}/{family_fr}/{family_en},
{place}, {year}, {gen}). producers.json also holds the anchors (producers placed on purpose, so that every
place-bound speciality has a maker where it belongs), the streets, the farm-shop hours, the generations of
the stories and the Groot Vleeshuis itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shop.demo.data import Texts, read_json, texts


@dataclass(frozen=True)
class ProducerType:
    key: str
    weight: int  # relative share of producers of this type
    photo: str  # static/img/producers/<photo>.svg
    names: tuple[str, ...]  # patterns with {farm}, {surname} or {brand}
    templates: dict[str, int]  # template id -> weight
    products: tuple[int, int]  # how many products (min, max)
    labels: dict[str, float]  # label slug -> probability
    openers: tuple[Texts, ...]  # first sentences
    details: tuple[Texts, ...]  # second sentences
    brands: tuple[str, ...] = field(default=())
    has_shop: bool = False  # a shop of its own (farm-shop hours) even without the 'hoevewinkel' label


@dataclass(frozen=True)
class Anchor:
    type: str
    municipality: str
    locality: str | None  # None: any locality of the municipality


@dataclass(frozen=True)
class GrootVleeshuis:
    """The shop's own kitchen at the Groentenmarkt: ready dishes made from the producers' products."""

    name: str
    slug: str
    brand: str
    type: str  # a producer type key
    street: str
    municipality: str
    postcode: str
    locality: str
    latitude: float
    longitude: float
    templates: tuple[str, ...]  # template ids it always sells
    story: Texts
    hours: Texts
    labels: tuple[str, ...]
    email: str
    website: str
    photo: str  # static/img/producers/<photo>.svg


def _producer_type(record: dict[str, Any]) -> ProducerType:
    return ProducerType(
        key=record["key"], weight=record["weight"], photo=record["photo"], names=tuple(record["names"]),
        templates=dict(record["templates"]), products=(record["products"][0], record["products"][1]),
        labels=dict(record["labels"]), openers=tuple(texts(s) for s in record["openers"]),
        details=tuple(texts(s) for s in record["details"]), brands=tuple(record.get("brands", ())),
        has_shop=record.get("has_shop", False),
    )


TYPES: tuple[ProducerType, ...] = tuple(_producer_type(r) for r in read_json("producer_types.json"))
TYPES_BY_KEY = {t.key: t for t in TYPES}

_producers = read_json("producers.json")
FARMS: tuple[str, ...] = tuple(_producers["farms"])
SURNAMES: tuple[str, ...] = tuple(_producers["surnames"])
STREETS: tuple[str, ...] = tuple(_producers["streets"])
# Sentences that may close any producer's story.
GENERIC_CLOSERS: tuple[Texts, ...] = tuple(texts(s) for s in _producers["story_closers"])
# Opening hours of farm shops, one line per day group.
SHOP_HOURS: tuple[Texts, ...] = tuple(texts(h) for h in _producers["shop_hours"])
# The {gen} of a story: in the second, third or fourth generation.
GENERATIONS: tuple[Texts, ...] = tuple(texts(g) for g in _producers["generations"])
ANCHORS: tuple[Anchor, ...] = tuple(Anchor(a["type"], a["municipality"], a["locality"]) for a in _producers["anchors"])
_vleeshuis = _producers["groot_vleeshuis"]
GROOT_VLEESHUIS = GrootVleeshuis(
    name=_vleeshuis["name"], slug=_vleeshuis["slug"], brand=_vleeshuis["brand"], type=_vleeshuis["type"],
    street=_vleeshuis["street"], municipality=_vleeshuis["municipality"], postcode=_vleeshuis["postcode"],
    locality=_vleeshuis["locality"], latitude=_vleeshuis["latitude"], longitude=_vleeshuis["longitude"],
    templates=tuple(_vleeshuis["templates"]), story=texts(_vleeshuis["story"]), hours=texts(_vleeshuis["hours"]),
    labels=tuple(_vleeshuis["labels"]), email=_vleeshuis["email"], website=_vleeshuis["website"],
    photo=_vleeshuis["photo"],
)
