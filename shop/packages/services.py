"""Package rules: for sale and availability (on the product rule and the components' stock), the VAT split
over the components, rolled-up food information."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shop.catalog.allergens import Allergen
from shop.catalog.models import Product
from shop.core.money import gross_per_rate, split_over_rates, vat_lines
from shop.packages.models import Package


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


@dataclass
class ComponentShare:
    product: Product
    quantity: int  # per package
    vat_rate: int  # the product's rate on the day
    share_cents: int  # share of ONE package's price; the shares of a package sum exactly to its price


def component_shares(package: Package, day: date) -> list[ComponentShare]:
    """The package's VAT split: its price over its components in proportion to their list prices (unit price x
    quantity), each share at its component's VAT rate on ``day`` (``core.money.split_over_rates``).

    The cart prices with it, so order lines snapshot it, and the package page and admin show it grouped per
    rate (``vat_split``). Raises LookupError when a component's VAT category has no rate on ``day``.
    """
    components = list(package.components)
    split = split_over_rates(
        package.price_cents,
        [(c.product.vat_category.rate_on(day), c.product.price_cents * c.quantity) for c in components],
    )
    return [
        ComponentShare(product=c.product, quantity=c.quantity, vat_rate=rate, share_cents=share)
        for c, (rate, share) in zip(components, split, strict=True)
    ]


def vat_split(package: Package, day: date) -> list[dict[str, int]]:
    """Base and VAT per rate of one package's price (``component_shares`` grouped per rate); the gross parts
    sum exactly to the package price."""
    return vat_lines(gross_per_rate((share.vat_rate, share.share_cents) for share in component_shares(package, day)))


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
