"""No cache keeps a personal response: every page a signed-in person gets, a guest's order behind its secret link,
a cart, a checkout and every downloaded file carry ``Cache-Control: private, no-store`` and ``Vary: Cookie``;
the anonymous shop front carries neither, so it can be cached later.

The signed-in sweep reads the routes from ``app.url_map`` (every GET route without URL parameters, plus the
shop front's pages with one), so pages added later are covered without editing this file. Every request runs
in an app context of its own, as on a real server (Flask-Login caches the user in the app context's ``g``).
"""

from __future__ import annotations

import pytest
from flask import Flask

from shop.accounts import tokens
from shop.accounts.services import invite_producer_user
from shop.core.downloads import csv_response, pdf_response
from shop.core.security import PUBLIC_FILE_ENDPOINTS
from tests.factories import log_in_as, make_order, make_package, make_producer, make_product, make_staff, make_user

NO_STORE = "private, no-store"


@pytest.fixture
def shop_front(db):
    producer = make_producer("Hoeve Cache", slug="hoeve-cache")
    product = make_product("Kaas zonder cache", producer=producer, slug="kaas-zonder-cache", stock=10)
    make_package([(product, 2)], name="Pakket zonder cache", slug="pakket-zonder-cache")
    db.session.commit()
    return {"producer": producer, "product": product}


def _shop_front_pages() -> list[str]:
    return ["/", "/producten", "/producten/kaas-zonder-cache", "/producenten", "/producenten/hoeve-cache",
            "/pakketten", "/pakketten/pakket-zonder-cache"]


def _get(app: Flask, client, url: str):
    with app.app_context():
        return client.get(url)


def _assert_not_stored(response, url: str) -> str | None:
    if response.headers.get("Cache-Control") != NO_STORE or "cookie" not in response.headers.get("Vary", "").lower():
        return (f"{url} ({response.status_code}): Cache-Control={response.headers.get('Cache-Control')!r}, "
                f"Vary={response.headers.get('Vary')!r}")
    return None


def _pages_of_the_app(app: Flask) -> list[str]:
    rules = [rule.rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and rule.endpoint not in PUBLIC_FILE_ENDPOINTS]
    return sorted(set(rules) | set(_shop_front_pages()))


@pytest.mark.parametrize("role", ["customer", "producer", "staff", "admin"])
def test_every_page_a_signed_in_person_gets_is_never_stored(app, db, shop_front, role):
    if role == "producer":
        user = make_user(role="producer", producer=shop_front["producer"])
    elif role in ("staff", "admin"):
        user = make_staff(role=role)
    else:
        user = make_user()
    db.session.commit()
    client = app.test_client()
    log_in_as(client, user)
    pages = _pages_of_the_app(app)
    assert len(pages) > 50 and "/portaal/csv/export" in pages and "/beheer/picklijst/pdf" in pages

    failures = [failure for url in pages if (failure := _assert_not_stored(_get(app, client, url), url))]

    assert failures == []


def test_the_guests_order_status_page_is_never_stored(app, db, shop_front):
    order = make_order((shop_front["product"], 1))
    db.session.commit()

    response = _get(app, app.test_client(), f"/bestelling/{order.status_token}")

    assert response.status_code == 200
    assert _assert_not_stored(response, "status page") is None


def test_the_anonymous_pages_that_show_one_persons_data_are_never_stored(app, db, shop_front):
    admin = make_staff(role="admin")
    customer = make_user("an@voorbeeld.be")
    invited = invite_producer_user("boer@hoeve-cache.be", shop_front["producer"], by=admin)
    order = make_order((shop_front["product"], 1))
    db.session.commit()
    client = app.test_client()
    client.post("/winkelmand/toevoegen", data={"product_id": shop_front["product"].id, "quantity": 1})
    pages = ["/winkelmand", "/afrekenen", f"/betalen/demo/{order.status_token}",
             f"/wachtwoord-herstellen/{tokens.make_token(customer, tokens.RESET)}",
             f"/uitnodiging/{tokens.make_token(invited, tokens.INVITATION)}"]

    failures = []
    for url in pages:
        response = _get(app, client, url)
        assert response.status_code in (200, 302, 303), url
        failures.append(_assert_not_stored(response, url))

    assert failures == [None] * len(pages)


@pytest.mark.parametrize("make_download", [
    lambda: pdf_response(b"%PDF-1.4", "factuur.pdf"),
    lambda: csv_response("a;b\n", "lijst.csv"),
], ids=["pdf", "csv"])
def test_every_download_is_never_stored_whoever_asks(app, make_download):
    with app.test_request_context("/een-download"):
        app.preprocess_request()
        response = app.process_response(make_download())

    assert response.headers["Cache-Control"] == NO_STORE
    assert "Cookie" in response.headers["Vary"]


def test_the_anonymous_shop_front_stays_cacheable(app, db, shop_front):
    client = app.test_client()
    for url in _shop_front_pages():
        response = _get(app, client, url)
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url


def test_a_look_at_the_cart_does_not_flag_the_next_page(app, db, shop_front):
    client = app.test_client()
    with app.app_context():  # one app context for both requests, as a test or a CLI script may keep open
        assert client.get("/winkelmand").headers["Cache-Control"] == NO_STORE
        assert "no-store" not in client.get("/producten").headers.get("Cache-Control", "")


def test_the_shops_own_files_keep_their_caching_for_a_signed_in_person(app, db):
    user = make_user()
    db.session.commit()
    client = app.test_client()
    log_in_as(client, user)

    response = _get(app, client, "/static/css/cart.css")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
