"""Reads for the products list (``/producten``) and the product page (``/producten/<slug>``).

The list's counts come from the facet index of the catalogue's generation (``catalog.facet_index``: a set of bits
per facet value, kept per process and brought up to date after a sale, a price or another change of products that
moves none of them in it, by the products changed), and so does its choice of the page's products in the
recommended order, by name and by relevance: then two SQL statements whatever its filters, page or the catalogue's
size (the page of products with its producer, municipality, category and images joined, and the producers of the
producer facet), a search one more for terms it has not met since the index was built, the first list after a
change of products one to four more (reading those products again), and after any other change four more (the
build). Without the index
(a session with changes of its own) six statements, counting with SQL (``_counts``). Facet counts follow the usual
rule: a facet's counts apply every filter except that facet's own selection. The search reads its candidates from
the full-text index (``catalog.search_index``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from shop.catalog.allergens import Allergen
from shop.catalog.facet_index import MAX_KEPT, FacetIndex, counts_of, usable_index
from shop.catalog.models import (
    Category,
    Label,
    Municipality,
    Producer,
    Product,
    ProductAllergen,
    in_stock_first,
    producer_is_active,
    producer_labels,
    product_labels,
    product_sale_clause,
)
from shop.catalog.product_filters import (
    MAX_SLUG_LENGTH,
    ProductFilters,
    Sort,
    cents_to_text,
    has_control_characters,
    shown,
)
from shop.catalog.search_index import any_term_clause, matched_ids_statement, relevance, search_clause, term_matches
from shop.catalog.vat import VatCategory
from shop.extensions import db

LOW_STOCK_THRESHOLD = 5
# The producer facet shows the producers with the most products here (and every chosen one): a catalogue of
# thousands of producers must not put thousands of check boxes on every page.
MAX_PRODUCER_FACET_VALUES = 50
MORE_FROM_PRODUCER = 4


# --- small derivations shown on cards and product pages -------------------------------------------------


class StockLevel(StrEnum):
    IN = "in"
    LOW = "low"
    OUT = "out"


def stock_level(stock: int) -> StockLevel:
    """Out of stock at 0; "only N left" from LOW_STOCK_THRESHOLD down."""
    if stock <= 0:
        return StockLevel.OUT
    if stock <= LOW_STOCK_THRESHOLD:
        return StockLevel.LOW
    return StockLevel.IN


def shown_stock(stock: int) -> int | None:
    """All that a catalogue page says of a product's stock: the number itself from LOW_STOCK_THRESHOLD down ("Nog 3
    beschikbaar", "Uitverkocht", the most its add button takes, whether it is counted as in stock), and above it
    only "Op voorraad" (None). A stock change that leaves this the same changes no page."""
    return max(stock, 0) if stock <= LOW_STOCK_THRESHOLD else None


def season_ranges(mask: int) -> list[tuple[int, int]]:
    """The months of a season mask as (first, last) runs; a run may wrap over New Year (11, 2).

    ``[(1, 12)]`` means all year, ``[]`` no month at all.
    """
    months = [m for m in range(1, 13) if mask & (1 << (m - 1))]
    if len(months) == 12:
        return [(1, 12)]
    if not months:
        return []
    # Start right after a month out of season, so a run over New Year stays in one piece.
    gap = next(m for m in range(1, 13) if m not in months)
    order = [(gap + i - 1) % 12 + 1 for i in range(1, 13)]
    runs: list[tuple[int, int]] = []
    start = previous = None
    for month in order:
        if month in months:
            if start is None:
                start = month
            previous = month
        elif start is not None:
            runs.append((start, previous))
            start = None
    if start is not None:
        runs.append((start, previous))
    return runs


# --- loading options ------------------------------------------------------------------------------------


def card_options() -> tuple:
    """Loader options for everything ``templates/catalog/_product_card.html`` shows. Any page that renders
    product cards should load its products with ``.options(*card_options())`` to avoid lazy loads. One
    statement: the images are joined too (a product has one or two), so a list costs one query."""
    return (
        joinedload(Product.producer).joinedload(Producer.municipality),
        joinedload(Product.category),
        joinedload(Product.images),
    )


def _from_products(statement):
    """Products joined to their producer and municipality, the base of every list statement."""
    return (
        statement.select_from(Product)
        .join(Producer, Product.producer_id == Producer.id)
        .join(Municipality, Producer.municipality_id == Municipality.id)
    )


# --- the products list ----------------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    item: Any  # Category, Region, Municipality, Label, Producer or Allergen
    count: int
    selected: bool
    children: list[FacetValue] = field(default_factory=list)


@dataclass
class Chip:
    """An applied filter, shown as a removable chip. ``parameter``/``value`` name what its link removes."""

    parameter: str
    value: str | None
    kind: str
    item: Any


class PageLinks:
    """The page links of a list shown a page at a time (``page`` of ``pages``): the products list, the producers'
    directory."""

    page: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def page_numbers(self) -> list[int | None]:
        return page_links(self.page, self.pages)


@dataclass
class ProductListing(PageLinks):
    filters: ProductFilters
    products: list[Product]
    total: int
    page: int
    pages: int
    facets: dict[str, list[FacetValue]]
    in_season_count: int
    in_stock_count: int
    top_categories: list[Category]
    chips: list[Chip]
    notices: list[str]

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.filters.per_page + 1 if self.products else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.filters.per_page + len(self.products)


def page_links(page: int, pages: int) -> list[int | None]:
    """Pages to link: first, last and two either side of the current one; None marks a gap."""
    wanted = {1, pages, *range(page - 2, page + 3)}
    numbers: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if numbers and numbers[-1] is not None and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _keep_known(slugs: list[str], known: dict[str, Any], notices: list[str], message) -> list[str]:
    kept = []
    for slug in slugs:
        if slug in known:
            kept.append(slug)
        else:
            notices.append(str(message) % {"value": shown(slug)})
    return kept


def _order_keys(filters: ProductFilters) -> list[tuple[Any, bool]]:
    """The list's order as (expression, descending) pairs; the last key is the product's id, so the order is total."""
    if filters.sort == Sort.RELEVANCE and filters.terms:
        return [(relevance(filters.terms), True), (Product.name, False), (Product.id, False)]
    if filters.sort == Sort.PRICE_ASC:
        return [(Product.price_cents, False), (Product.name, False), (Product.id, False)]
    if filters.sort == Sort.PRICE_DESC:
        return [(Product.price_cents, True), (Product.name, False), (Product.id, False)]
    if filters.sort == Sort.NEWEST:
        return [(Product.created_at, True), (Product.id, True)]
    if filters.sort == Sort.NAME:
        return [(Product.name, False), (Product.id, False)]
    # Recommended: the shop's featured products first (a varied first page), then what can be bought now; the
    # order of the index ix_products_recommended.
    return [(Product.featured, True), (in_stock_first(), False), (Product.name, False), (Product.id, False)]


def _order_by(filters: ProductFilters, *, reverse: bool = False) -> list:
    """The list's ORDER BY, or its exact reverse (which reads the same index backwards)."""
    return [key.desc() if descending != reverse else key for key, descending in _order_keys(filters)]


