"""The error pages when the database is in trouble: the buyer (with a cart, or signed in, mid-checkout) always
gets the shop's own page with the advice not to pay again; 503 with a Retry-After when the database cannot be
reached, 500 otherwise. The database fails for real inside the request (tests/helpers.failing_database), the way
PostgreSQL fails: an aborted transaction refuses every query until it is rolled back.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, PendingRollbackError

from shop.core.database_errors import RETRY_AFTER_SECONDS, is_database_unreachable
from tests.factories import log_in_as, make_order_cart, make_product, make_user
from tests.helpers import failing_database

ADVICE = "betaal niet opnieuw, maar mail ons"
SHOP_PAGE = "Lekker Oost-Vlaams"


@pytest.fixture(params=["visitor", "visitor with a cart", "customer with a cart"])
def buyer(request, client, db):
    """(who, items in the cart): an anonymous visitor, one with a cart of 2, a signed-in customer with a cart."""
    items = 0
    if request.param != "visitor":
        cart = make_order_cart((make_product("Foutkaas", stock=9), 2))
        client.set_cookie("lov_cart", cart.token)
        items = 2
    user = make_user(name="Klant") if request.param.startswith("customer") else None
    db.session.commit()
    if user is not None:
        log_in_as(client, user)
    return request.param, items


def _header(html: str) -> str:
    return html.split("<main", 1)[0]


def test_a_failed_statement_gives_the_500_page_with_a_complete_header(client, db, errors_answered, buyer):
    who, items = buyer

    with failing_database(db.engine, statement="FROM products"):
        response = client.get("/producten")

    html = response.text
    assert response.status_code == 500
    assert "Er ging bij ons iets mis" in html and ADVICE in html and SHOP_PAGE in html
    assert "Retry-After" not in response.headers
    # The page names the request's id, as the log line and the X-Request-ID header do.
    assert f"Noem dan deze code: {response.headers['X-Request-ID']}" in html
    # The handler rolled back first: the header still reads the cart and the signed-in user.
    if items:
        assert f'<span class="cart-link__count">{items}<' in _header(html)
    assert ("Mijn account" in _header(html)) == who.startswith("customer")


def test_an_unreachable_database_gives_the_503_page_with_the_advice(client, db, errors_answered, buyer):
    who, items = buyer

    with failing_database(db.engine, unreachable=True):
        response = client.get("/producten")

    html = response.text
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "De winkel is even niet bereikbaar" in html and ADVICE in html and SHOP_PAGE in html
    assert f"Noem dan deze code: {response.headers['X-Request-ID']}" in html
    # The header cannot read the database: the cart link without a count (a visitor without a cart has none to
    # read), the menu of a visitor.
    assert ("cart-link__count" in html) == (who == "visitor")
    assert "Inloggen" in _header(html)


def test_the_checkout_page_answers_503_when_the_database_goes_away(client, db, errors_answered):
    cart = make_order_cart((make_product("Afrekenkaas", stock=9), 1))
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)

    with failing_database(db.engine, unreachable=True):
        response = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})

    assert response.status_code == 503
    assert ADVICE in response.text


def test_when_the_shops_page_itself_fails_a_plain_page_gives_the_advice(app, client, db, errors_answered,
                                                                         monkeypatch):
    def broken_header():
        raise RuntimeError("the header broke")

    monkeypatch.setitem(app.jinja_env.globals, "header_account", broken_header)

    with failing_database(db.engine, statement="FROM products"):
        response = client.get("/producten")

    assert response.status_code == 500
    assert ADVICE in response.text and SHOP_PAGE in response.text
    assert "site-header" not in response.text


def test_other_pages_still_show_the_header_from_the_database(client, db):
    cart = make_order_cart((make_product("Gewone kaas", stock=9), 3))
    user = make_user()
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)
    log_in_as(client, user)

    html = client.get("/").text

    assert '<span class="cart-link__count">3<' in html
    assert "Mijn account" in _header(html)


# --- which errors mean "unreachable" ----------------------------------------------------------------------------


def _wrapped(error_class, **kwargs):
    return error_class("SELECT 1", {}, Exception("driver says no"), **kwargs)


@pytest.mark.parametrize(("error", "unreachable"), [
    (_wrapped(OperationalError), True),
    (_wrapped(InterfaceError), True),
    (_wrapped(DBAPIError, connection_invalidated=True), True),
    (_wrapped(DBAPIError), False),
    (_wrapped(DataError), False),
    (RuntimeError("not the database"), False),
    (None, False),
])
def test_unreachable_means_the_connection_not_the_statement(error, unreachable):
    assert is_database_unreachable(error) is unreachable


def test_an_error_raised_while_handling_a_lost_connection_still_counts_as_unreachable():
    try:
        try:
            raise _wrapped(OperationalError)
        except OperationalError as lost:
            raise PendingRollbackError("rolled back") from lost
    except PendingRollbackError as error:
        assert is_database_unreachable(error)
