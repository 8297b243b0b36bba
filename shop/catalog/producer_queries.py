"""Reads for the producers directory, its map and the producer page.

Filters come from GET parameters (Dutch, like the products list): ``streek``, ``gemeente`` and
``categorie`` (a product type: a producer matches when it has a published product in that category or
its subcategories). Several values of one parameter are OR-ed, different parameters AND-ed. Values we do
not know are dropped with a notice; nothing here raises on bad input. ``toon=<parameter>`` shows that
facet with all its values (a long facet shows its top values and a link to them all).

Every function runs a fixed number of queries, whatever the number of producers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Float, Integer, String, cast, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from shop.accounts import producer_names
from shop.accounts.models import Role, User
from shop.catalog.map import MAP_TOWN_SHORT_NAMES, MAP_TOWNS, Pin, ProvinceMap, Site, Town, build_province_map
from shop.catalog.models import (
    Category,
    Label,
    Locality,
    Municipality,
    Producer,
    Product,
    Region,
    producer_labels,
    product_sale_clause,
)
from shop.catalog.product_filters import parse_page_number
from shop.catalog.product_queries import PageLinks, card_options
from shop.core.db import Translated
from shop.core.page_cache import until_catalogue_changes
from shop.extensions import db

MAX_VALUES_PER_FILTER = 40
MAX_SLUG_LENGTH = 160
SHOWN_VALUE_LENGTH = 40
PRODUCTS_ON_PRODUCER_PAGE = 24
# The directory lists this many producers per page (the map shows every producer that matches).
PRODUCERS_PER_PAGE = 24

# parameter -> attribute of ProducerFilters
FILTER_PARAMETERS = {"streek": "regions", "gemeente": "municipalities", "categorie": "categories"}
# Facets that ``toon=<name>`` shows with all their values (from their "Toon alle" link, shop/core/facets.py).
OPENABLE_FACETS = tuple(FILTER_PARAMETERS)


def _is_slug_like(value: str) -> bool:
    """Could this be a slug? Control characters (a NUL byte breaks PostgreSQL text) never are."""
    return 0 < len(value) <= MAX_SLUG_LENGTH and all(ord(ch) >= 32 for ch in value)


def _shown(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= SHOWN_VALUE_LENGTH else value[: SHOWN_VALUE_LENGTH - 1] + "…"


@dataclass
class ProducerFilters:
    regions: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    page: int = 1
    opened_facets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(self.regions or self.municipalities or self.categories)

    def to_args(self) -> dict[str, list[str]]:
        """The filters as query parameters, without the page (a changed filter starts on page 1)."""
        return {p: list(getattr(self, a)) for p, a in FILTER_PARAMETERS.items() if getattr(self, a)}

    def args_for_page(self, page: int) -> dict[str, list[str]]:
        args = self.to_args()
        if page > 1:
            args["pagina"] = [str(page)]
        return args

    def args_opening(self, facet: str) -> dict[str, list[str]]:
        """This page with one facet shown whole: a facet's "Toon alle" link."""
        args = self.args_for_page(self.page)
        args["toon"] = [facet]
        return args

    def args_without(self, parameter: str, value: str) -> dict[str, list[str]]:
        """The current filters minus one value: the link of a removable chip."""
        args = self.to_args()
        remaining = [v for v in args.get(parameter, []) if v != value]
        if remaining:
            args[parameter] = remaining
        else:
            args.pop(parameter, None)
        return args


