"""Reads for the gift packages list, the package page and the home page's featured packages.

Availability, the VAT split and the food summary come from ``shop.packages.services``; this module only
loads what those rules need (in a fixed number of queries) and shapes it for the pages.

The list's GET parameters: ``q`` (search words, matched like the product search), ``gelegenheid`` (occasion
slug; several are OR-ed), ``beschikbaar=1`` (only packages that can be ordered now) and ``sorteer`` (``aanbevolen``, ``prijs_op``, ``prijs_af``). Bad values
are dropped with a notice; nothing here raises on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Municipality, NetUnit, Producer, Product
from shop.catalog.search import MAX_QUERY_LENGTH, matches, parse_query
from shop.catalog.vat import VatCategory
from shop.core.clock import shop_today
from shop.core.page_cache import until_catalogue_changes
from shop.extensions import db
from shop.packages.models import Occasion, Package, PackageComponent
from shop.packages.services import (
    FoodSummary,
    available_quantity,
    components_list_price_cents,
    food_summary,
    vat_split,
)

MAX_SLUG_LENGTH = 160
MAX_VALUES_PER_FILTER = 40
SHOWN_VALUE_LENGTH = 40
LOW_STOCK = 5


def shown_available(quantity: int) -> int | None:
    """All that the packages' pages say of how many of a package can be sold: the number from LOW_STOCK down
    ("Beschikbaar: nog 3 pakketten", "Tijdelijk uitverkocht", the most its add button takes), above it only
    "Beschikbaar" (None)."""
    return max(quantity, 0) if quantity <= LOW_STOCK else None


def _is_slug_like(value: str) -> bool:
    """Could this be a slug? Control characters (a NUL byte breaks PostgreSQL text) never are."""
    return 0 < len(value) <= MAX_SLUG_LENGTH and all(ord(ch) >= 32 for ch in value)


def _shown(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= SHOWN_VALUE_LENGTH else value[: SHOWN_VALUE_LENGTH - 1] + "…"


class PackageSort(StrEnum):
    RECOMMENDED = "aanbevolen"
    PRICE_ASC = "prijs_op"
    PRICE_DESC = "prijs_af"


SORT_LABELS = {
    PackageSort.RECOMMENDED: _l("Aanbevolen"),
    PackageSort.PRICE_ASC: _l("Prijs: laagste eerst"),
    PackageSort.PRICE_DESC: _l("Prijs: hoogste eerst"),
}


@dataclass
class PackageFilters:
    occasions: list[str] = field(default_factory=list)
    only_available: bool = False
    sort: PackageSort = PackageSort.RECOMMENDED
    query: str = ""
    terms: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(self.occasions or self.only_available or self.terms)

    def to_args(self) -> dict[str, list[str]]:
        args: dict[str, list[str]] = {}
        if self.terms:
            args["q"] = [self.query]
        if self.occasions:
            args["gelegenheid"] = list(self.occasions)
        if self.only_available:
            args["beschikbaar"] = ["1"]
        if self.sort != PackageSort.RECOMMENDED:
            args["sorteer"] = [self.sort.value]
        return args

    def args_without(self, parameter: str, value: str | None = None) -> dict[str, list[str]]:
        args = self.to_args()
        remaining = [v for v in args.get(parameter, []) if value is not None and v != value]
        if remaining:
            args[parameter] = remaining
        else:
            args.pop(parameter, None)
        return args

    def args_cleared(self) -> dict[str, list[str]]:
        return {"sorteer": [self.sort.value]} if self.sort != PackageSort.RECOMMENDED else {}


def parse_package_filters(args) -> PackageFilters:
    """Read the list's filters from a MultiDict; never raises, explains what it dropped."""
    filters = PackageFilters()
    query = " ".join("".join(ch if ord(ch) >= 32 else " " for ch in (args.get("q") or "")).split())
    if len(query) > MAX_QUERY_LENGTH:
        query = query[:MAX_QUERY_LENGTH]
        filters.notices.append(str(_l("Je zoekopdracht was te lang; we zochten met het begin ervan.")))
    filters.query, filters.terms = query, parse_query(query)
    for raw in args.getlist("gelegenheid"):
        value = raw.strip().lower()
        if not value:
            continue
        if len(value) > MAX_SLUG_LENGTH:
            filters.notices.append(str(_l("Een te lange filterwaarde is genegeerd.")))
        elif value not in filters.occasions:
            filters.occasions.append(value)
    if len(filters.occasions) > MAX_VALUES_PER_FILTER:
        filters.occasions = filters.occasions[:MAX_VALUES_PER_FILTER]
        filters.notices.append(
            str(_l("Te veel filterwaarden; enkel de eerste %(count)d zijn gebruikt.", count=MAX_VALUES_PER_FILTER))
        )
    flags = [v.strip() for v in args.getlist("beschikbaar") if v.strip()]
    if flags:
        if all(v in ("1", "ja", "on", "true") for v in flags):
            filters.only_available = True
        else:
            filters.notices.append(str(_l("Onbekende waarde voor \u201cenkel beschikbaar\u201d genegeerd.")))
    raw_sort = (args.get("sorteer") or "").strip()
    if raw_sort:
        try:
            filters.sort = PackageSort(raw_sort)
        except ValueError:
            filters.notices.append(str(_l("Onbekende sortering genegeerd.")))
    return filters


