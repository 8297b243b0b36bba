"""The products list's filters, read from GET parameters.

Parameters (Dutch, as they appear in the address bar; several values of one parameter are OR-ed, different
parameters are AND-ed):

``q``            search words (accent-free, Dutch-aware: ``kaas`` finds ``hoevekaas`` and ``kazen``)
``categorie``    category slug, top or sub (a top category includes its subcategories); several allowed
``streek``       region slug (Meetjesland, Waasland, ...); several allowed
``gemeente``     municipality slug; several allowed
``label``        label slug; a product matches by its own labels or its producer's; several allowed
``zonder``       allergen code (``gluten``, ``milk``, ... see ``Allergen``): leaves out products that contain
                 it or may contain it; several allowed (free of all of them)
``seizoen=1``    only products in season this month
``voorraad=1``   only products in stock
``producent``    producer slug; several allowed
``prijs_min``    lowest price in euros (``4,50``, ``4.5``, ``€ 4``)
``prijs_max``    highest price in euros
``sorteer``      ``relevantie`` (default while searching), ``naam`` (default otherwise), ``prijs_op``,
                 ``prijs_af``, ``nieuw``
``pagina``       page number, from 1
``per_pagina``   page size (not linked anywhere; capped by ``MAX_PRODUCTS_PER_PAGE``)
``toon``         a facet shown with all its values (``producent``, ``gemeente``, ...), from its "Toon alle" link;
                 without it a long facet shows its values with the most products and the selected ones

Bad input never fails: a value that cannot be used is dropped and explained in ``notices``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from shop.catalog.allergens import Allergen
from shop.catalog.search import MAX_QUERY_LENGTH, parse_query
from shop.core.money import MoneyParseError, cents_to_text, parse_cents

# Protects the database from absurd requests: more values than any facet has are cut off.
MAX_VALUES_PER_FILTER = 40
MAX_SLUG_LENGTH = 160
MAX_PAGE_DIGITS = 6
SHOWN_VALUE_LENGTH = 40


class Sort(StrEnum):
    RELEVANCE = "relevantie"
    RECOMMENDED = "aanbevolen"
    NAME = "naam"
    PRICE_ASC = "prijs_op"
    PRICE_DESC = "prijs_af"
    NEWEST = "nieuw"


SORT_LABELS = {
    Sort.RELEVANCE: _l("Meest relevant"),
    Sort.RECOMMENDED: _l("Aanbevolen"),
    Sort.NAME: _l("Naam (A-Z)"),
    Sort.PRICE_ASC: _l("Prijs: laagste eerst"),
    Sort.PRICE_DESC: _l("Prijs: hoogste eerst"),
    Sort.NEWEST: _l("Nieuwste eerst"),
}

# Facets that ``toon=<name>`` can open whole (shop/core/facets.py).
OPENABLE_FACETS = ("categorie", "streek", "gemeente", "label", "producent", "zonder")

# Multi-valued slug parameters and the attribute of ProductFilters that holds them.
SLUG_PARAMETERS = {
    "categorie": "categories",
    "streek": "regions",
    "gemeente": "municipalities",
    "label": "labels",
    "producent": "producers",
}


def shown(value: str) -> str:
    """A user-typed value, shortened for a message."""
    value = " ".join(value.split())
    return value if len(value) <= SHOWN_VALUE_LENGTH else value[: SHOWN_VALUE_LENGTH - 1] + "…"


@dataclass
class ProductFilters:
    query: str = ""
    terms: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    producers: list[str] = field(default_factory=list)
    free_of: list[Allergen] = field(default_factory=list)
    in_season: bool = False
    in_stock: bool = False
    min_cents: int | None = None
    max_cents: int | None = None
    sort: Sort = Sort.RECOMMENDED
    sort_chosen: bool = False
    page: int = 1
    per_page: int = 24
    per_page_chosen: bool = False
    opened_facets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def is_searching(self) -> bool:
        return bool(self.terms)

    @property
    def has_filters(self) -> bool:
        """Anything that narrows the list (search included, sorting and paging not)."""
        return bool(
            self.terms
            or self.categories
            or self.regions
            or self.municipalities
            or self.labels
            or self.producers
            or self.free_of
            or self.in_season
            or self.in_stock
            or self.min_cents is not None
            or self.max_cents is not None
        )

    @property
    def sort_options(self) -> list[Sort]:
        return [s for s in Sort if s != Sort.RELEVANCE or self.is_searching]

    @property
    def min_text(self) -> str:
        return cents_to_text(self.min_cents) if self.min_cents is not None else ""

    @property
    def max_text(self) -> str:
        return cents_to_text(self.max_cents) if self.max_cents is not None else ""

    def to_args(self) -> dict[str, list[str]]:
        """The filters as query parameters, valid values only, without the page: for links and chips."""
        args: dict[str, list[str]] = {}
        if self.query and self.terms:
            args["q"] = [self.query]
        for parameter, attribute in SLUG_PARAMETERS.items():
            if getattr(self, attribute):
                args[parameter] = list(getattr(self, attribute))
        if self.free_of:
            args["zonder"] = [a.value for a in self.free_of]
        if self.in_season:
            args["seizoen"] = ["1"]
        if self.in_stock:
            args["voorraad"] = ["1"]
        if self.min_cents is not None:
            args["prijs_min"] = [cents_to_text(self.min_cents)]
        if self.max_cents is not None:
            args["prijs_max"] = [cents_to_text(self.max_cents)]
        if self.sort_chosen:
            args["sorteer"] = [self.sort.value]
        if self.per_page_chosen:
            args["per_pagina"] = [str(self.per_page)]
        return args

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

    def args_without(self, parameter: str, value: str | None = None) -> dict[str, list[str]]:
        """The current filters minus one value (or the whole parameter), back on page 1: a chip's link."""
        args = self.to_args()
        if parameter in args:
            remaining = [v for v in args[parameter] if value is not None and v != value]
            if remaining:
                args[parameter] = remaining
            else:
                del args[parameter]
        return args

    def args_cleared(self) -> dict[str, list[str]]:
        """"Alles wissen": no filters, no search; the chosen sort order and page size stay."""
        args: dict[str, list[str]] = {}
        if self.sort_chosen and self.sort != Sort.RELEVANCE:
            args["sorteer"] = [self.sort.value]
        if self.per_page_chosen:
            args["per_pagina"] = [str(self.per_page)]
        return args


