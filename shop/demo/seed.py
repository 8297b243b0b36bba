"""The demo catalogue: >= 250 fictitious producers, >= 2,000 products,
>= 30 gift packages and three demo log-ins, built deterministically from a seed.

The reference data (VAT, categories, labels, geography) comes from ``shop.reference``, which the seed loads
first; everything else from ``shop/demo/data``; randomness only from ``random.Random(seed)``.
Rows are written with bulk INSERTs in one transaction, committed at the end.
``seed_producers.py`` is the command line around :func:`seed`.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select

from shop.accounts.models import Role, User
from shop.catalog.allergens import Allergen, Presence
from shop.catalog.models import (
    ALL_MONTHS_MASK,
    Category,
    Label,
    Locality,
    Municipality,
    NetUnit,
    Producer,
    Product,
    ProductAllergen,
    ProductImage,
    ProductStatus,
    Region,
    producer_labels,
    product_labels,
)
from shop.catalog.search import build_search_text, slugify
from shop.catalog.services import product_search_text
from shop.catalog.vat import VatCategory
from shop.core.audit import record_action
from shop.core.db import utcnow
from shop.demo.data import geography, read_csv
from shop.demo.data import packages as package_ref
from shop.demo.data.producers import (
    ANCHORS,
    FARMS,
    GENERATIONS,
    GENERIC_CLOSERS,
    GROOT_VLEESHUIS,
    SHOP_HOURS,
    STREETS,
    SURNAMES,
    TYPES,
    TYPES_BY_KEY,
    ProducerType,
)
from shop.demo.data.templates import (
    ALLERGEN_WORDS,
    MAY_CONTAIN_SENTENCE,
    PACK_UNITS,
    PACKS_PER_100G,
    RECOGNITION_NOTES,
    SUBCATEGORIES,
    TEMPLATES,
    PackSize,
    Template,
    Variant,
)
from shop.extensions import db
from shop.inventory.services import receive_initial_stock
from shop.packages.models import Occasion, Package, PackageComponent, package_occasions
from shop.reference.loader import load_reference_data

DEFAULT_SEED = 2026

CATALOG_IMAGE_DIR = "static/img/catalog"
PRODUCER_IMAGE_DIR = "static/img/producers"
PACKAGE_IMAGE_DIR = "static/img/packages"

# The demo log-ins: (e-mail, password, role, display name).
DEMO_USERS = (
    ("producent@lekkeroostvlaams.be", "demo-producent-2026", Role.PRODUCER, "Demo producent"),
    ("personeel@lekkeroostvlaams.be", "demo-personeel-2026", Role.STAFF, "Demo personeel"),
    ("beheer@lekkeroostvlaams.be", "demo-beheer-2026", Role.ADMIN, "Demo beheer"),
)

Output = Callable[[str], None]


class DatabaseNotEmpty(Exception):
    """The database already holds a catalogue and neither reset nor if_empty was asked for."""


# --------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------


def season_mask(season: str) -> int:
    """``all`` -> 4095; ``"4-10"`` -> April to October; ``"10-3"`` wraps around the year."""
    season = (season or "").strip()
    if not season or season == "all":
        return ALL_MONTHS_MASK
    first, last = (int(part) for part in season.split("-"))
    mask, month = 0, first
    while True:
        mask |= 1 << (month - 1)
        if month == last:
            return mask
        month = month % 12 + 1


def nice_price(cents: float, rng: random.Random) -> int:
    """A shop price near ``cents`` that ends in 0, 5 or 9 (e.g. 4,49 / 4,50 / 4,35)."""
    tens = max(5, round(cents / 10))
    roll = rng.random()
    if roll < 0.45:
        return tens * 10 - 1
    if roll < 0.8:
        return tens * 10
    return max(50, round(cents / 5) * 5)


def jitter(value: float, spread: float, bounds: tuple[float, float], rng: random.Random) -> float:
    low, high = bounds
    return round(min(high, max(low, value + rng.uniform(-spread, spread))), 5)


def insert_ingredient(ingredients: str, extra: str) -> str:
    """Add ``extra`` to the first sentence (the ingredient list) of ``ingredients``."""
    if not extra:
        return ingredients
    head, dot, tail = ingredients.partition(".")
    return f"{head}, {extra}{dot or '.'}{tail}"


def food_texts(template: Template, variant: Variant | None = None,
               may_contain: list[str] | tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """Ingredients and storage advice of a product of ``template``, per language (nl, fr, en).

    ``variant`` adds its ingredients to the list; ``may_contain`` are the allergens of the "may contain"
    sentence. Raises KeyError for an allergen without words, so a text cannot slip into the seed untranslated.
    """
    extras = variant.adds if variant else ("", "", "")
    storage = template.storage or SUBCATEGORIES[template.subcategory].storage
    texts = {}
    for i, language in enumerate(("nl", "fr", "en")):
        text = insert_ingredient(template.ingredients[i], extras[i])
        if may_contain:
            text += MAY_CONTAIN_SENTENCE[i].format(", ".join(ALLERGEN_WORDS[a][i] for a in may_contain))
        texts[language] = {"ingredients": text, "storage": storage[i]}
    return texts


@dataclass(frozen=True)
class Pack:
    unit: str
    net_quantity: int
    net_unit: NetUnit
    factor: float

    @classmethod
    def of(cls, size: PackSize) -> Pack:
        return cls(size.unit, size.net_quantity, NetUnit(size.net_unit), size.price_factor)


_AMOUNT = re.compile(r"^(\d+(?:,\d+)?) (g|kg|ml|cl|l)\b")


def packs_for(template: Template) -> list[Pack]:
    """The sellable packs of a template: per-kg and per-100-g prices become whole packs."""
    unit = template.unit.strip()
    if unit == "per kg":
        options = template.packs_per_kg or SUBCATEGORIES[template.subcategory].packs_per_kg
        if not options:
            raise KeyError(f"no packs per kg for template {template.id} or its subcategory")
        packs = [Pack.of(size) for size in options]
    elif unit == "per 100 g":
        packs = [Pack.of(size) for size in PACKS_PER_100G]
    elif unit.startswith("per stuk"):
        grams = re.search(r"\((\d+) g\)", unit)
        packs = [Pack(unit, int(grams.group(1)), NetUnit.GRAM, 1.0) if grams else Pack(unit, 1, NetUnit.PIECE, 1.0)]
    elif match := re.match(r"^(\d+) stuks$", unit):
        packs = [Pack(unit, int(match.group(1)), NetUnit.PIECE, 1.0)]
    elif match := re.match(r"^(\d+) x (\d+) cl$", unit):
        packs = [Pack(unit, int(match.group(1)) * int(match.group(2)) * 10, NetUnit.MILLILITRE, 1.0)]
    elif match := _AMOUNT.match(unit):
        amount = float(match.group(1).replace(",", "."))
        scale, net_unit = {"g": (1, NetUnit.GRAM), "kg": (1000, NetUnit.GRAM), "ml": (1, NetUnit.MILLILITRE),
                           "cl": (10, NetUnit.MILLILITRE), "l": (1000, NetUnit.MILLILITRE)}[match.group(2)]
        label = f"{match.group(1)} {match.group(2)}"
        if "bag-in-box" in template.name[0].lower() and "bag-in-box" not in label:
            label += " bag-in-box"
        packs = [Pack(label, round(amount * scale), net_unit, 1.0)]
    else:  # pragma: no cover - the CSV holds no other forms
        raise ValueError(f"unknown unit {unit!r} in template {template.id}")
    packs.extend(Pack.of(size) for size in template.extra_sizes)
    return packs


# --------------------------------------------------------------------------------------------
# Database helpers
# --------------------------------------------------------------------------------------------


def _insert(model, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk INSERT; returns the new primary keys in the order of ``rows``."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _insert_plain(table_or_model, rows: list[dict[str, Any]]) -> None:
    if rows:
        target = table_or_model.insert() if hasattr(table_or_model, "c") else insert(table_or_model)
        db.session.execute(target, rows)


def _get_or_create(model, key: str, rows: list[dict[str, Any]]) -> dict[Any, int]:
    """Reference rows keyed by a unique column: reuse what exists, insert the rest; key -> id."""
    column = getattr(model, key)
    existing = dict(db.session.execute(select(column, model.id)).all())
    missing = [row for row in rows if row[key] not in existing]
    for row, new_id in zip(missing, _insert(model, missing)):
        existing[row[key]] = new_id
    return existing


def catalogue_is_empty() -> bool:
    """True when there are no producers, products or packages."""
    for model in (Producer, Product, Package):
        if db.session.scalar(select(func.count()).select_from(model)):
            return False
    return True


def refresh_planner_statistics(out: Output = print) -> None:
    """On PostgreSQL, ``VACUUM (ANALYZE)`` the database after the seed's bulk load (nothing on SQLite).

    Why: PostgreSQL plans each statement from its tables' statistics, and a bulk load leaves them empty until
    autovacuum comes by (never, on a server where it is off, as on CI's and the bench's). Without them the planner
    guesses a handful of rows per table: on the seeded bench databases the home page's season products took 14 ms
    instead of 0.4 ms (a bitmap scan of every published product) and the products list at 100 times the catalogue
    46 ms instead of 1 ms (a sequential scan of 247,700 product images), so the uncached pages measured the missing
    statistics, not the shop. The VACUUM also writes the visibility map that index-only scans read, as autovacuum
    would after the inserts. It needs a connection outside any transaction."""
    if db.engine.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")
    out(f"Planner statistics updated (VACUUM ANALYZE) in {time.perf_counter() - started:.1f} s.")


def empty_database() -> int:
    """Delete every row of every table the application knows, children first (never alembic_version)."""
    removed = 0
    for table in reversed(db.metadata.sorted_tables):
        if table.name == "alembic_version":
            continue
        removed += db.session.execute(table.delete()).rowcount or 0
    db.session.flush()
    return removed


# --------------------------------------------------------------------------------------------
# The seed
# --------------------------------------------------------------------------------------------


@dataclass
class ProducerPlan:
    type: ProducerType
    municipality: dict[str, Any]
    locality: dict[str, Any]
    anchor: bool = False
    name: str = ""
    slug: str = ""
    brand: str = ""
    id: int = 0
    active: bool = True
    labels: list[str] = field(default_factory=list)
    place: str = ""


@dataclass
class ProductPlan:
    producer: ProducerPlan
    template: str  # its id
    subcategory: str
    name: str
    price_cents: int
    stock: int
    status: ProductStatus
    row: dict[str, Any]
    allergens: list[tuple[str, Presence]]
    labels: list[str]
    illustration: str
    id: int = 0


class Seeder:
    def __init__(self, seed: int, out: Output):
        self.seed = seed
        self.rng = random.Random(seed)
        self.out = out
        self.counts: dict[str, int] = {}
        self.now = utcnow()

    # --- reference data ------------------------------------------------------------------
    def reference(self) -> None:
        """The reference data (shop/reference) first, then the ids and facts the demo builds on."""
        for line in load_reference_data().lines():
            self.out(f"  {line}")
        self.vat_ids = dict(db.session.execute(select(VatCategory.code, VatCategory.id)).all())
        self.label_ids = dict(db.session.execute(select(Label.slug, Label.id)).all())

        # In id order, which is the order of the reference files: the producers' places depend on it.
        region_slugs = dict(db.session.execute(select(Region.id, Region.slug)).all())
        self.municipalities = [
            {**row, "region": region_slugs[row["region_id"]]}
            for row in db.session.execute(
                select(Municipality.id, Municipality.nis_code, Municipality.slug, Municipality.name,
                       Municipality.main_postcode, Municipality.region_id, Municipality.latitude,
                       Municipality.longitude).order_by(Municipality.id)
            ).mappings()
        ]
        self.municipality_by_name = {m["name"]: m for m in self.municipalities}
        self.localities_by_municipality: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in db.session.execute(
            select(Locality.id, Locality.postcode, Locality.name, Locality.municipality_id, Locality.latitude,
                   Locality.longitude).order_by(Locality.id)
        ).mappings():
            self.localities_by_municipality[row["municipality_id"]].append(dict(row))

        self.category_ids: dict[str, int] = {}
        self.category_names: dict[str, tuple[str, str, str]] = {}  # sub slug -> (nl, fr, en)
        for category in db.session.scalars(select(Category).order_by(Category.id)):
            self.category_ids[category.slug] = category.id
            if category.parent_id is not None:
                self.category_names[category.slug] = (category.name, category.t("name", "fr"), category.t("name", "en"))

        self.occasion_ids = _get_or_create(
            Occasion,
            "slug",
            [{"slug": slug, "name": nl, "position": position, "translations": {"fr": {"name": fr}, "en": {"name": en}}}
             for position, (slug, (nl, fr, en)) in enumerate(package_ref.OCCASIONS.items())],
        )

    # --- producers -----------------------------------------------------------------------
    def plan_producers(self) -> list[ProducerPlan]:
        rng = self.rng
        plans: list[ProducerPlan] = []
        usage: Counter[int] = Counter()
        shuffled = {m_id: rng.sample(locs, len(locs)) for m_id, locs in sorted(self.localities_by_municipality.items())}

        def pick_locality(municipality, name: str | None = None):
            candidates = shuffled[municipality["id"]]
            if name:
                chosen = next(loc for loc in candidates if loc["name"] == name)
            else:
                chosen = min(candidates, key=lambda loc: usage[loc["id"]])  # first least-used, in shuffled order
            usage[chosen["id"]] += 1
            return chosen

        for anchor in ANCHORS:
            municipality = self.municipality_by_name[anchor.municipality]
            plans.append(ProducerPlan(TYPES_BY_KEY[anchor.type], municipality,
                                      pick_locality(municipality, anchor.locality), anchor=True))

        slots: list[dict[str, Any]] = []
        for municipality in self.municipalities:
            count = max(2, round(0.75 * len(self.localities_by_municipality[municipality["id"]])))
            count += 1 if rng.random() < 0.25 else 0
            slots.extend([municipality] * count)
        deck = [t for t in TYPES for _ in range(t.weight)]
        deck = deck * (len(slots) // len(deck) + 1)
        rng.shuffle(deck)
        for municipality, producer_type in zip(slots, deck):
            plans.append(ProducerPlan(producer_type, municipality, pick_locality(municipality)))
        return plans

    def _name(self, plan: ProducerPlan, used: set[str]) -> tuple[str, str]:
        rng = self.rng
        for _ in range(40):
            pattern = rng.choice(plan.type.names)
            surname = rng.choice(SURNAMES)
            brand = rng.choice(plan.type.brands) if plan.type.brands else ""
            farm = rng.choice(FARMS)
            name = pattern.format(farm=farm, surname=surname, brand=brand)
            if name not in used:
                used.add(name)
                return name, surname
        name = f"{name} ({plan.locality['name']})"
        used.add(name)
        return name, surname

    @staticmethod
    def _brand(name: str) -> str:
        """The producer's own name without its trade word(s): 'Brouwerij 't Hoppeke' -> 'Hoppeke',
        'Wijn- en ciderhoeve De Wielewaal' -> 'De Wielewaal'."""
        words = name.split(" ")
        # A trade word like "Wijn-" continues as "en ciderhoeve": skip the whole phrase.
        skip = 3 if len(words) > 3 and words[0].endswith("-") and words[1] == "en" else 1
        brand = " ".join(words[skip:]) if len(words) > skip else name
        return brand[3:] if brand.startswith("'t ") else brand

    def producers(self) -> None:
        rng = self.rng
        plans = self.plan_producers()
        used_names: set[str] = {GROOT_VLEESHUIS.name}
        used_slugs: set[str] = set()
        rows = []
        for plan in plans:
            name, surname = self._name(plan, used_names)
            slug = slugify(name)
            if slug in used_slugs:
                slug = f"{slug}-{slugify(plan.locality['name'])}"
            used_slugs.add(slug)
            plan.name, plan.slug, plan.brand = name, slug, self._brand(name)
            plan.place = plan.locality["name"]
            gen = rng.choice(GENERATIONS)
            fields = {
                "name": name, "place": plan.place, "surname": surname, "year": rng.randint(1921, 2019),
                "gen": gen[0], "gen_fr": gen[1], "gen_en": gen[2],
                "family_nl": f"de familie {surname}", "family_nl_cap": f"De familie {surname}",
                "family_fr": f"la famille {surname}", "family_fr_cap": f"La famille {surname}",
                "family_en": f"the {surname} family", "family_en_cap": f"The {surname} family",
            }
            opener = rng.choice(plan.type.openers)
            detail = rng.choice(plan.type.details)
            sentences = [opener, detail]
            if rng.random() < 0.6:
                sentences.append(rng.choice(GENERIC_CLOSERS))
            story = [" ".join(s[i].format(**fields) for s in sentences) for i in range(3)]
            plan.labels = [slug for slug, chance in plan.type.labels.items() if rng.random() < chance]
            plan.active = plan.anchor or rng.random() > 0.03
            has_shop = "hoevewinkel" in plan.labels or plan.type.has_shop
            rows.append(self._producer_row(
                plan, story, street=f"{rng.choice(STREETS)} {rng.randint(1, 160)}",
                hours=rng.choice(SHOP_HOURS) if has_shop else None,
            ))

        # The Groot Vleeshuis itself: ready dishes at the Groentenmarkt.
        gv = GROOT_VLEESHUIS
        municipality = self.municipality_by_name[gv.municipality]
        locality = next(loc for loc in self.localities_by_municipality[municipality["id"]]
                        if loc["name"] == gv.locality)
        vleeshuis = ProducerPlan(TYPES_BY_KEY[gv.type], municipality, locality, anchor=True, name=gv.name,
                                 slug=gv.slug, brand=gv.brand, labels=list(gv.labels), place=gv.locality)
        plans.append(vleeshuis)
        self.vleeshuis = vleeshuis
        row = self._producer_row(vleeshuis, list(gv.story), street=gv.street, hours=gv.hours, photo=gv.photo)
        row.update(latitude=gv.latitude, longitude=gv.longitude, email=gv.email, website=gv.website)
        rows.append(row)

        for plan, new_id in zip(plans, _insert(Producer, rows)):
            plan.id = new_id
        _insert_plain(producer_labels, [{"producer_id": p.id, "label_id": self.label_ids[slug]}
                                        for p in plans for slug in p.labels])
        self.producer_plans = plans
        localities = {p.locality["id"] for p in plans}
        municipalities = {p.municipality["id"] for p in plans}
        inactive = sum(1 for p in plans if not p.active)
        by_type = Counter(p.type.key for p in plans)
        self.counts.update(producers=len(plans), producer_municipalities=len(municipalities),
                           producer_localities=len(localities))
        self.out(f"  producers: {len(plans)} in {len(municipalities)} municipalities and {len(localities)} "
                 f"localities ({inactive} inactive; {len(by_type)} types)")

    def _producer_row(self, plan: ProducerPlan, story: list[str], *, street: str,
                      hours: tuple[str, str, str] | None, photo: str | None = None) -> dict[str, Any]:
        """The producer's row; ``story`` and ``hours`` (farm-shop hours, None without a shop) are (nl, fr, en)."""
        rng = self.rng
        zone = next((z for z, names in geography.PHONE_ZONES.items() if plan.municipality["name"] in names), "09")
        digits = [rng.randint(0, 9) for _ in range(7)]
        if rng.random() < 0.3:
            phone = f"04{rng.choice('789')}{digits[0]} {digits[1]}{digits[2]} {digits[3]}{digits[4]} {digits[5]}{digits[6]}"
        elif len(zone) == 2:
            phone = f"{zone} {rng.randint(2, 3)}{digits[0]}{digits[1]} {digits[2]}{digits[3]} {digits[4]}{digits[5]}"
        else:
            phone = f"{zone} {rng.randint(2, 9)}{digits[0]} {digits[1]}{digits[2]} {digits[3]}{digits[4]}"
        compact = plan.slug.replace("-", "")
        translations = {"fr": {"story": story[1]}, "en": {"story": story[2]}}
        if hours:
            translations["fr"]["farm_shop_hours"], translations["en"]["farm_shop_hours"] = hours[1], hours[2]
        return {
            "slug": plan.slug, "name": plan.name, "story": story[0], "street": street,
            "postcode": plan.locality["postcode"], "locality_id": plan.locality["id"],
            "municipality_id": plan.municipality["id"],
            "latitude": jitter(plan.locality["latitude"], 0.010, geography.LATITUDE_BOUNDS, rng),
            "longitude": jitter(plan.locality["longitude"], 0.015, geography.LONGITUDE_BOUNDS, rng),
            # Fictitious producers get addresses on the shop's demo domain, so no real farm is ever mailed.
            "email": f"{plan.slug}@demo.lekkeroostvlaams.be",
            "phone": phone,
            "website": f"https://www.{compact}.be" if rng.random() < 0.55 else "",
            "farm_shop_hours": hours[0] if hours else "",
            "photo_path": f"{PRODUCER_IMAGE_DIR}/{photo or plan.type.photo}.svg",
            "active": plan.active,
            "translations": translations,
            "created_at": self.now, "updated_at": self.now,
        }

    # --- products ------------------------------------------------------------------------
    def _eligible(self, template: Template, plan: ProducerPlan) -> bool:
        if template.skipped:
            return False
        if not template.origin_bound or self._in_origin(template, plan):
            return True
        return template.generic_outside_origin is not None

    @staticmethod
    def _in_origin(template: Template, plan: ProducerPlan) -> bool:
        if not template.origin_bound:
            return True
        for place in template.origin_bound:
            if place.startswith("region:"):
                if plan.municipality["region"] == place.split(":", 1)[1]:
                    return True
            elif place == plan.municipality["name"]:
                return True
        return False

    def products(self) -> None:
        rng = self.rng
        plans: list[ProductPlan] = []
        used_slugs: set[str] = set()
        for producer in self.producer_plans:
            if producer is self.vleeshuis:
                ids = list(GROOT_VLEESHUIS.templates)
                weights = {t: 1 for t in ids}
                count = len(ids) + 2
                forced = ids
            else:
                weights = {t: w for t, w in producer.type.templates.items()
                           if self._eligible(TEMPLATES[t], producer)}
                ids = list(weights)
                count = rng.randint(*producer.type.products)
                forced = [t for t in ids if TEMPLATES[t].origin_bound and self._in_origin(TEMPLATES[t], producer)
                          and (producer.anchor or rng.random() < 0.8)]
            taken: set[tuple] = set()
            names: set[tuple[str, str]] = set()
            uses: Counter[int] = Counter()
            made = 0
            queue = list(forced)
            attempts = 0
            while made < count and attempts < count * 8 and ids:
                attempts += 1
                showcase = bool(queue) and producer.anchor
                if queue:
                    template_id = queue.pop(0)
                else:
                    # A template already sold weighs less, so a range stays varied (not five sizes of one honey).
                    template_id = rng.choices(ids, weights=[weights[t] / (1 + 3 * uses[t]) for t in ids])[0]
                product = self._product(producer, TEMPLATES[template_id], taken, names, used_slugs,
                                        showcase=showcase)
                if product:
                    plans.append(product)
                    uses[template_id] += 1
                    made += 1
        self._write_products(plans)

    def _product(self, producer: ProducerPlan, template: Template, taken: set, names: set, used_slugs: set[str],
                 showcase: bool = False):
        """One product of ``producer`` from ``template``, or None when nothing new is left.

        A showcase product (a placed producer's own speciality) is always published and in stock.
        """
        rng = self.rng
        sub = template.subcategory
        packs = packs_for(template)
        offers = [(v, s) for v in range(-1, len(template.variants)) for s in range(len(packs))]
        fresh = [(v, s) for v, s in offers if (template.id, v, s) not in taken]
        if not fresh:
            return None
        plain = [(v, s) for v, s in fresh if v == -1]
        variant_index, size_index = rng.choice(plain if plain and rng.random() < 0.7 else fresh)
        taken.add((template.id, variant_index, size_index))
        pack = packs[size_index]
        variant = template.variants[variant_index] if variant_index >= 0 else None

        name_nl, name_fr, name_en = template.name
        price_factor = 1.0
        alcohol = template.alcohol_pct
        recognised = template.recognised
        if template.renamed:
            name_nl, name_fr, name_en = template.renamed
            recognised = False
        if template.origin_bound and not self._in_origin(template, producer):
            name_nl, name_fr, name_en = template.generic_outside_origin
            recognised = False
        if variant:
            name_nl, name_fr, name_en = variant.name
            price_factor = variant.price_factor
            alcohol = variant.alcohol_pct if variant.alcohol_pct is not None else alcohol
            recognised = False
        if producer.type.key == "brewery" and template.beer_style:
            style = template.beer_style if not variant else (name_nl, name_fr, name_en)
            name_nl, name_fr, name_en = (f"{producer.brand} {style[0]}", f"{producer.brand} {style[1]}",
                                         f"{producer.brand} {style[2]}")
        elif producer.type.key == "brewery" and template.brewery_name:
            name_nl, name_fr, name_en = (name.format(brand=producer.brand) for name in template.brewery_name)
        elif producer.type.key == "winery" and template.wine_name:
            base = template.wine_name if not variant else (name_nl, name_fr, name_en)
            name_nl, name_fr, name_en = (f"{producer.brand} {base[0]}", f"{producer.brand} {base[1]}",
                                         f"{producer.brand} {base[2]}")
        elif producer.type.key in template.own_name_types and rng.random() < 0.35:
            name_nl, name_fr, name_en = (f"{name_nl} '{producer.brand}'", f"{name_fr} « {producer.brand} »",
                                         f"{name_en} '{producer.brand}'")
        name_nl = name_nl[0].upper() + name_nl[1:]
        if (name_nl, pack.unit) in names:
            return None
        names.add((name_nl, pack.unit))

        price = nice_price(template.price_cents * pack.factor * price_factor * rng.uniform(0.85, 1.15), rng)
        roll = rng.random()
        stock = 0 if roll < 0.07 else rng.randint(1, 4) if roll < 0.17 else rng.randint(5, 60)
        roll = rng.random()
        status = (ProductStatus.DRAFT if roll < 0.015 else ProductStatus.PENDING_REVIEW if roll < 0.03
                  else ProductStatus.HIDDEN if roll < 0.045 else ProductStatus.PUBLISHED)
        if showcase:
            stock, status = max(stock, 12), ProductStatus.PUBLISHED

        contains = list(dict.fromkeys([*template.allergens, *(variant.allergens if variant else ())]))
        may_contain = [a for a, chance in SUBCATEGORIES[sub].may_contain.items()
                       if a not in contains and rng.random() < chance]
        texts = food_texts(template, variant, may_contain)
        shelf_life = template.shelf_life_days or SUBCATEGORIES[sub].shelf_life_days
        if status == ProductStatus.DRAFT and rng.random() < 0.5:
            for fields in texts.values():
                fields["storage"] = ""  # a draft the producer has not finished yet
        text, storage = texts["nl"]["ingredients"], texts["nl"]["storage"]
        unit_fr, unit_en = PACK_UNITS[pack.unit]

        labels = []
        if recognised:
            labels.append("erkend-streekproduct")
            if template.eu_protected:
                labels.append("beschermde-oorsprong")
        if "bio" in producer.labels:
            labels.append("bio")
        place = producer.place
        descriptions = [d.format(producer=producer.name, place=place) for d in SUBCATEGORIES[sub].description]
        for label in labels:
            if label in RECOGNITION_NOTES:
                descriptions = [f"{d} {note}" for d, note in zip(descriptions, RECOGNITION_NOTES[label])]

        slug = slugify(f"{name_nl} {pack.unit} {producer.slug}", 160)
        while slug in used_slugs:
            slug = f"{slug[:150]}-{rng.randint(10, 99)}"
        used_slugs.add(slug)
        translations = {}
        for language, name, description, unit in (("fr", name_fr, descriptions[1], unit_fr),
                                                  ("en", name_en, descriptions[2], unit_en)):
            translations[language] = {"name": name, "description": description, "unit": unit}
            translations[language].update((field, value) for field, value in texts[language].items() if value)
        search_text = product_search_text(
            [name_nl, descriptions[0], name_fr, descriptions[1], name_en, descriptions[2]],
            producer_name=producer.name,
            place_names=[producer.place, producer.municipality["name"]],
            category_names=list(self.category_names[sub]),
        )
        row = {
            "producer_id": producer.id, "category_id": self.category_ids[sub],
            "vat_category_id": self.vat_ids[template.vat_category], "slug": slug, "name": name_nl,
            "description": descriptions[0], "unit": pack.unit, "net_quantity": pack.net_quantity,
            "net_unit": pack.net_unit, "price_cents": price, "stock": 0, "is_food": True,
            "ingredients": text, "storage": storage, "alcohol_pct": alcohol,
            "origin": producer.municipality["name"], "shelf_life_days": shelf_life,
            "perishable": template.perishable, "season_mask": season_mask(template.season),
            "status": status, "featured": status == ProductStatus.PUBLISHED and rng.random() < 0.05,
            "search_text": search_text, "translations": translations,
            "created_at": self.now, "updated_at": self.now,
        }
        allergens = [(a, Presence.CONTAINS) for a in contains] + [(a, Presence.MAY_CONTAIN) for a in may_contain]
        return ProductPlan(producer, template.id, sub, name_nl, price, stock, status, row, allergens, labels,
                           template.illustration)

    def _write_products(self, plans: list[ProductPlan]) -> None:
        for plan, new_id in zip(plans, _insert(Product, [p.row for p in plans])):
            plan.id = new_id
        _insert_plain(ProductAllergen, [{"product_id": p.id, "allergen": Allergen(a), "presence": presence}
                                        for p in plans for a, presence in p.allergens])
        _insert_plain(ProductImage, [{"product_id": p.id, "path": f"{CATALOG_IMAGE_DIR}/{p.illustration}.svg",
                                      "alt": f"Tekening: {p.name}", "position": 0} for p in plans])
        _insert_plain(product_labels, [{"product_id": p.id, "label_id": self.label_ids[slug]}
                                       for p in plans for slug in p.labels])
        movements = receive_initial_stock({p.id: p.stock for p in plans}, note="Beginvoorraad (demo)")
        self.product_plans = plans
        published = sum(1 for p in plans if p.status == ProductStatus.PUBLISHED)
        allergen_rows = sum(len(p.allergens) for p in plans)
        out_of_stock = sum(1 for p in plans if p.stock == 0)
        self.counts.update(products=len(plans), published_products=published, stock_movements=movements)
        self.out(f"  products: {len(plans)} ({published} published, {out_of_stock} out of stock, "
                 f"{sum(1 for p in plans if p.row['featured'])} featured); {allergen_rows} allergen rows, "
                 f"{len(plans)} images")
        self.out(f"  stock: {movements} initial movements, {sum(p.stock for p in plans)} units")

    # --- a larger catalogue for benchmarks ------------------------------------------------
    def scale_products(self, scale: int, batch: int = 5000) -> None:
        """Make the catalogue ``scale`` times as large: ``scale - 1`` copies of every product, each under the
        same producer with its own slug (``-r2`` ... ``-rN``), a price within 10 % and its own opening stock.

        For benchmarks (``seed_producers.py --scale N``). Copies are never featured and belong to no package, so
        the home page and the packages stay as at 1x; the randomness is its own (``scale-<seed>``), so the 1x
        part of the catalogue is the same whatever the scale. Written with bulk INSERTs, ``batch`` rows at a time.
        """
        if scale <= 1:
            return
        rng = random.Random(f"scale-{self.seed}")
        base = list(self.product_plans)
        made = movements = 0
        pending: list[tuple[ProductPlan, dict[str, Any], int]] = []

        def write() -> None:
            nonlocal made, movements
            ids = _insert(Product, [row for _, row, _ in pending])
            copies = [(plan, new_id) for (plan, _, _), new_id in zip(pending, ids, strict=True)]
            _insert_plain(ProductAllergen, [{"product_id": new_id, "allergen": Allergen(a), "presence": presence}
                                            for plan, new_id in copies for a, presence in plan.allergens])
            _insert_plain(ProductImage, [{"product_id": new_id, "alt": f"Tekening: {plan.name}", "position": 0,
                                          "path": f"{CATALOG_IMAGE_DIR}/{plan.illustration}.svg"}
                                         for plan, new_id in copies])
            _insert_plain(product_labels, [{"product_id": new_id, "label_id": self.label_ids[slug]}
                                           for plan, new_id in copies for slug in plan.labels])
            stock = {new_id: units for (_, _, units), new_id in zip(pending, ids, strict=True)}
            movements += receive_initial_stock(stock, note="Beginvoorraad (demo)")
            made += len(ids)
            pending.clear()

        for copy_number in range(2, scale + 1):
            for plan in base:
                row = {**plan.row, "slug": f"{plan.row['slug'][:150]}-r{copy_number}", "featured": False,
                       "price_cents": nice_price(plan.price_cents * rng.uniform(0.9, 1.1), rng)}
                pending.append((plan, row, 0 if plan.stock == 0 else rng.randint(1, 60)))
                if len(pending) >= batch:
                    write()
        if pending:
            write()
        self.counts.update(products=self.counts["products"] + made, scaled_copies=made,
                           stock_movements=self.counts["stock_movements"] + movements)
        self.out(f"  scale {scale}: {made} more products ({len(base)} x {scale - 1}), {movements} movements")

    # --- packages ------------------------------------------------------------------------
    def packages(self) -> None:
        rng = self.rng
        sellable = [p for p in self.product_plans
                    if p.status == ProductStatus.PUBLISHED and p.producer.active and p.stock >= 3
                    and not TEMPLATES[p.template].not_for_packages]
        by_template: dict[str, list[ProductPlan]] = defaultdict(list)
        by_sub: dict[str, list[ProductPlan]] = defaultdict(list)
        for product in sellable:
            by_template[product.template].append(product)
            by_sub[product.subcategory].append(product)
        substitutes_pool = [p for p in self.product_plans
                            if p.status == ProductStatus.PUBLISHED and p.producer.active and p.stock > 0]
        sub_by_template: dict[str, list[ProductPlan]] = defaultdict(list)
        for product in substitutes_pool:
            sub_by_template[product.template].append(product)

        package_rows, component_sets, occasion_rows = [], [], []
        skipped = []
        for theme in package_ref.THEMES:
            chosen: list[tuple[ProductPlan, int]] = []
            for slot in theme.slots:
                candidates: list[ProductPlan] = []
                for selector in slot.pick:
                    is_subcategory = selector.startswith(package_ref.SUBCATEGORY_PREFIX)
                    if is_subcategory:
                        pool = by_sub[selector.removeprefix(package_ref.SUBCATEGORY_PREFIX)]
                    else:
                        pool = by_template[selector]
                    candidates.extend(p for p in pool
                                      if theme.region is None or p.producer.municipality["region"] == theme.region)
                    if candidates and not is_subcategory:
                        break  # a named product is preferred over a broader fallback
                used_products = {p.id for p, _ in chosen}
                used_producers = {p.producer.id for p, _ in chosen}
                candidates = [p for p in candidates if p.id not in used_products]
                fresh = [p for p in candidates if p.producer.id not in used_producers]
                pick_from = fresh or candidates
                if pick_from:
                    chosen.append((rng.choice(pick_from), slot.quantity))
            producers = {p.producer.id for p, _ in chosen}
            if len(chosen) < 3 or len(producers) < 2:
                skipped.append(theme.slug)
                continue
            chosen = chosen[:8]
            list_price = sum(p.price_cents * q for p, q in chosen)
            price = nice_price(list_price * rng.uniform(0.90, 0.96), rng)
            if price >= list_price:
                price = list_price - 1
            component_names = [p.name for p, _ in chosen]
            occasion_names = [package_ref.OCCASIONS[o][0] for o in theme.occasions]
            names, stories = theme.name, theme.story
            package_rows.append({
                "slug": theme.slug, "name": names[0], "story": stories[0], "price_cents": price,
                "image_path": f"{PACKAGE_IMAGE_DIR}/{theme.image}.svg", "active": rng.random() > 0.04,
                "featured": theme.featured,
                "search_text": build_search_text(names[0], stories[0], names[1], stories[1], names[2], stories[2],
                                                 *occasion_names, *component_names),
                "translations": {"fr": {"name": names[1], "story": stories[1]},
                                 "en": {"name": names[2], "story": stories[2]}},
                "created_at": self.now, "updated_at": self.now,
            })
            component_sets.append(chosen)
            occasion_rows.append(theme.occasions)

        package_ids = _insert(Package, package_rows)
        component_rows = []
        substitutes = 0
        for package_id, chosen in zip(package_ids, component_sets):
            in_package = {p.id for p, _ in chosen}
            for position, (product, quantity) in enumerate(chosen):
                substitute_id = None
                if rng.random() < 0.4:
                    options = [s for s in sub_by_template[product.template]
                               if s.producer.id != product.producer.id and s.id not in in_package
                               and s.price_cents >= product.price_cents and s.row["unit"] == product.row["unit"]]
                    if options:
                        substitute_id = min(options, key=lambda s: (s.price_cents, s.id)).id
                        substitutes += 1
                component_rows.append({"package_id": package_id, "product_id": product.id, "quantity": quantity,
                                       "position": position, "substitute_product_id": substitute_id})
        _insert_plain(PackageComponent, component_rows)
        _insert_plain(package_occasions, [{"package_id": package_id, "occasion_id": self.occasion_ids[o]}
                                          for package_id, occasions in zip(package_ids, occasion_rows)
                                          for o in occasions])
        active = sum(1 for r in package_rows if r["active"])
        featured = sum(1 for r in package_rows if r["featured"])
        self.counts.update(packages=len(package_rows), package_components=len(component_rows))
        self.out(f"  packages: {len(package_rows)} ({active} active, {featured} featured), "
                 f"{len(component_rows)} components, {substitutes} with a substitute, "
                 f"{len(self.occasion_ids)} occasions")
        if skipped:
            self.out(f"  (themes without enough products for this seed: {', '.join(skipped)})")

    # --- users ---------------------------------------------------------------------------
    def users(self) -> list[tuple[str, str, str]]:
        producer = next(p for p in self.producer_plans if p.anchor and p.type.key == "dairy")
        self.demo_producer = producer
        existing = set(db.session.scalars(select(User.email)))
        logins = []
        for email, password, role, name in DEMO_USERS:
            if email in existing:
                self.out(f"  user {email} already exists; left unchanged")
                continue
            user = User(email=email, name=name, role=role, locale="nl", active=True, email_confirmed_at=self.now,
                        producer_id=producer.id if role == Role.PRODUCER else None)
            user.set_password(password)
            db.session.add(user)
            db.session.flush()
            # Access granted without an admin: the audit log says so (as it does for every invitation).
            record_action("user.create", by=None, subject_type="user", subject_id=user.id,
                          detail=f"{email} ({role.value}, demo seed)")
            logins.append((email, password, role.value))
        self.counts["users"] = len(logins)
        return logins