@dataclass
class PackageCard:
    """A package as a card shows it: whether it can be ordered (from the components' stock), how many products it
    holds, and what it saves on its components' list prices."""

    package: Package
    shown_available: int | None  # shown_available(available_quantity(package)): all a page may say of the stock
    savings_cents: int
    product_count: int

    @property
    def is_available(self) -> bool:
        return self.shown_available != 0


@dataclass(frozen=True)
class _CardFigures:
    """What a package's card shows of its components, as plain values (kept until the catalogue changes)."""

    shown_available: int | None
    list_price_cents: int
    product_count: int


def _figures(package: Package) -> _CardFigures:
    return _CardFigures(shown_available(available_quantity(package)), components_list_price_cents(package),
                        sum(component.quantity for component in package.components))


def _card(package: Package, figures: _CardFigures) -> PackageCard:
    return PackageCard(package, figures.shown_available, max(figures.list_price_cents - package.price_cents, 0),
                       figures.product_count)


def _availability_options():
    """What ``available_quantity`` and the list price read: the components, of their products only the columns of
    the sale rule, stock and price, of the products' producers only whether they are active. A product row in full
    (texts, translations, food information) cost ten times more to load, for nothing a card shows. (The VAT
    category's id is kept so that a price excluding VAT, for a company customer, loads the category without first
    loading the column.)"""
    return (
        selectinload(Package.components)
        .joinedload(PackageComponent.product)
        .load_only(Product.status, Product.stock, Product.price_cents, Product.producer_id, Product.vat_category_id)
        .joinedload(Product.producer)
        .load_only(Producer.active),
    )


def _active_packages_statement(with_components: bool):
    """The active packages with their occasions (what a card shows of the package itself), and with
    ``with_components`` their components as availability and a price excluding VAT read them."""
    options = (joinedload(Package.occasions), *(_availability_options() if with_components else ()))
    return (select(Package).where(Package.active.is_(True)).options(*options)
            .order_by(Package.featured.desc(), Package.name, Package.id))


def _active_packages(with_components: bool = False) -> list[Package]:
    return list(db.session.scalars(_active_packages_statement(with_components)).unique())


# Rows a package card's figures are read from (see _read_before).
_FIGURE_SOURCES = (Package, PackageComponent, Product, Producer)


def _read_before() -> bool:
    """Whether this session holds a row the cards' figures are read from, loaded before them (and not expired since):
    it keeps what it read then, which may predate the catalogue's generation read first by the figures."""
    return any(isinstance(obj, _FIGURE_SOURCES) and not inspect(obj).expired for obj in db.session.identity_map.values())


