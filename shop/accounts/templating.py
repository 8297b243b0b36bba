"""Template helpers of the accounts: whether the logged-in visitor buys for a company, and whether they chose to
see prices excluding VAT. Both read the logged-in user only (never the session or a cookie), so a page shared by
all anonymous visitors never depends on them; for a guest they cost no query."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from shop.accounts.company import get_company_profile, shows_prices_excl_vat


def buys_as_company() -> bool:
    """A logged-in customer with a company profile (the withdrawal right does not apply to their purchases)."""
    return get_company_profile(current_user) is not None


def prices_excl_vat() -> bool:
    return shows_prices_excl_vat(current_user)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["buys_as_company"] = buys_as_company
    app.jinja_env.globals["prices_excl_vat"] = prices_excl_vat
