"""The product templates of the demo catalogue, one record each.

products.csv holds each template's shop facts (Dutch and English name, unit, price, VAT category,
allergens, season); templates.json adds, keyed by the same ``id``, what the seed needs beyond that: the
subcategory and illustration, the French name, the ingredients per language (allergens in CAPITALS),
sellable packs, name variants and the rules of its name (see SOURCES.md for every field).
subcategories.json holds what a subcategory's products share (storage, shelf life, description, "may
contain" traces, packs per kg) and phrases.json the texts that several templates use (pack units,
allergen words), each with its French and English version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shop.demo.data import Texts, read_csv, read_json, texts

NO_TEXT: Texts = ("", "", "")


@dataclass(frozen=True)
class PackSize:
    """A sellable size: its unit label (Dutch), net quantity in ``net_unit`` ("g" or "ml") and its price
    against the template's price."""

    unit: str
    net_quantity: int
    net_unit: str
    price_factor: float


@dataclass(frozen=True)
class Variant:
    """A name variant of a template (flavour, age, grape): what it adds to the ingredients and allergens."""

    name: Texts
    price_factor: float
    adds: Texts = NO_TEXT  # ingredients appended to the template's list
    allergens: tuple[str, ...] = ()
    alcohol_pct: float | None = None


@dataclass(frozen=True)
class Template:
    id: str  # stable key, e.g. "p001-volle-hoevemelk-1-l-fles"
    # From products.csv
    name: Texts
    unit: str
    price_cents: int
    vat_category: str
    allergens: tuple[str, ...]
    perishable: bool
    alcohol_pct: float | None
    season: str
    # From templates.json
    subcategory: str
    illustration: str
    ingredients: Texts
    skipped: bool = False  # a trademark of one real firm: never sold by a fictitious producer
    renamed: Texts | None = None  # the generic name a fictitious producer uses instead of a brand name
    origin_bound: tuple[str, ...] = ()  # only producers here may use the name ("region:<slug>": a streek)
    generic_outside_origin: Texts | None = None  # the name outside its origin (None: not sold there)
    recognised: bool = False  # earns the 'erkend-streekproduct' label
    eu_protected: bool = False  # earns the 'beschermde-oorsprong' label
    packs_per_kg: tuple[PackSize, ...] = ()  # replaces the subcategory's packs for a price per kg
    extra_sizes: tuple[PackSize, ...] = ()
    variants: tuple[Variant, ...] = ()
    beer_style: Texts | None = None  # a brewery sells it as "<brand> <style>"
    wine_name: Texts | None = None  # a winery sells it as "<brand> <wine name>"
    brewery_name: Texts | None = None  # a brewery sells it under this name, with {brand}
    shelf_life_days: int | None = None  # replaces the subcategory's shelf life
    storage: Texts | None = None  # replaces the subcategory's storage advice
    not_for_packages: bool = False  # too big or too plain for a gift package
    own_name_types: tuple[str, ...] = ()  # producer types that sometimes add their own name


@dataclass(frozen=True)
class Subcategory:
    """What the products of one subcategory share."""

    storage: Texts
    shelf_life_days: int
    description: Texts  # with {producer} and {place}
    may_contain: dict[str, float]  # allergen -> chance that a producer declares it as a trace
    packs_per_kg: tuple[PackSize, ...] = ()


def _packs_per_kg(records: list[dict[str, Any]]) -> tuple[PackSize, ...]:
    return tuple(PackSize(r["unit"], r["grams"], "g", r["price_factor"]) for r in records)


def _optional_texts(record: dict[str, Any], key: str) -> Texts | None:
    return texts(record[key]) if key in record else None


def _template(row: dict[str, str], record: dict[str, Any]) -> Template:
    return Template(
        id=row["id"],
        name=(row["name_nl"], record["name_fr"], row["name_en"]),
        unit=row["unit"],
        price_cents=int(row["price_cents"]),
        vat_category=row["vat_category"],
        allergens=tuple(a for a in row["allergens"].split(";") if a),
        perishable=row["perishable"] == "yes",
        alcohol_pct=float(row["alcohol_pct"]) if row["alcohol_pct"] else None,
        season=row["season"],
        subcategory=record["subcategory"],
        illustration=record["illustration"],
        ingredients=texts(record["ingredients"]),
        skipped=record.get("skipped", False),
        renamed=_optional_texts(record, "renamed"),
        origin_bound=tuple(record.get("origin_bound", ())),
        generic_outside_origin=_optional_texts(record, "generic_outside_origin"),
        recognised=record.get("recognised", False),
        eu_protected=record.get("eu_protected", False),
        packs_per_kg=_packs_per_kg(record.get("packs_per_kg", [])),
        extra_sizes=tuple(PackSize(s["unit"], s["net_quantity"], s["net_unit"], s["price_factor"])
                          for s in record.get("extra_sizes", [])),
        variants=tuple(
            Variant(texts(v["name"]), v["price_factor"], texts(v["adds"]) if "adds" in v else NO_TEXT,
                    tuple(v.get("allergens", ())), v.get("alcohol_pct"))
            for v in record.get("variants", [])
        ),
        beer_style=_optional_texts(record, "beer_style"),
        wine_name=_optional_texts(record, "wine_name"),
        brewery_name=_optional_texts(record, "brewery_name"),
        shelf_life_days=record.get("shelf_life_days"),
        storage=_optional_texts(record, "storage"),
        not_for_packages=record.get("not_for_packages", False),
        own_name_types=tuple(record.get("own_name_types", ())),
    )


def load_templates() -> dict[str, Template]:
    """Every template, keyed by its id, in the order of products.csv; a row without a record (or a record
    without a row) raises KeyError."""
    records = read_json("templates.json")
    rows = read_csv("products.csv")
    unknown = set(records) - {row["id"] for row in rows}
    if unknown:
        raise KeyError(f"templates.json has no row in products.csv: {sorted(unknown)}")
    return {row["id"]: _template(row, records[row["id"]]) for row in rows}


def load_subcategories() -> dict[str, Subcategory]:
    return {
        slug: Subcategory(texts(r["storage"]), r["shelf_life_days"], texts(r["description"]),
                          dict(r.get("may_contain", {})), _packs_per_kg(r.get("packs_per_kg", [])))
        for slug, r in read_json("subcategories.json").items()
    }


TEMPLATES = load_templates()
SUBCATEGORIES = load_subcategories()

_phrases = read_json("phrases.json")
# French and English of every unit a pack can have, keyed by the Dutch unit.
PACK_UNITS: dict[str, tuple[str, str]] = {nl: (t["fr"], t["en"]) for nl, t in _phrases["pack_units"].items()}
# The packs of a template priced per 100 g.
PACKS_PER_100G = _packs_per_kg(_phrases["packs_per_100_g"])
# The words of each allergen in the "may contain" sentence, (nl, fr, en); French carries its "de"/"d'".
ALLERGEN_WORDS: dict[str, Texts] = {allergen: texts(t) for allergen, t in _phrases["allergens"].items()}
# The "may contain" sentence after the ingredient list ({} is the list of allergen words), (nl, fr, en).
MAY_CONTAIN_SENTENCE: Texts = texts(_phrases["may_contain_sentence"])
# The sentence a recognition label adds to a product's description, (nl, fr, en).
RECOGNITION_NOTES: dict[str, Texts] = {label: texts(t) for label, t in _phrases["recognition_notes"].items()}