def has_control_characters(text: str) -> bool:
    """NUL and friends: never part of a slug, and PostgreSQL refuses NUL in text."""
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def _slugs(args, parameter: str, notices: list[str]) -> list[str]:
    values: list[str] = []
    for raw in args.getlist(parameter):
        value = raw.strip().lower()
        if not value:
            continue
        if len(value) > MAX_SLUG_LENGTH or has_control_characters(value):
            notices.append(str(_l("Een ongeldige filterwaarde is genegeerd.")))
            continue
        if value not in values:
            values.append(value)
    if len(values) > MAX_VALUES_PER_FILTER:
        notices.append(
            str(_l("Te veel filterwaarden; enkel de eerste %(count)d zijn gebruikt.", count=MAX_VALUES_PER_FILTER))
        )
        values = values[:MAX_VALUES_PER_FILTER]
    return values


def _flag(args, parameter: str, notices: list[str], message) -> bool:
    values = [v.strip() for v in args.getlist(parameter) if v.strip()]
    if not values:
        return False
    if all(v in ("1", "ja", "on", "true") for v in values):
        return True
    notices.append(str(message))
    return False


def _price(args, parameter: str, notices: list[str], message) -> int | None:
    raw = (args.get(parameter) or "").strip()
    if not raw:
        return None
    try:
        return parse_cents(raw[:40])
    except MoneyParseError:
        notices.append(str(message) % {"value": shown(raw)})
        return None


def _positive_int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_PAGE_DIGITS:
        return None
    value = int(raw)
    return value if value >= 1 else None