def orders_now():
    from shop.core.clock import shop_now

    return shop_now()


def seed(
    seed: int = DEFAULT_SEED, reset: bool = False, if_empty: bool = False, out: Output = print, with_orders: bool = True,
    scale: int = 1,
) -> dict[str, int]:
    """Fill the configured database with the demo catalogue; needs an app context.

    ``scale`` > 1 makes the catalogue that many times as large (copies of every product, for benchmarks; see
    ``Seeder.scale_products``). Raises ValueError for a scale below 1.

    Refuses (raises DatabaseNotEmpty) when producers, products or packages exist, unless ``reset``
    (empty every table first) or ``if_empty`` (then it skips and returns ``{"skipped": 1}``).
    Returns counts of what it made. Commits once at the end; rolls back on any error.
    """
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, not {scale}")
    started = time.perf_counter()
    url = db.engine.url.render_as_string(hide_password=True)
    if not reset and not catalogue_is_empty():
        if if_empty:
            out(f"The database already has a catalogue ({url}); seed skipped.")
            return {"skipped": 1}
        raise DatabaseNotEmpty(
            f"The database already has producers, products or packages ({url}). "
            "Run with --reset to empty it first (this deletes ALL data, also orders and users), "
            "or with --if-empty to skip seeding when it is filled."
        )
    out(f"Seeding the demo catalogue (seed {seed}{f', scale {scale}' if scale > 1 else ''}) into {url}")
    seeder = Seeder(seed, out)
    try:
        if reset:
            removed = empty_database()
            out(f"  reset: {removed} rows removed")
        seeder.reference()
        seeder.producers()
        seeder.products()
        seeder.packages()
        seeder.scale_products(scale)
        logins = seeder.users()
        if with_orders:
            from shop.demo.orders import seed_demo_orders

            seeder.counts.update(seed_demo_orders(random.Random(seed), seeder.demo_producer, orders_now(), out))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    elapsed = time.perf_counter() - started
    seeder.counts["seconds"] = round(elapsed, 2)
    out(f"Done in {elapsed:.1f} s: {seeder.counts['producers']} producers, {seeder.counts['products']} products, "
        f"{seeder.counts['packages']} packages.")
    if logins:
        out("Demo log-ins:")
        for email, password, role in logins:
            extra = f" ({seeder.demo_producer.name})" if role == Role.PRODUCER.value else ""
            out(f"  {role:<9} {email:<32} {password}{extra}")
    return seeder.counts