def parse_producer_filters(args) -> ProducerFilters:
    """Read ``streek``, ``gemeente`` and ``categorie`` from a MultiDict; never raises.

    Only the form of the values is checked here; ``get_producer_directory`` drops unknown ones.
    """
    filters = ProducerFilters()
    for parameter, attribute in FILTER_PARAMETERS.items():
        values: list[str] = []
        for raw in args.getlist(parameter):
            value = raw.strip().lower()
            if not value:
                continue
            if len(value) > MAX_SLUG_LENGTH:
                filters.notices.append(str(_l("Een te lange filterwaarde is genegeerd.")))
                continue
            if value not in values:
                values.append(value)
        if len(values) > MAX_VALUES_PER_FILTER:
            filters.notices.append(
                str(_l("Te veel filterwaarden; enkel de eerste %(count)d zijn gebruikt.", count=MAX_VALUES_PER_FILTER))
            )
            values = values[:MAX_VALUES_PER_FILTER]
        setattr(filters, attribute, values)
    raw_page = args.get("pagina")
    if raw_page is not None and raw_page.strip() not in ("", "1"):
        page = parse_page_number(raw_page)
        if page is None:
            filters.notices.append(str(_l("Ongeldig paginanummer; we tonen de eerste pagina.")))
        else:
            filters.page = page
    filters.opened_facets = [name for name in OPENABLE_FACETS if name in args.getlist("toon")]
    return filters


@dataclass
class FacetValue:
    """One choice in a filter: the object (for its translated name), how many producers, ticked or not."""

    slug: str
    item: object
    count: int
    selected: bool


@dataclass(eq=False)
class Place:
    """A region, municipality, category or label as plain values, kept between requests until the catalogue changes
    (``get_directory_places``): it belongs to no session, so reading it costs no statement. Translated as the
    catalogue's objects are (``t``, the ``tr`` filter)."""

    id: int
    slug: str
    name: str
    translations: dict | None
    parent_id: int | None = None  # a category's parent
    region: Place | None = None  # a municipality's region
    region_id: int | None = None
    latitude: float = 0.0
    longitude: float = 0.0

    t = Translated.t


@dataclass(eq=False)
class DirectoryPlaces:
    """Every region, municipality (with its region), category and label, and the map's sites and towns: the same
    for every page of the directory, read in two statements and kept until the catalogue changes."""

    regions: list[Place]  # by name
    municipalities: list[Place]  # by name
    categories: list[Place]  # by position and name
    labels: dict[int, Place]
    sites: tuple[Site, ...]
    towns: tuple[Town, ...]

    def __post_init__(self):
        self.region_by_slug = {r.slug: r for r in self.regions}
        self.municipality_by_slug = {m.slug: m for m in self.municipalities}
        self.municipality_by_id = {m.id: m for m in self.municipalities}
        self.category_by_slug = {c.slug: c for c in self.categories}
        self.top_categories = [c for c in self.categories if c.parent_id is None]
        self.region_slug_by_municipality = {m.id: m.region.slug for m in self.municipalities}


def _read_places() -> DirectoryPlaces:
    """Regions, municipalities and localities in one statement; categories and labels in another."""
    def rows(kind: str, model, owner, latitude, longitude, slug=None, translations=None):
        return select(
            literal(kind, String).label("kind"), model.id, (slug if slug is not None else model.slug).label("slug"),
            model.name, (translations if translations is not None else model.translations).label("translations"),
            owner.label("owner"), latitude.label("latitude"), longitude.label("longitude"),
        )

    no_number = cast(null(), Float)
    places = db.session.execute(union_all(
        rows("region", Region, cast(null(), Integer), no_number, no_number),
        rows("municipality", Municipality, Municipality.region_id, Municipality.latitude, Municipality.longitude),
        rows("locality", Locality, Locality.municipality_id, Locality.latitude, Locality.longitude,
             slug=cast(null(), String), translations=cast(null(), JSON)),
    )).all()
    regions = {row.id: Place(row.id, row.slug, row.name, row.translations) for row in places if row.kind == "region"}
    municipalities = [
        Place(row.id, row.slug, row.name, row.translations, region=regions[row.owner], region_id=row.owner,
              latitude=row.latitude, longitude=row.longitude)
        for row in places if row.kind == "municipality"
    ]
    municipalities.sort(key=lambda m: (m.name, m.id))
    # A region without municipalities has no producers and no place on the map.
    region_list = sorted({m.region.id: m.region for m in municipalities}.values(), key=lambda r: (r.name, r.id))

    # Every locality and municipality centre is a site of the map, by its region and municipality.
    slug_of = {m.id: m.slug for m in municipalities}
    region_of = {m.id: m.region.slug for m in municipalities}
    sites = [Site(m.latitude, m.longitude, m.region.slug, m.slug) for m in municipalities]
    sites += [
        Site(row.latitude, row.longitude, region_of[row.owner], slug_of[row.owner])
        for row in sorted((row for row in places if row.kind == "locality"), key=lambda row: row.id)
        if row.owner in slug_of
    ]
    wanted = set(MAP_TOWNS)
    towns = [Town(MAP_TOWN_SHORT_NAMES.get(m.name, m.name), m.latitude, m.longitude)
             for m in municipalities if m.name in wanted]

    names = db.session.execute(union_all(
        select(literal("category", String).label("kind"), Category.id, Category.slug, Category.name,
               Category.translations.label("translations"), Category.parent_id.label("parent_id"),
               Category.position.label("position")),
        select(literal("label", String), Label.id, Label.slug, Label.name, Label.translations,
               cast(null(), Integer), literal(0, Integer)),
    )).all()
    categories = sorted((row for row in names if row.kind == "category"), key=lambda row: (row.position, row.name))
    return DirectoryPlaces(
        regions=region_list,
        municipalities=municipalities,
        categories=[Place(row.id, row.slug, row.name, row.translations, parent_id=row.parent_id) for row in categories],
        labels={row.id: Place(row.id, row.slug, row.name, row.translations) for row in names if row.kind == "label"},
        sites=tuple(sites),
        towns=tuple(towns),
    )