def parse_page_number(raw: str) -> int | None:
    """A page number from 1; a huge number stands for "beyond the last page", which is shown instead."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) > MAX_PAGE_DIGITS and raw.strip("0"):
        return 10**MAX_PAGE_DIGITS
    return _positive_int(raw)


def parse_filters(args, *, per_page: int = 24, max_per_page: int = 96) -> ProductFilters:
    """Read the products list's filters from ``args`` (a werkzeug MultiDict). Never raises.

    Values that cannot be used are dropped with a notice. Slugs are only cleaned here; whether they exist is
    checked by ``product_queries.list_products``, which drops unknown ones with a notice of its own.
    """
    notices: list[str] = []
    filters = ProductFilters(per_page=per_page)

    query = "".join(" " if has_control_characters(ch) else ch for ch in (args.get("q") or "")).strip()
    if query:
        if len(query) > MAX_QUERY_LENGTH:
            message = _l("Je zoekopdracht was erg lang; we zochten met de eerste %(count)d tekens.")
            notices.append(str(message) % {"count": MAX_QUERY_LENGTH})
        filters.terms = parse_query(query)
        filters.query = " ".join(query[:MAX_QUERY_LENGTH].split())
        if not filters.terms:
            notices.append(
                str(
                    _l(
                        "We vonden geen bruikbare zoekwoorden in \u201c%(query)s\u201d; we tonen alle producten.",
                        query=shown(query),
                    )
                )
            )

    for parameter, attribute in SLUG_PARAMETERS.items():
        setattr(filters, attribute, _slugs(args, parameter, notices))

    for raw in args.getlist("zonder"):
        value = raw.strip().lower()
        if not value:
            continue
        try:
            allergen = Allergen(value)
        except ValueError:
            notices.append(str(_l("Onbekend allergeen genegeerd: %(value)s.", value=shown(raw))))
            continue
        if allergen not in filters.free_of:
            filters.free_of.append(allergen)

    filters.in_season = _flag(
        args, "seizoen", notices, _l("Onbekende waarde voor \u201cin het seizoen\u201d genegeerd.")
    )
    filters.in_stock = _flag(args, "voorraad", notices, _l("Onbekende waarde voor \u201cop voorraad\u201d genegeerd."))

    filters.min_cents = _price(
        args, "prijs_min", notices, _l("Ongeldige minimumprijs genegeerd: %(value)s. Schrijf bijvoorbeeld 4,50.")
    )
    filters.max_cents = _price(
        args, "prijs_max", notices, _l("Ongeldige maximumprijs genegeerd: %(value)s. Schrijf bijvoorbeeld 12,50.")
    )
    if filters.min_cents is not None and filters.max_cents is not None and filters.min_cents > filters.max_cents:
        filters.min_cents, filters.max_cents = filters.max_cents, filters.min_cents
        notices.append(str(_l("De minimumprijs was hoger dan de maximumprijs; we hebben ze omgewisseld.")))

    raw_sort = (args.get("sorteer") or "").strip()
    filters.sort = Sort.RELEVANCE if filters.is_searching else Sort.RECOMMENDED
    if raw_sort:
        try:
            chosen = Sort(raw_sort)
        except ValueError:
            notices.append(str(_l("Onbekende sortering genegeerd.")))
        else:
            if chosen == Sort.RELEVANCE and not filters.is_searching:
                pass  # relevance means nothing without search words; keep the default quietly
            else:
                filters.sort = chosen
                filters.sort_chosen = True

    raw_per_page = args.get("per_pagina")
    if raw_per_page is not None:
        size = _positive_int(raw_per_page)
        if size is not None:
            filters.per_page = min(size, max_per_page)
            filters.per_page_chosen = filters.per_page != per_page

    raw_page = args.get("pagina")
    if raw_page is not None and raw_page.strip() not in ("", "1"):
        page = parse_page_number(raw_page)
        if page is None:
            notices.append(str(_l("Ongeldig paginanummer; we tonen de eerste pagina.")))
        else:
            filters.page = page

    filters.opened_facets = [name for name in OPENABLE_FACETS if name in args.getlist("toon")]

    filters.notices = notices
    return filters
