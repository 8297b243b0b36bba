"""Template helper of every customer-facing price: ``excl_vat_price`` tells a price apart into net and VAT for a
visitor who chose to see prices excluding VAT (``templates/macros/prices.html`` shows it; the rule is
shop.packages.prices). For everyone else it answers None and the page shows the price as it always did."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from shop.accounts.company import shows_prices_excl_vat
from shop.core.clock import shop_today
from shop.core.login_state import loaded_user
from shop.core.money import NetPrice
from shop.packages.prices import PricedThing, price_excl_vat


def excl_vat_price(gross_cents: int | None, of: PricedThing) -> NetPrice | None:
    """Net and VAT of ``gross_cents`` spent on ``of`` (a product, a package, or VAT lines) when the logged-in
    visitor sees prices excluding VAT; None otherwise (guests, consumers) or when it cannot be told."""
    if gross_cents is None or not visitor_sees_prices_excl_vat():
        return None
    return price_excl_vat(gross_cents, of, shop_today())


def visitor_sees_prices_excl_vat() -> bool:
    """Whether this request's visitor sees prices excluding VAT (``shows_prices_excl_vat``): a view whose page
    prices packages loads their components for it (each package's price is split over them)."""
    # The visitor Flask-Login loaded for this request, read once it is there: a page asks per price, and through
    # ``current_user`` each look costs more than the price's own text.
    user = loaded_user()
    if user is None:
        user = current_user
    return bool(getattr(user, "is_authenticated", False)) and shows_prices_excl_vat(user)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["excl_vat_price"] = excl_vat_price