def _active_package_cards(with_components: bool = False) -> list[PackageCard]:
    """A card for each active package, in the recommended order (featured first, then by name).

    What the cards show of the components (availability, the number of products, the list price) only changes when
    the catalogue does, as every writer of components, products, producers and stock announces
    (``catalogue_changed``; a stock writer whenever ``shown_available`` of a package changes): it is kept as plain
    figures until then (``until_catalogue_changes``), so that a page loads the packages without their components,
    about four hundred objects fewer. Figures are only kept from rows read after the generation: a request that
    loaded products before (a search) computes them from its own rows and keeps nothing. ``with_components``: the
    components are loaded all the same (a visitor who sees prices excluding VAT: each price is split over them)."""
    if _read_before():
        return [_card(package, _figures(package)) for package in _active_packages(with_components=True)]
    loaded: list[Package] = []

    def compute() -> dict[int, _CardFigures]:
        loaded[:] = _active_packages(with_components=True)
        return {package.id: _figures(package) for package in loaded}

    figures, _kept = until_catalogue_changes("packages:card-figures", compute)
    packages = loaded or _active_packages(with_components)
    if any(package.id not in figures for package in packages):  # activated meanwhile: this request reads anew
        return [_card(package, _figures(package)) for package in _active_packages(with_components=True)]
    return [_card(package, figures[package.id]) for package in packages]


@dataclass
class OccasionFacet:
    occasion: Occasion
    count: int
    selected: bool


@dataclass
class PackageListing:
    filters: PackageFilters
    cards: list[PackageCard]
    occasion_facet: list[OccasionFacet]
    chosen_occasions: list[Occasion]
    total_active: int
    available_count: int
    notices: list[str]
    sort_labels: dict[PackageSort, object] = field(default_factory=lambda: dict(SORT_LABELS))


def list_packages(filters: PackageFilters, *, with_components: bool = False) -> PackageListing:
    """Active packages matching the filters, sorted, with occasion counts.

    The active packages are few (tens), so all are loaded once with what their cards show and filtered here;
    occasion counts honour the availability filter but not the occasion filter itself. ``with_components``: for a
    visitor who sees prices excluding VAT (each package's price is split over its components).
    """
    notices = list(filters.notices)
    occasions = list(db.session.scalars(select(Occasion).order_by(Occasion.position, Occasion.name)))
    by_slug = {o.slug: o for o in occasions}
    kept = []
    for slug in filters.occasions:
        if slug in by_slug:
            kept.append(slug)
        else:
            printable = "".join(ch for ch in slug if ord(ch) >= 32)
            notices.append(str(_l("We kennen geen gelegenheid \u201c%(value)s\u201d; die keuze is genegeerd.", value=_shown(printable))))
    filters.occasions = kept

    cards = _active_package_cards(with_components)
    total_active = len(cards)
    if filters.terms:
        cards = [c for c in cards if matches(c.package.search_text or "", filters.terms)]
    available_count = sum(1 for c in cards if c.is_available)
    if filters.only_available:
        cards = [c for c in cards if c.is_available]
    counts = {o.slug: 0 for o in occasions}
    for card in cards:
        for occasion in card.package.occasions:
            counts[occasion.slug] = counts.get(occasion.slug, 0) + 1
    if filters.occasions:
        wanted = set(filters.occasions)
        cards = [c for c in cards if wanted & {o.slug for o in c.package.occasions}]
    if filters.sort == PackageSort.PRICE_ASC:
        cards.sort(key=lambda c: (c.package.price_cents, c.package.name))
    elif filters.sort == PackageSort.PRICE_DESC:
        cards.sort(key=lambda c: (-c.package.price_cents, c.package.name))
    else:
        # What can be ordered now first, featured ones leading, then by name (the query's order; sort is stable).
        cards.sort(key=lambda c: (not c.is_available, not c.package.featured))

    facet = [
        OccasionFacet(o, counts.get(o.slug, 0), o.slug in filters.occasions)
        for o in occasions
        if counts.get(o.slug) or o.slug in filters.occasions
    ]
    return PackageListing(
        filters=filters,
        cards=cards,
        occasion_facet=facet,
        chosen_occasions=[by_slug[s] for s in filters.occasions],
        total_active=total_active,
        available_count=available_count,
        notices=notices,
    )


def search_packages(query: str, limit: int = 4, *, with_components: bool = False) -> tuple[list[PackageCard], int]:
    """Active packages matching the search words (for the product search page): the first ``limit`` cards,
    available ones first, and how many match in all. ``with_components`` as for ``list_packages``."""
    terms = parse_query(query)
    if not terms:
        return [], 0
    cards = [c for c in _active_package_cards(with_components) if matches(c.package.search_text or "", terms)]
    cards.sort(key=lambda c: (not c.is_available, not c.package.featured))
    return cards[:limit], len(cards)


