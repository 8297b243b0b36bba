"""Template helpers of the accounts: who the page header greets; whether the logged-in visitor buys for a
company, and whether they chose to see prices excluding VAT. They read the logged-in user only (never the session
or a cookie), so a page shared by all anonymous visitors never depends on them; for a guest they cost no query.
Each fails soft: when the database cannot be read, an error page still shows, as to a visitor."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_login import current_user

from shop.accounts.company import get_company_profile, shows_prices_excl_vat
from shop.core.database_errors import fail_soft


@dataclass(frozen=True)
class HeaderAccount:
    """What the header's menu needs of the signed-in user: the role's value (``customer``, ``producer``,
    ``staff``, ``admin``)."""

    role: str


@fail_soft(None)
def header_account() -> HeaderAccount | None:
    """The signed-in user for the header's menu, or None for a visitor. None too when the user cannot be read
    from the database: an error page still shows, with the menu of a visitor."""
    if not current_user.is_authenticated:
        return None
    return HeaderAccount(role=current_user.role.value)


@fail_soft(False)
def buys_as_company() -> bool:
    """A logged-in customer with a company profile (the withdrawal right does not apply to their purchases)."""
    return get_company_profile(current_user) is not None


@fail_soft(False)
def prices_excl_vat() -> bool:
    return shows_prices_excl_vat(current_user)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["header_account"] = header_account
    app.jinja_env.globals["buys_as_company"] = buys_as_company
    app.jinja_env.globals["prices_excl_vat"] = prices_excl_vat