def get_directory_places() -> DirectoryPlaces:
    """The directory's places and names (``DirectoryPlaces``), kept until the catalogue changes: every writer of a
    region, municipality, locality, category or label announces it (``catalogue_changed``)."""
    places, _kept = until_catalogue_changes("producers:places", _read_places)
    return places


@dataclass(eq=False)
class DirectoryEntry:
    """A producer as the directory lists it."""

    slug: str
    name: str
    photo_path: str | None
    place_name: str  # its locality, else its municipality
    municipality: Place
    labels: list[Place]


@dataclass
class MunicipalityGroup:
    municipality: Place
    producers: list[DirectoryEntry]


@dataclass
class ProducerDirectory(PageLinks):
    filters: ProducerFilters
    producers: list  # every producer that matches, as rows: id, slug, name, latitude, longitude, municipality_id
    groups: list[MunicipalityGroup]  # this page's producers by municipality
    page: int
    pages: int
    municipality_pages: list[tuple[Municipality, int]]  # every municipality listed, with the page it starts on
    total_active: int
    region_facet: list[FacetValue]
    municipality_facet: list[FacetValue]
    category_facet: list[FacetValue]
    chips: list[tuple[str, str, object]]  # (parameter, slug, object) for every applied value
    regions: list[Region]
    map: ProvinceMap | None
    notices: list[str]


def _has_products_in(category_ids: Iterable[int]):
    """A producer has a product for sale in one of these categories (or their subcategories)."""
    ids = list(category_ids)
    return exists(
        select(Product.id)
        .join(Category, Category.id == Product.category_id)
        .where(
            Product.producer_id == Producer.id,
            Product.is_for_sale,
            or_(Category.id.in_(ids), Category.parent_id.in_(ids)),
        )
    )


def _conditions(region_ids, municipality_ids, category_ids, *, skip: str | None = None) -> list:
    """WHERE parts for the chosen filters; ``skip`` leaves one facet's own filter out (for its counts)."""
    conditions = [Producer.active.is_(True)]
    if region_ids and skip != "regions":
        conditions.append(Municipality.region_id.in_(region_ids))
    if municipality_ids and skip != "municipalities":
        conditions.append(Producer.municipality_id.in_(municipality_ids))
    if category_ids and skip != "categories":
        conditions.append(_has_products_in(category_ids))
    return conditions


