"""Package rules: availability from components' stock, VAT split, rolled-up food information."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from shop.catalog.allergens import Allergen
from shop.catalog.models import Product
from shop.core.money import split_largest_remainder, vat_lines
from shop.packages.models import Package


def component_rates(package: Package, day: date) -> list[tuple[Product, int, int]]:
    """(product, quantity, VAT rate on ``day``) for each component."""
    return [(c.product, c.quantity, c.product.vat_category.rate_on(day)) for c in package.components]


def is_for_sale(package: Package) -> bool:
    """The one rule "a package is for sale", built on the product rule: the package is active, has
    components, and every component is for sale (``Product.is_for_sale``). Stock is counted apart, as for a
    product: a sold-out package is still for sale, with none available."""
    return bool(package.active) and bool(package.components) and all(c.product.is_for_sale for c in package.components)


def stock_covers(package: Package) -> int:
    """How many packages the components' stock covers, whether or not the package is for sale (the scarcest
    component decides; none without components)."""
    if not package.components:
        return 0
    return min(component.product.stock // component.quantity for component in package.components)


def available_quantity(package: Package) -> int:
    """How many of this package can be sold now: what the components' stock covers while it is for sale,
    none otherwise (inactive, no components, or a component not for sale)."""
    return stock_covers(package) if is_for_sale(package) else 0


def is_available(package: Package) -> bool:
    return available_quantity(package) > 0


def components_list_price_cents(package: Package) -> int:
    return sum(c.product.price_cents * c.quantity for c in package.components)


def vat_split(package: Package, day: date, gross_cents: int | None = None) -> list[dict[str, int]]:
    """Split the package price over its components' VAT rates in proportion to their list prices.

    Returns base and VAT per rate; the gross parts sum exactly to the package price.
    """
    gross_cents = package.price_cents if gross_cents is None else gross_cents
    parts = component_rates(package, day)
    weights = [product.price_cents * quantity for product, quantity, _ in parts]
    shares = split_largest_remainder(gross_cents, weights)
    by_rate: dict[int, int] = defaultdict(int)
    for (_, _, rate), share in zip(parts, shares):
        by_rate[rate] += share
    return vat_lines(by_rate)


@dataclass
class FoodSummary:
    contains: list[Allergen]
    may_contain: list[Allergen]
    perishable: bool
    has_alcohol: bool
    shortest_shelf_life_days: int | None
    storage: list[str]


def food_summary(package: Package, locale: str = "nl") -> FoodSummary:
    """Allergens and storage of all components together, for the package page (storage in ``locale``)."""
    contains: set[Allergen] = set()
    may_contain: set[Allergen] = set()
    storage: list[str] = []
    shelf_lives = []
    for component in package.components:
        product = component.product
        contains.update(product.contains)
        may_contain.update(product.may_contain)
        advice = product.t("storage", locale)
        if advice and advice not in storage:
            storage.append(advice)
        if product.shelf_life_days:
            shelf_lives.append(product.shelf_life_days)
    order = list(Allergen)
    return FoodSummary(
        contains=sorted(contains, key=order.index),
        may_contain=sorted(may_contain - contains, key=order.index),
        perishable=any(c.product.perishable for c in package.components),
        has_alcohol=any((c.product.alcohol_pct or 0) > 1.2 for c in package.components),
        shortest_shelf_life_days=min(shelf_lives) if shelf_lives else None,
        storage=storage,
    )