def _count_if(conditions: list):
    return func.count(case((and_(*conditions), Product.id))) if conditions else func.count(Product.id)


def list_products(filters: ProductFilters, *, today: date, use_index: bool = True) -> ProductListing:
    """One page of products for sale (``Product.is_for_sale``) matching ``filters``, with facet counts.

    Unknown slugs are dropped from ``filters`` (with a notice) so that links never carry them on; a page
    beyond the last shows the last page, with a notice. ``today`` decides what is in season.

    The counts come from the facet index of the catalogue's generation (``catalog.facet_index``), and so does the
    page's choice of products in the recommended order, by name and by relevance (other orders: a sub-select, or
    in a search its matches read in that order): then two statements (the page of products with what its cards
    show, and the producers of the producer facet), a search one more for terms new to the index (their matches),
    the first list after a change of products one to four more (those products read again), and after a change the
    index cannot follow per product four more (the index's build). Without the index (a session with changes of its
    own not yet committed, or the generation unknown) six statements whatever the catalogue's
    size or the filters, counting with SQL: the categories, the places (municipalities with their regions), the
    labels, every count at once (``_counts``), the page of products and the producers of the producer facet;
    ``use_index=False`` asks for that way (the tests compare both).
    """
    notices = list(filters.notices)
    index = usable_index(today.month) if use_index else None

    # 1. What the slugs name. Categories, places and labels are few and needed whole for their facets.
    if index is not None:
        categories, places, label_list = index.categories, index.places, index.labels
    else:
        categories = db.session.scalars(
            select(Category).order_by(Category.position, Category.name, Category.id)).all()
        places = db.session.scalars(select(Municipality).options(joinedload(Municipality.region))).all()
        label_list = db.session.scalars(select(Label)).all()
    categories_by_slug = {c.slug: c for c in categories}
    municipalities = {m.slug: m for m in places}
    regions = {m.region.slug: m.region for m in places}
    labels = {label.slug: label for label in label_list}

    filters.categories = _keep_known(
        filters.categories, categories_by_slug, notices, _l("Onbekende categorie genegeerd: %(value)s.")
    )
    filters.regions = _keep_known(filters.regions, regions, notices, _l("Onbekende streek genegeerd: %(value)s."))
    filters.municipalities = _keep_known(
        filters.municipalities, municipalities, notices, _l("Onbekende gemeente genegeerd: %(value)s.")
    )
    filters.labels = _keep_known(filters.labels, labels, notices, _l("Onbekend label genegeerd: %(value)s."))

    children_by_parent: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children_by_parent.setdefault(category.parent_id, []).append(category)
    category_ids: set[int] = set()
    for slug in filters.categories:
        category = categories_by_slug[slug]
        category_ids.add(category.id)
        category_ids.update(child.id for child in children_by_parent.get(category.id, []))

    # 2. The conditions, per facet, so that a facet's counts can leave its own selection out.
    in_season = Product.season_mask.bitwise_and(1 << (today.month - 1)) != 0
    in_stock = Product.in_stock
    conditions = _conditions(filters, category_ids, regions, municipalities, labels, in_season, in_stock,
                             with_search=index is None)

    def where(*excluded: str) -> list:
        return [c for key, conds in conditions.items() if key not in excluded for c in conds]

    # 3. Every count: from the index (with the search's matches, in the list's order, read once for the counts
    # and the page), or in one statement.
    choices = {
        "categorie": category_ids,
        "streek": {regions[s].id for s in filters.regions},
        "gemeente": {municipalities[s].id for s in filters.municipalities},
    }
    matches: list[int] | None = None
    if index is not None:
        levels = None
        if filters.terms and filters.sort not in (Sort.RELEVANCE, Sort.RECOMMENDED, Sort.NAME):
            # An order the index does not keep: the matches in that order, read with SQL.
            matches = list(db.session.scalars(
                select(Product.id).where(search_clause(filters.terms, db.session.get_bind().dialect.name))
                .order_by(*_order_by(filters))))
            levels = {0: index.bits_of_ids(matches)}
        elif filters.terms:
            levels = _search_levels(index, filters.terms)
        parts = _index_parts(index, filters, choices, labels, levels)
        counts = counts_of(index, parts)
    else:
        counts = _counts(conditions, filters, in_season, in_stock, choices)
    total = counts.get(("total", None), 0)
    in_season_count = counts.get(("seizoen", None), 0)
    in_stock_count = counts.get(("voorraad", None), 0)

    pages = max(1, -(-total // filters.per_page))
    page = filters.page
    if page > pages:
        shown_page = page if page < 10**6 else "…"  # a made-up huge number is not worth repeating
        notices.append(
            str(_l("Pagina %(page)s bestaat niet; we tonen de laatste pagina (%(last)s).", page=shown_page, last=pages))
        )
        page = pages
    filters.page = page

    # 4. The page of products, with what the cards show, in one statement: the page's ids are chosen by the index
    # (a search's matches or the recommended order, kept per generation), or by a sub-select that sorts the sort
    # keys only (not every column of every matching product); then those products are read with their producer,
    # place, category and images joined.
    # A page in the second half of the list is chosen from its end, in the reverse order (the order is total, so
    # the same products): the database (or the index) then skips fewer rows than the page's offset, which for the
    # last pages of a large catalogue means reading a page from the end of an index instead of sorting every product.
    offset = (page - 1) * filters.per_page
    limit = filters.per_page
    from_end = offset > total // 2
    if from_end:
        limit = min(filters.per_page, total - offset)
        offset = total - offset - limit
    chosen = None
    if index is not None:
        shown = _all_parts(index, parts)
        if matches is not None:
            chosen = index.ids_in(shown, matches)[(page - 1) * filters.per_page:][:filters.per_page]
            from_end = False
        elif filters.sort == Sort.RELEVANCE and levels is not None:
            chosen = index.page([("by_name", 0, index.size, shown & bits)
                                 for _, bits in sorted(levels.items(), reverse=True)], offset, limit, reverse=from_end)
        elif filters.sort == Sort.RECOMMENDED:
            chosen = index.page_in_recommended_order(shown, offset, limit, reverse=from_end)
        elif filters.sort == Sort.NAME:
            chosen = index.page([("by_name", 0, index.size, shown)], offset, limit, reverse=from_end)
        if chosen is not None and from_end:
            chosen.reverse()
    statement = _from_products(select(Product)).options(
        contains_eager(Product.producer).contains_eager(Producer.municipality),
        joinedload(Product.category),
        joinedload(Product.images),
    )
    if chosen is not None:
        rank = {product_id: n for n, product_id in enumerate(chosen)}
        products = sorted(
            db.session.scalars(statement.where(Product.id.in_(chosen))).unique().all() if chosen else [],
            key=lambda product: rank[product.id])
    else:
        page_ids = (
            _from_products(select(Product.id))
            .where(*where())
            .order_by(*_order_by(filters, reverse=from_end))
            .limit(limit)
            .offset(offset)
        )
        products = db.session.scalars(
            statement.where(Product.id.in_(page_ids.scalar_subquery())).order_by(*_order_by(filters))
        ).unique().all()

    # 5. The producers the facet shows (those with the most products here, and the chosen ones).
    producer_counts = {key: n for (kind, key), n in counts.items() if kind == "producent"}
    shown_producers = sorted(producer_counts, key=lambda key: (-producer_counts[key], key))[:MAX_PRODUCER_FACET_VALUES]
    producers = {
        p.slug: p
        for p in db.session.scalars(
            select(Producer).where(
                Producer.active.is_(True),
                or_(Producer.id.in_(sorted(shown_producers)), Producer.slug.in_(filters.producers)),
            )
        )
    }
    known_producers = _keep_known(
        filters.producers, producers, notices, _l("Onbekende producent genegeerd: %(value)s.")
    )
    filters.producers = known_producers

    category_counts = {key: n for (kind, key), n in counts.items() if kind == "categorie"}
    facets = {
        "categorie": _category_facet(categories, children_by_parent, category_counts, set(filters.categories)),
        "streek": _entity_facet(
            _counted(counts, "streek", {r.id: r for r in regions.values()}), filters.regions, regions
        ),
        "gemeente": _entity_facet(
            _counted(counts, "gemeente", {m.id: m for m in places}), filters.municipalities, municipalities
        ),
        "label": _entity_facet(_counted(counts, "label", {x.id: x for x in labels.values()}), filters.labels, labels),
        "producent": _entity_facet(
            _counted(counts, "producent", {p.id: p for p in producers.values()}), filters.producers, producers
        ),
        "zonder": _allergen_facet(counts, filters.free_of),
    }

    return ProductListing(
        filters=filters,
        products=list(products),
        total=total,
        page=page,
        pages=pages,
        facets=facets,
        in_season_count=in_season_count,
        in_stock_count=in_stock_count,
        top_categories=[c for c in categories if c.parent_id is None],
        chips=_chips(filters, categories_by_slug, regions, municipalities, labels, producers),
        notices=notices,
    )


def _conditions(filters: ProductFilters, category_ids: set[int], regions: dict, municipalities: dict, labels: dict,
                in_season, in_stock, *, with_search: bool) -> dict[str, list]:
    """The SQL conditions of ``filters``, per facet (its parameter; "base" for sale), for the counts' statement and
    the page's. ``with_search``: the search's condition too (else its matches are read apart)."""
    conditions: dict[str, list] = {"base": [Product.is_for_sale]}
    if filters.terms and with_search:
        # The search's matches, read once per statement (a CTE named more than once is materialised), though the
        # counts' statement asks for them in every part.
        # MATERIALIZED on PostgreSQL also where a statement names it once (the page of products): otherwise the
        # planner folds it into the statement, sorts every product for sale by relevance and then looks each one up
        # for a match until it has a page (~0.8 s at 100 times the demo catalogue); read first, only the matches
        # are sorted.
        matches = (
            select(Product.id.label("id"))
            .where(search_clause(filters.terms, db.session.get_bind().dialect.name))
            .cte("search_matches")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        conditions["q"] = [Product.id.in_(select(matches.c.id))]
    if category_ids:
        conditions["categorie"] = [Product.category_id.in_(sorted(category_ids))]
    if filters.regions:
        conditions["streek"] = [Municipality.region_id.in_([regions[s].id for s in filters.regions])]
    if filters.municipalities:
        conditions["gemeente"] = [Producer.municipality_id.in_([municipalities[s].id for s in filters.municipalities])]
    if filters.labels:
        label_ids = [labels[s].id for s in filters.labels]
        conditions["label"] = [
            or_(
                Product.id.in_(select(product_labels.c.product_id).where(product_labels.c.label_id.in_(label_ids))),
                Product.producer_id.in_(
                    select(producer_labels.c.producer_id).where(producer_labels.c.label_id.in_(label_ids))
                ),
            )
        ]
    if filters.producers:
        # By slug, so that the producers are read once, with the facet's (step 5), where an unknown slug is dropped
        # with its notice; as then, a choice of unknown producers only is no filter at all.
        known = aliased(Producer)
        conditions["producent"] = [
            or_(
                Producer.slug.in_(filters.producers),
                not_(exists(select(known.id).where(known.slug.in_(filters.producers), known.active.is_(True)))),
            )
        ]
    if filters.free_of:
        conditions["zonder"] = [
            not_(
                Product.id.in_(
                    select(ProductAllergen.product_id).where(ProductAllergen.allergen.in_(list(filters.free_of)))
                )
            )
        ]
    if filters.in_season:
        conditions["seizoen"] = [in_season]
    if filters.in_stock:
        conditions["voorraad"] = [in_stock]
    price = []
    if filters.min_cents is not None:
        price.append(Product.price_cents >= filters.min_cents)
    if filters.max_cents is not None:
        price.append(Product.price_cents <= filters.max_cents)
    if price:
        conditions["prijs"] = price
    return conditions


def _search_levels(index: FacetIndex, terms: list[str]) -> dict[int, int]:
    """The products that match every term, by their relevance (``search_index.relevance``: the sum of each term's score), as
    bits. Each term's matches and scores are read once per build of the index: one statement for the terms it
    does not know yet."""
    unknown = [term for term in dict.fromkeys(terms) if term not in index.terms]
    if unknown and len(index.terms) + len(unknown) > MAX_KEPT:
        index.terms.clear()
        unknown = list(dict.fromkeys(terms))
    if unknown:
        dialect = db.session.get_bind().dialect.name
        statement = matched_ids_statement(unknown, dialect)
        if statement is not None:
            # Each term's matches, and those whose search text starts with it, as ids from the full-text index,
            # aggregated in the database; whose name holds the term (``search_index.relevance``) tested on the facet index's
            # names, instead of on each match's row.
            for n, matched_ids, first_ids in db.session.execute(statement):
                index.terms[unknown[n]] = index.search_bits(unknown[n], _ids(matched_ids), _ids(first_ids))
        else:  # a database without the full-text index: the rules on each product's row
            for term, (matched, two, one) in term_matches(unknown, any_term_clause(unknown, dialect)).items():
                index.terms[term] = (index.bits_of_ids(matched), index.bits_of_ids(two), index.bits_of_ids(one))
    levels = {0: index.everything}
    for term in terms:
        matched, two, one = index.terms[term]
        next_levels: dict[int, int] = {}
        for level, bits in levels.items():
            for score, part in ((2, two), (1, one), (0, matched & ~two & ~one)):
                bits_here = bits & part
                if bits_here:
                    next_levels[level + score] = next_levels.get(level + score, 0) | bits_here
        levels = next_levels
    return levels


def _ids(text: str | None) -> list[int]:
    """The ids of a comma-separated text ("3,5,8"), parsed at C speed (twice as fast as ``int`` per id)."""
    return json.loads(f"[{text}]") if text else []


def _index_parts(index: FacetIndex, filters: ProductFilters, choices: dict[str, set[int]], labels: dict,
                 levels: dict[int, int] | None) -> dict[str, int]:
    """The bits of each chosen filter, by its parameter: the same rules as ``_conditions``."""
    parts: dict[str, int] = {}
    if levels is not None:
        bits = 0
        for part in levels.values():
            bits |= part
        parts["q"] = bits
    if choices["categorie"]:
        bits = 0
        for category_id in choices["categorie"]:
            bits |= index.category_bits.get(category_id, 0)
        parts["categorie"] = bits
    if choices["streek"]:
        parts["streek"] = index.place_bits(regions=choices["streek"])
    if choices["gemeente"]:
        parts["gemeente"] = index.place_bits(municipalities=choices["gemeente"])
    if filters.labels:
        bits = 0
        for slug in filters.labels:
            bits |= index.label_bits.get(labels[slug].id, 0)
        parts["label"] = bits
    known = [index.producer_slugs[slug] for slug in filters.producers if slug in index.producer_slugs]
    if known:  # a choice of unknown producers only is no filter at all
        parts["producent"] = index.producers_bits(known)
    if filters.free_of:
        bits = 0
        for allergen in filters.free_of:
            bits |= index.allergen_bits.get(allergen.value, 0)
        parts["zonder"] = index.everything & ~bits
    if filters.in_season:
        parts["seizoen"] = index.in_season
    if filters.in_stock:
        parts["voorraad"] = index.in_stock
    if filters.min_cents is not None or filters.max_cents is not None:
        parts["prijs"] = index.price_range_bits(filters.min_cents, filters.max_cents)
    return parts


def _all_parts(index: FacetIndex, parts: dict[str, int]) -> int:
    bits = index.everything
    for part in parts.values():
        bits &= part
    return bits


def _counted(counts: dict, kind: str, items: dict[int, Any]) -> list[tuple[Any, int]]:
    return [(items[key], n) for (k, key), n in counts.items() if k == kind and key in items]


# The filters that are a condition on the product's producer or place (Producer, Municipality), not on the product.
PRODUCER_FILTERS = ("streek", "gemeente", "producent")


def _counts(
    conditions: dict[str, list], filters: ProductFilters, in_season, in_stock, choices: dict[str, set[int]]
) -> dict[tuple[str, Any], int]:
    """Every number the list shows, in one statement: ``(kind, key) -> count``.

    ``("total", None)`` is the result count; ``("seizoen", None)`` and ``("voorraad", None)`` what the two yes/no
    facets would give; then per facet value (category id, region id, municipality id, label id, producer id)
    the products under every filter but the facet's own; ``("zonder", code)`` the products that contain an
    allergen or may contain it, against ``("zonder", None)``, all of them under the other filters.

    The products are counted per (producer, category) group in one pass over the index ``ix_products_facets``,
    without joining anything per product; the groups are then joined to their producer (active, place). From
    the groups the totals and the category, region, municipality and producer facets are added up here, each
    leaving out its own choice (``choices``: the chosen category, region and municipality ids), and the labels
    that products have through their producer. Then the products' own labels (of products whose producer has
    not that label: a product counts once per label) and the allergens are counted per product, the allergens
    per producer first (the producer and its place are checked once per producer, not once per product).
    """

    def where(*excluded: str) -> list:
        return [c for key, conds in conditions.items() if key not in excluded for c in conds]

    def only(*keys: str) -> list:
        return [c for key in keys for c in conditions.get(key, [])]

    label_selected = only("label")
    season_selected = [in_season] if filters.in_season else []
    stock_selected = [in_stock] if filters.in_stock else []
    no_key = cast(null(), Integer)
    no_code = cast(null(), String)

    def count_if(conditions: list):
        return func.count(case((and_(*conditions), Product.id))) if conditions else func.count(Product.id)

    def nulls(n: int) -> list:
        return [cast(null(), Integer) for _ in range(n)]

    def per_producer(kind: str, key, code, excluded: str, *joins):
        """Products counted per ``key`` (or ``code``) under every filter but ``excluded``: per producer first, with
        the conditions on the product, then per value over the producers that pass theirs (active, place)."""
        keys = [c for c in (key, code) if c is not None]
        inner = select(Product.producer_id.label("producer_id"), *(c.label(f"k{i}") for i, c in enumerate(keys)),
                       func.count(Product.id).label("n"))
        for target, on in joins:
            inner = inner.join(target, on)
        inner = (inner.where(product_sale_clause(), *where(excluded, "base", *PRODUCER_FILTERS))
                 .group_by(Product.producer_id, *keys).subquery())
        outer_key = inner.c.k0 if key is not None else no_key
        outer_code = (inner.c.k0 if key is None else inner.c.k1) if code is not None else no_code
        conditions = [producer_is_active(), *only(*PRODUCER_FILTERS)]
        if kind == "label":  # a label the producer has too: counted with the groups
            conditions.append(not_(exists(select(producer_labels.c.producer_id).where(
                producer_labels.c.producer_id == inner.c.producer_id, producer_labels.c.label_id == inner.c.k0))))
        return (
            select(literal(kind), outer_key, outer_code, func.sum(inner.c.n), *nulls(8))
            .select_from(inner)
            .join(Producer, Producer.id == inner.c.producer_id)
            .join(Municipality, Producer.municipality_id == Municipality.id)
            .where(*conditions)
            .group_by(*([outer_key] if key is not None else [outer_code] if code is not None else []))
        )

    if filters.producers:
        known = aliased(Producer)
        chosen = case((Producer.slug.in_(filters.producers), 1), else_=0)
        any_known = case((exists(select(known.id).where(known.slug.in_(filters.producers), known.active.is_(True))),
                          1), else_=0)
    else:
        chosen = any_known = literal(0)
    # The groups: every filter that is a column of the group (category, place, producer), the producer's sale
    # condition and the yes/no facets are applied below, per group; the labels are counted with and without.
    rest = where("base", "seizoen", "voorraad", "categorie", "streek", "gemeente", "producent", "label")
    groups = (
        select(
            Product.producer_id.label("producer_id"),
            Product.category_id.label("category_id"),
            count_if(season_selected + stock_selected).label("n_label_free"),
            count_if(label_selected + [in_season] + stock_selected).label("n_season"),
            count_if(label_selected + season_selected + stock_selected).label("n_all"),
            count_if(label_selected + [in_stock] + season_selected).label("n_stock"),
        )
        .where(product_sale_clause(), *rest)
        .group_by(Product.producer_id, Product.category_id)
        .subquery()
    )
    grouped = (
        select(
            literal("group").label("kind"), groups.c.category_id, no_code, groups.c.n_label_free,
            groups.c.producer_id, Producer.municipality_id, Municipality.region_id, chosen, any_known,
            groups.c.n_season, groups.c.n_all, groups.c.n_stock,
        )
        .select_from(groups)
        .join(Producer, Producer.id == groups.c.producer_id)
        .join(Municipality, Producer.municipality_id == Municipality.id)
        .where(producer_is_active())
    )
    # A product counts once per label, whether the label is its own, its producer's, or both: its own labels
    # here, where its producer has not the same one (those are counted with the groups).
    own_labels = per_producer("label", product_labels.c.label_id, None, "label",
                              (product_labels, product_labels.c.product_id == Product.id))
    # (product, allergen) is the key of product_allergens: a product counts once per allergen.
    allergens = per_producer("zonder", None, ProductAllergen.allergen, "zonder",
                             (ProductAllergen, ProductAllergen.product_id == Product.id))
    producer_label_rows = select(
        literal("producer_label"), producer_labels.c.label_id, no_code, cast(null(), Integer),
        producer_labels.c.producer_id, *nulls(7),
    )
    parts = [
        grouped,
        producer_label_rows,
        own_labels,
        allergens,
    ]
    if filters.free_of:
        parts.append(per_producer("zonder", None, None, "zonder"))
    rows = db.session.execute(union_all(*parts)).all()

    # Added up in plain dicts per kind (a catalogue has about as many groups as producers × categories).
    per: dict[str, dict[Any, int]] = {kind: {} for kind in ("categorie", "streek", "gemeente", "producent", "label",
                                                            "zonder")}
    totals = {"total": 0, "seizoen": 0, "voorraad": 0}
    labels_of: dict[int, list[int]] = {}
    for row in rows:
        if row[0] == "producer_label":
            labels_of.setdefault(row[4], []).append(row[1])

    categories, regions, places = choices["categorie"], choices["streek"], choices["gemeente"]
    producers_chosen = bool(filters.producers)
    for kind, key, code, n, producer_id, municipality_id, region_id, chosen_, any_known_, n_season, n_all, n_stock \
            in rows:
        if kind == "producer_label":
            continue
        if kind != "group":
            values = per[kind]
            value = code if code is not None else key
            values[value] = values.get(value, 0) + (n or 0)  # a sum over no producer is NULL
            continue
        # The facets whose choice this group misses: with none it counts everywhere, with one only in that
        # facet (which leaves its own choice out), with more nowhere.
        category_ok = not categories or key in categories
        region_ok = not regions or region_id in regions
        place_ok = not places or municipality_id in places
        producer_ok = not producers_chosen or not any_known_ or bool(chosen_)
        if category_ok and region_ok and place_ok and producer_ok:
            totals["total"] += n_all
            totals["seizoen"] += n_season
            totals["voorraad"] += n_stock
            if n_all:
                for facet, value in (("categorie", key), ("streek", region_id), ("gemeente", municipality_id),
                                     ("producent", producer_id)):
                    values = per[facet]
                    values[value] = values.get(value, 0) + n_all
            if n:  # the labels the group's products have through their producer, under every filter but labels
                values = per["label"]
                for label_id in labels_of.get(producer_id, ()):
                    values[label_id] = values.get(label_id, 0) + n
        elif n_all and category_ok + region_ok + place_ok + producer_ok == 3:
            facet, value = next((facet, value) for facet, value, ok in (
                ("categorie", key, category_ok), ("streek", region_id, region_ok),
                ("gemeente", municipality_id, place_ok), ("producent", producer_id, producer_ok)) if not ok)
            values = per[facet]
            values[value] = values.get(value, 0) + n_all

    counts: dict[tuple[str, Any], int] = {(kind, None): n for kind, n in totals.items()}
    for kind, values in per.items():
        counts.update(((kind, value), n) for value, n in values.items())
    if not filters.free_of:
        counts[("zonder", None)] = counts.get(("total", None), 0)
    return counts


def _entity_facet(rows, selected: list[str], resolved: dict[str, Any]) -> list[FacetValue]:
    values = {item.slug: FacetValue(item.slug, item, count, item.slug in selected) for item, count in rows if count}
    for slug in selected:
        values.setdefault(slug, FacetValue(slug, resolved[slug], 0, True))
    return sorted(values.values(), key=lambda v: (v.item.name.casefold(), v.value))


def _category_facet(categories, children_by_parent, counts: dict[int, int], selected: set[str]) -> list[FacetValue]:
    facet = []
    for top in (c for c in categories if c.parent_id is None):
        children = [
            FacetValue(child.slug, child, counts.get(child.id, 0), child.slug in selected)
            for child in children_by_parent.get(top.id, [])
        ]
        count = counts.get(top.id, 0) + sum(child.count for child in children)
        shown_children = [child for child in children if child.count or child.selected]
        if count or top.slug in selected or shown_children:
            facet.append(FacetValue(top.slug, top, count, top.slug in selected, shown_children))
    return facet


def _allergen_facet(counts: dict, selected: list[Allergen]) -> list[FacetValue]:
    """For each allergen, how many products are free of it (neither contain nor may contain it)."""
    total = counts.get(("zonder", None), 0)
    facet = []
    for allergen in Allergen:
        free = total - counts.get(("zonder", allergen.value), 0)
        if free or allergen in selected:
            facet.append(FacetValue(allergen.value, allergen, free, allergen in selected))
    return facet


def _chips(filters: ProductFilters, categories, regions, municipalities, labels, producers) -> list[Chip]:
    chips = []
    if filters.terms:
        chips.append(Chip("q", None, "q", filters.query))
    for parameter, attribute, known in (
        ("categorie", "categories", categories),
        ("streek", "regions", regions),
        ("gemeente", "municipalities", municipalities),
        ("label", "labels", labels),
        ("producent", "producers", producers),
    ):
        chips.extend(Chip(parameter, slug, parameter, known[slug]) for slug in getattr(filters, attribute))
    chips.extend(Chip("zonder", a.value, "zonder", a) for a in filters.free_of)
    if filters.in_season:
        chips.append(Chip("seizoen", None, "seizoen", None))
    if filters.in_stock:
        chips.append(Chip("voorraad", None, "voorraad", None))
    if filters.min_cents is not None:
        chips.append(Chip("prijs_min", cents_to_text(filters.min_cents), "prijs_min", filters.min_cents))
    if filters.max_cents is not None:
        chips.append(Chip("prijs_max", cents_to_text(filters.max_cents), "prijs_max", filters.max_cents))
    return chips


# --- the product page -----------------------------------------------------------------------------------


def get_product_for_page(slug: str) -> Product | None:
    """A product for sale (``Product.is_for_sale``), with all its page shows loaded; None otherwise.

    Three statements: the collections of a few rows each are joined; the labels (the product's and its
    producer's, both through a link table) are read apart, because SQLite would read a joined link table whole."""
    if len(slug) > MAX_SLUG_LENGTH or has_control_characters(slug):
        return None
    return db.session.scalars(
        select(Product)
        .join(Producer, Product.producer_id == Producer.id)
        .where(Product.slug == slug, Product.is_for_sale)
        .options(
            contains_eager(Product.producer).options(
                joinedload(Producer.municipality),
                joinedload(Producer.locality),
                selectinload(Producer.labels),
            ),
            joinedload(Product.category).joinedload(Category.parent),
            joinedload(Product.vat_category).joinedload(VatCategory.rates),
            joinedload(Product.images),
            joinedload(Product.allergens),
            selectinload(Product.labels),
        )
    ).unique().first()


def list_more_from_producer(product: Product, limit: int = MORE_FROM_PRODUCER) -> list[Product]:
    """Other products for sale of the same producer for the product page: in stock first, featured next."""
    return list(
        db.session.scalars(
            select(Product)
            .where(
                Product.producer_id == product.producer_id,
                Product.id != product.id,
                Product.is_for_sale,
            )
            .options(*card_options())
            .order_by(case((Product.stock > 0, 0), else_=1), Product.featured.desc(), Product.name, Product.id)
            .limit(limit)
        ).unique().all()
    )


def vat_rate_for(product: Product, today: date) -> int | None:
    """The VAT rate in force today for the product, or None when its category has no rate yet."""
    try:
        return product.vat_category.rate_on(today)
    except LookupError:
        return None