def _entries(rows, places: DirectoryPlaces) -> list[DirectoryEntry]:
    """These producers (rows of the directory's statement) as the list shows them, with their labels (one
    statement; the labels themselves are among the kept names)."""
    if not rows:
        return []
    label_ids: dict[int, list[Place]] = {row.id: [] for row in rows}
    for producer_id, label_id in db.session.execute(
        select(producer_labels.c.producer_id, producer_labels.c.label_id)
        .where(producer_labels.c.producer_id.in_(list(label_ids)))
    ):
        label = places.labels.get(label_id)
        if label is not None:
            label_ids[producer_id].append(label)
    entries = []
    for row in rows:
        municipality = places.municipality_by_id[row.municipality_id]
        entries.append(DirectoryEntry(
            row.slug, row.name, row.photo_path, row.locality_name or municipality.name, municipality,
            sorted(label_ids[row.id], key=lambda label: (label.name, label.id)),
        ))
    return entries


def get_producer_directory(filters: ProducerFilters, *, with_map: bool = True) -> ProducerDirectory:
    """Active producers matching the filters, grouped by municipality, with facet counts and the map.

    Each facet's counts apply the other facets' filters but not its own, so a ticked value's siblings
    still show how many they would add. Values with no producers are left out of the facets.
    """
    notices = list(filters.notices)
    places = get_directory_places()
    regions, municipalities = places.regions, places.municipalities
    region_by_slug, municipality_by_slug = places.region_by_slug, places.municipality_by_slug
    chosen_categories = places.category_by_slug  # any category for a chosen slug, the top ones for the facet

    def known(values: list[str], lookup: dict, message) -> list[str]:
        kept = []
        for value in values:
            if value in lookup:
                kept.append(value)
            else:
                printable = "".join(ch for ch in value if ord(ch) >= 32)
                notices.append(str(message) % {"value": _shown(printable)})
        return kept

    filters.regions = known(filters.regions, region_by_slug, _l("We kennen geen streek \u201c%(value)s\u201d; die keuze is genegeerd."))
    filters.municipalities = known(
        filters.municipalities, municipality_by_slug, _l("We kennen geen gemeente \u201c%(value)s\u201d; die keuze is genegeerd.")
    )
    filters.categories = known(
        filters.categories, chosen_categories, _l("We kennen geen productsoort \u201c%(value)s\u201d; die keuze is genegeerd.")
    )
    region_ids = [region_by_slug[s].id for s in filters.regions]
    municipality_ids = [municipality_by_slug[s].id for s in filters.municipalities]
    category_ids = [chosen_categories[s].id for s in filters.categories]

    def producer_counts(kind: str, key, skip: str | None, *joins, all_active: bool = False):
        """Active producers per value of ``key``, under every chosen filter but the facet's own (``skip``)."""
        query = select(literal(kind).label("kind"), key.label("key"), func.count(func.distinct(Producer.id)))
        query = query.select_from(Producer).join(Producer.municipality)
        for target, on in joins:
            query = query.join(target, on)
        if all_active:
            return query.where(Producer.active.is_(True))
        conditions = _conditions(region_ids, municipality_ids, category_ids, skip=skip)
        return query.where(*conditions).group_by(key)

    # Every count in one statement. Whether a producer offers a category is asked per (producer, category) pair, an
    # index seek each in ix_products_facets (status, producer, category), instead of grouping every product for sale
    # (the producer's own condition is in _conditions): a few hundred producers times forty categories stay cheap at
    # any number of products, where the grouping read the whole index (105 ms at 100x the demo catalogue, SQLite).
    def count() -> list[tuple[str, int | None, int]]:
        offers = (
            select(Product.id)
            .where(Product.producer_id == Producer.id, Product.category_id == Category.id, product_sale_clause())
            .correlate(Producer, Category)
            .exists()
        )
        top_id = func.coalesce(Category.parent_id, Category.id)
        return [tuple(row) for row in db.session.execute(
            union_all(
                producer_counts("regions", Municipality.region_id, "regions"),
                producer_counts("municipalities", Producer.municipality_id, "municipalities"),
                producer_counts(
                    "categories", top_id, "categories",
                    (Category, offers),
                ),
                producer_counts("total", cast(null(), Integer), None, all_active=True),
            )
        )]

    # The counts (plain numbers) only change with the catalogue: kept until it changes for the directory itself and
    # for each single value chosen (a hundred or so sets at most), the links every page offers.
    chosen = (tuple(region_ids), tuple(municipality_ids), tuple(category_ids))
    if sum(len(ids) for ids in chosen) <= 1:
        rows, _kept = until_catalogue_changes(f"producers:counts:{chosen}", count)
    else:
        rows = count()
    counts: dict[str, dict[int | None, int]] = {"regions": {}, "municipalities": {}, "categories": {}, "total": {}}
    for kind, key, count in rows:
        counts[kind][key] = count
    region_counts, municipality_counts, category_counts = counts["regions"], counts["municipalities"], counts["categories"]
    total_active = counts["total"].get(None, 0)

    # Every matching producer as a row (the map, the counts, the index of municipalities), with what the list shows of
    # it (its photo and locality); this page's ones get their labels (``_entries``). No producer objects: one with its
    # place and labels cost ten times a row.
    producers = db.session.execute(
        select(Producer.id, Producer.slug, Producer.name, Producer.latitude, Producer.longitude,
               Producer.municipality_id, Producer.photo_path, Locality.name.label("locality_name"))
        .join(Producer.municipality)
        .outerjoin(Producer.locality)
        .where(*_conditions(region_ids, municipality_ids, category_ids))
        .order_by(Municipality.name, Producer.name, Producer.id)
    ).all()

    pages = max(1, -(-len(producers) // PRODUCERS_PER_PAGE))
    page = filters.page
    if page > pages:
        shown_page = page if page < 10**6 else "…"  # a made-up huge number is not worth repeating
        notices.append(
            str(_l("Pagina %(page)s bestaat niet; we tonen de laatste pagina (%(last)s).", page=shown_page, last=pages))
        )
        page = filters.page = pages
    start = (page - 1) * PRODUCERS_PER_PAGE
    on_page = _entries(producers[start:start + PRODUCERS_PER_PAGE], places)
    groups: list[MunicipalityGroup] = []
    for producer in on_page:
        if not groups or groups[-1].municipality is not producer.municipality:
            groups.append(MunicipalityGroup(producer.municipality, []))
        groups[-1].producers.append(producer)
    municipality_by_id = places.municipality_by_id
    municipality_pages: list[tuple[Place, int]] = []
    last = None
    for index, (_id, _slug, _name, _latitude, _longitude, municipality_id, *_rest) in enumerate(producers):
        if municipality_id != last:
            municipality_pages.append((municipality_by_id[municipality_id], index // PRODUCERS_PER_PAGE + 1))
            last = municipality_id

    def facet(values, counts: dict[int, int], chosen: list[str]) -> list[FacetValue]:
        """The values with their counts; a value without producers is left out unless it is ticked."""
        return [FacetValue(v.slug, v, counts.get(v.id, 0), v.slug in chosen)
                for v in values if counts.get(v.id) or v.slug in chosen]

    region_facet = facet(regions, region_counts, filters.regions)
    municipality_facet = facet(municipalities, municipality_counts, filters.municipalities)
    category_facet = facet(places.top_categories, category_counts, filters.categories)
    chips = (
        [("streek", s, region_by_slug[s]) for s in filters.regions]
        + [("gemeente", s, municipality_by_slug[s]) for s in filters.municipalities]
        + [("categorie", s, chosen_categories[s]) for s in filters.categories]
    )

    province_map = None
    if with_map:
        province_map = build_map(places, producers, highlight=set(filters.regions))

    return ProducerDirectory(
        filters=filters,
        producers=producers,
        groups=groups,
        page=page,
        pages=pages,
        municipality_pages=municipality_pages,
        total_active=total_active,
        region_facet=region_facet,
        municipality_facet=municipality_facet,
        category_facet=category_facet,
        chips=chips,
        regions=regions,
        map=province_map,
        notices=notices,
    )


# --- the map --------------------------------------------------------------------------------------


@dataclass
class MapView:
    """What the map template needs: the geometry plus which regions to show dimmed."""

    geometry: ProvinceMap
    dimmed: set[str]
    legend: list[tuple[Place, str]]


def build_map(
    places: DirectoryPlaces,
    producers: list,
    *,
    highlight: set[str] | None = None,
    with_towns: bool = True,
) -> MapView | None:
    """The province map with one marker per producer given: a row (id, slug, name, latitude, longitude,
    municipality_id, anything else) as the directory reads them, in one of the places' municipalities.

    ``highlight`` holds region slugs to keep bright; the other regions are dimmed. None when there is
    nothing at all to draw.
    """
    regions = places.regions
    if not places.municipalities and not producers:
        return None
    region_of = places.region_slug_by_municipality
    pins = [Pin(slug, name, latitude, longitude, region_of.get(municipality_id, ""))
            for _id, slug, name, latitude, longitude, municipality_id, *_rest in producers]
    geometry = build_province_map(
        places.sites,
        pins,
        towns=places.towns if with_towns else (),
        region_order=[r.slug for r in regions],
    )
    colors = {shape.key: shape.color for shape in geometry.regions}
    dimmed = {r.slug for r in regions if highlight and r.slug not in highlight}
    legend = [(r, colors[r.slug]) for r in regions if r.slug in colors]
    return MapView(geometry, dimmed, legend)


# --- the producer page ----------------------------------------------------------------------------


@dataclass
class ProducerPage:
    producer: Producer
    products: list[Product]
    product_count: int
    map: MapView | None


def get_producer_page(slug: str) -> ProducerPage | None:
    """An active producer with its published products (in stock first), or None (unknown or inactive)."""
    if not _is_slug_like(slug):
        return None
    producer = db.session.scalars(
        select(Producer)
        .where(Producer.slug == slug, Producer.active.is_(True))
        .options(
            joinedload(Producer.municipality).joinedload(Municipality.region),
            joinedload(Producer.locality),
            selectinload(Producer.labels),
        )
    ).unique().first()
    if producer is None:
        return None
    published = (Product.producer_id == producer.id, Product.is_for_sale)
    product_count = db.session.scalar(select(func.count(Product.id)).where(*published)) or 0
    products = list(
        db.session.scalars(
            select(Product)
            .where(*published)
            .options(*card_options())
            .order_by((Product.stock > 0).desc(), Product.name, Product.id)
            .limit(PRODUCTS_ON_PRODUCER_PAGE)
        ).unique()
    )
    pin = (producer.id, producer.slug, producer.name, producer.latitude, producer.longitude, producer.municipality_id)
    small_map = build_map(get_directory_places(), [pin], highlight={producer.municipality.region.slug},
                          with_towns=False)
    return ProducerPage(producer, products, product_count, small_map)


def recipients_for(producer: Producer) -> list[tuple[str, str]]:
    """(e-mail, locale) of the producer's active users; the producer's own e-mail when it has none."""
    users = db.session.scalars(
        select(User).where(User.producer_id == producer.id, User.role == Role.PRODUCER, User.active.is_(True))
        .order_by(User.id)
    ).all()
    recipients = [(user.email, user.locale or "nl") for user in users if user.email]
    if not recipients and producer.email:
        recipients = [(producer.email, "nl")]
    return recipients


# --- the producer of a producer user (accounts keeps only users.producer_id) --------------------------------------


def get_producer_of(user: User) -> Producer | None:
    """The producer a producer user works for; None for other users. Read through the session's identity map,
    so asking again in the same request costs no query."""
    return db.session.get(Producer, user.producer_id) if user.producer_id is not None else None


def producer_name_of(producer_id: int) -> str | None:
    producer = db.session.get(Producer, producer_id)
    return producer.name if producer is not None else None


def connect_to_accounts() -> None:
    """Let accounts name a user's producer (invitation page, personal-data export); called by create_app."""
    producer_names.set_lookup(producer_name_of)