def list_featured_packages(limit: int = 4, *, with_components: bool = False
                            ) -> tuple[list[PackageCard], list[Occasion]]:
    """For the home page: active packages that can be ordered now, featured ones first; and the occasions that at
    least one active package carries (for links), by position and name, read from the same packages.
    ``with_components`` as for ``list_packages``."""
    cards = _active_package_cards(with_components)
    occasions = {o.id: o for c in cards for o in c.package.occasions}
    return ([c for c in cards if c.is_available][:limit],
            sorted(occasions.values(), key=lambda o: (o.position, o.name)))


# --- the package page -----------------------------------------------------------------------------


@dataclass
class ProducerGroup:
    producer: Producer
    components: list[PackageComponent]


@dataclass
class NetTotals:
    grams: int
    millilitres: int
    pieces_without_weight: int


@dataclass
class PackagePage:
    package: Package
    available_quantity: int
    groups: list[ProducerGroup]
    food: FoodSummary
    vat_lines: list[dict[str, int]] | None
    list_price_cents: int
    savings_cents: int
    net_totals: NetTotals
    day: date

    @property
    def is_available(self) -> bool:
        return self.available_quantity > 0

    @property
    def is_low(self) -> bool:
        return 0 < self.available_quantity <= LOW_STOCK

    @property
    def has_named_substitutes(self) -> bool:
        return any(c.substitute is not None for g in self.groups for c in g.components)

    @property
    def rates(self) -> list[int]:
        return [line["rate"] for line in self.vat_lines or []]


def group_by_producer(package: Package) -> list[ProducerGroup]:
    """The composition grouped by producer, producers in the order their first item appears."""
    groups: dict[int, ProducerGroup] = {}
    for component in package.components:
        producer = component.product.producer
        groups.setdefault(producer.id, ProducerGroup(producer, [])).components.append(component)
    return list(groups.values())


def net_totals(package: Package) -> NetTotals:
    """Total net weight and volume of the contents (what a gift giver wants to know about the box)."""
    grams = millilitres = pieces = 0
    for component in package.components:
        product = component.product
        amount = (product.net_quantity or 0) * component.quantity
        if product.net_unit == NetUnit.GRAM and amount:
            grams += amount
        elif product.net_unit == NetUnit.MILLILITRE and amount:
            millilitres += amount
        else:
            pieces += component.quantity
    return NetTotals(grams, millilitres, pieces)


def get_package_page(slug: str, day: date | None = None, locale: str = "nl") -> PackagePage | None:
    """An active package with everything its page shows, or None (unknown or inactive). Three statements: the
    package with its occasions, its components with everything about their products joined, their labels."""
    if not _is_slug_like(slug):
        return None
    day = day or shop_today()
    product_path = selectinload(Package.components).joinedload(PackageComponent.product)
    substitute_path = selectinload(Package.components).joinedload(PackageComponent.substitute)
    package = db.session.scalars(
        select(Package)
        .where(Package.slug == slug, Package.active.is_(True))
        .options(
            joinedload(Package.occasions),
            product_path.joinedload(Product.producer).joinedload(Producer.municipality).joinedload(Municipality.region),
            product_path.joinedload(Product.producer).joinedload(Producer.locality),
            product_path.joinedload(Product.allergens),
            product_path.joinedload(Product.images),
            product_path.selectinload(Product.labels),
            product_path.joinedload(Product.category),
            product_path.joinedload(Product.vat_category).joinedload(VatCategory.rates),
            substitute_path.joinedload(Product.producer),
        )
    ).unique().first()
    if package is None:
        return None
    try:
        lines = vat_split(package, day) if package.components else None
    except LookupError:
        lines = None  # a component's VAT category has no rate yet: say nothing rather than something wrong
    list_price = components_list_price_cents(package)
    return PackagePage(
        package=package,
        available_quantity=available_quantity(package),
        groups=group_by_producer(package),
        food=food_summary(package, locale),
        vat_lines=lines,
        list_price_cents=list_price,
        savings_cents=max(list_price - package.price_cents, 0),
        net_totals=net_totals(package),
        day=day,
    )
