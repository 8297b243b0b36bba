"""Reads for the back office's package pages: the list with figures, the editor, and the product picker.

Every read runs a fixed number of queries, whatever the number of packages, components or results. The
figures come from the package rules in ``shop.packages.services``:

- components' list price: the sum of the components' unit prices times their quantities;
- margin: the package price minus that sum, in cents, and as a percentage of the package price (rounded
  half up to one decimal); negative when the package is cheaper than its parts bought one by one;
- availability: ``available_quantity`` (0 while the package is not for sale); ``capacity``: how many the
  components' stock covers (``stock_covers``), what it would sell once active;
- VAT split: ``vat_split`` of the package price over its components' rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Product
from shop.catalog.search import match_clause, parse_query
from shop.catalog.vat import VatCategory
from shop.core.clock import shop_today
from shop.extensions import db
from shop.packages.models import Occasion, Package, PackageComponent
from shop.packages.services import available_quantity, components_list_price_cents, stock_covers, vat_split

PICKER_LIMIT = 20
SUBSTITUTE_OPTIONS = 40


class StatusFilter:
    ACTIVE = "actief"
    INACTIVE = "inactief"
    ALL = ""


@dataclass
class PackageFigures:
    price_cents: int
    list_price_cents: int
    margin_cents: int
    margin_percent: Decimal | None  # None when the price is 0
    available_quantity: int
    capacity: int

    @property
    def is_available(self) -> bool:
        return self.available_quantity > 0


def margin_percent(price_cents: int, list_price_cents: int) -> Decimal | None:
    """(price - list price) / price * 100, rounded half up to one decimal; None without a price."""
    if price_cents <= 0:
        return None
    value = Decimal(price_cents - list_price_cents) * 100 / Decimal(price_cents)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def package_figures(package: Package) -> PackageFigures:
    """The editor's figures (components, their products and producers must be loaded)."""
    list_price = components_list_price_cents(package)
    return PackageFigures(
        price_cents=package.price_cents,
        list_price_cents=list_price,
        margin_cents=package.price_cents - list_price,
        margin_percent=margin_percent(package.price_cents, list_price),
        available_quantity=available_quantity(package),
        capacity=stock_covers(package),
    )


# --- the list -------------------------------------------------------------------------------------------------


@dataclass
class PackageRow:
    package: Package
    figures: PackageFigures


def list_admin_packages(status: str = StatusFilter.ALL, q: str = "") -> list[PackageRow]:
    """Every package (active or not) matching the status filter and the search words, by name.

    Two queries: the packages, then their components with products and producers.
    """
    query = select(Package).options(
        selectinload(Package.components).joinedload(PackageComponent.product).joinedload(Product.producer)
    )
    if status == StatusFilter.ACTIVE:
        query = query.where(Package.active.is_(True))
    elif status == StatusFilter.INACTIVE:
        query = query.where(Package.active.is_(False))
    terms = parse_query(q)
    if terms:
        query = query.where(match_clause(Package.search_text, terms))
    packages = db.session.scalars(query.order_by(Package.name, Package.id)).all()
    return [PackageRow(package, package_figures(package)) for package in packages]


# --- the editor -----------------------------------------------------------------------------------------------


@dataclass
class ComponentView:
    component: PackageComponent
    line_price_cents: int
    covers: int  # packages this component's stock covers
    substitute_options: list[Product] = field(default_factory=list)


@dataclass
class PackageEditor:
    package: Package
    figures: PackageFigures
    components: list[ComponentView]
    vat_lines: list[dict[str, int]] | None
    day: date


def _editor_package(package_id: int) -> Package | None:
    product = selectinload(Package.components).joinedload(PackageComponent.product)
    return db.session.scalar(
        select(Package)
        .where(Package.id == package_id)
        .options(
            selectinload(Package.occasions),
            product.joinedload(Product.producer),
            product.joinedload(Product.vat_category).selectinload(VatCategory.rates),
            selectinload(Package.components).joinedload(PackageComponent.substitute).joinedload(Product.producer),
        )
        .execution_options(populate_existing=True)
    )


def _substitute_candidates(package: Package) -> dict[int, list[Product]]:
    """Per component: published products of the same category at least as expensive (cheapest first).

    One query for all components; the current substitute is always offered, whatever its category.
    """
    categories = {c.product.category_id for c in package.components}
    if not categories:
        return {}
    candidates = db.session.scalars(
        select(Product)
        .where(Product.category_id.in_(categories), Product.is_for_sale)
        .options(joinedload(Product.producer))
        .order_by(Product.price_cents, Product.name, Product.id)
    ).all()
    options: dict[int, list[Product]] = {}
    for component in package.components:
        product = component.product
        chosen = [p for p in candidates
                  if p.category_id == product.category_id and p.id != product.id
                  and p.price_cents >= product.price_cents][:SUBSTITUTE_OPTIONS]
        if component.substitute is not None and component.substitute not in chosen:
            chosen.insert(0, component.substitute)
        options[component.id] = chosen
    return options


def get_package_editor(package_id: int, day: date | None = None) -> PackageEditor | None:
    """A package with its composition, figures, VAT split and substitute choices, or None."""
    package = _editor_package(package_id)
    if package is None:
        return None
    day = day or shop_today()
    try:
        lines = vat_split(package, day) if package.components else None
    except LookupError:
        lines = None  # a component has no VAT rate on this day: activation says so
    options = _substitute_candidates(package)
    components = [
        ComponentView(
            component=component,
            line_price_cents=component.product.price_cents * component.quantity,
            covers=component.product.stock // component.quantity,
            substitute_options=options.get(component.id, []),
        )
        for component in package.components
    ]
    return PackageEditor(package=package, figures=package_figures(package), components=components,
                         vat_lines=lines, day=day)


def list_occasions() -> list[Occasion]:
    return list(db.session.scalars(select(Occasion).order_by(Occasion.position, Occasion.name)))


# --- the product picker ---------------------------------------------------------------------------------------


def search_products_for_package(q: str, limit: int = PICKER_LIMIT) -> list[Product]:
    """Published products of active producers matching the words of ``q``, by name; at most ``limit``.

    One query (the producer is joined); no words, no results.
    """
    terms = parse_query(q)
    if not terms:
        return []
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.is_for_sale, match_clause(Product.search_text, terms))
            .options(joinedload(Product.producer))
            .order_by(Product.name, Product.id)
            .limit(max(1, min(limit, PICKER_LIMIT)))
        )
    )
