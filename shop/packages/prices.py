"""Prices without VAT, for company customers who chose to see them (shop.accounts.company).

The one rule: a gross price is told apart into net and VAT at the rates of what it buys
(``core.money.net_price``): a product at its own rate on the day; a package over its components' rates, in
the shares the cart, the order lines and the invoice use (``component_shares``); a priced cart or order over
its gross per rate (its VAT lines). Any amount of an item splits the same way (one unit, a line of several,
the price per kilogram). What is charged never changes: net + VAT is the gross.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from shop.catalog.models import Product
from shop.core.money import NetPrice, net_price
from shop.packages.models import Package
from shop.packages.services import component_shares

# What a price can be told apart for: a product, a package, or VAT lines ({"rate": 6, "gross_cents": 1250, ...}).
PricedThing = Product | Package | Sequence[Mapping[str, int]]


def rated_weights(of: PricedThing, day: date) -> list[tuple[int, int]]:
    """(VAT rate, weight) pairs of what a price buys. Raises LookupError when a product has no rate on ``day``."""
    if isinstance(of, Product):
        return [(of.vat_category.rate_on(day), 1)]
    if isinstance(of, Package):
        return [(share.vat_rate, share.share_cents) for share in component_shares(of, day)]
    return [(line["rate"], line["gross_cents"]) for line in of]


def price_excl_vat(gross_cents: int, of: PricedThing, day: date) -> NetPrice | None:
    """Net and VAT of ``gross_cents`` spent on ``of`` on ``day``, or None when it cannot be told (a product
    without a VAT rate on the day, a package without components, nothing in a cart): the page then shows the
    price including VAT, as to everyone else."""
    try:
        weights = rated_weights(of, day)
    except LookupError:
        return None
    if not weights or sum(weight for _, weight in weights) <= 0:
        return None
    return net_price(gross_cents, weights)
