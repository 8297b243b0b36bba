"""Whole purchases through the checkout pages, the fake Stripe (real SDK over HTTP) and the webhook."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from shop.cart.models import CartLine
from shop.orders.models import Order, OrderStatus
from shop.scheduling.days import pickup_days
from tests.factories import make_order_cart, make_package, make_product


def _local(url: str) -> str:
    """The path and query of a return address the shop gave Stripe (absolute from SHOP_BASE_URL)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _buy(client, db, *items):
    cart = make_order_cart(*items)
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)
    form = {"email": "an@voorbeeld.be", "name": "An Peeters", "phone": "", "method": "pickup",
            "pickup_date": pickup_days()[0].isoformat()}
    assert client.post("/afrekenen", data=form).status_code == 303
    return client.post("/afrekenen/overzicht", data={"accept_terms": "y"})


def _reload(db, *objects):
    db.session.expire_all()
    for obj in objects:
        db.session.refresh(obj)


def test_full_purchase_of_a_package_and_loose_products_through_stripe(app, client, db, stripe_config):
    fake = stripe_config
    honey = make_product("Honing", price_cents=650, stock=10)
    ham = make_product("Ganda ham", price_cents=1400, stock=10)
    package = make_package([(ham, 1), (make_product("Mosterd", price_cents=450, stock=10), 2)], price_cents=3200)

    response = _buy(client, db, (honey, 2), (package, 1))

    order = db.session.scalars(select(Order)).one()
    session = fake.sessions[order.payment_session_id]
    assert (response.status_code, response.headers["Location"]) == (303, session["url"])
    assert session["amount_total"] == order.total_cents == 2 * 650 + 3200
    assert session["client_reference_id"] == order.number
    # The request that placed the order is named on the order and in Stripe's metadata, as in the logs.
    assert session["metadata"]["request_id"] == order.request_id == response.headers["X-Request-ID"]
    # The return addresses come from SHOP_BASE_URL, not from the Host the request named (localhost).
    assert session["success_url"] == app.config["SHOP_BASE_URL"] + "/afrekenen/bevestiging?session_id={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"].startswith(app.config["SHOP_BASE_URL"] + "/afrekenen/geannuleerd/")
    # The customer pays on Stripe, returns to the success page; the webhook arrives too (and again).
    paid = fake.complete_session(order.payment_session_id)
    success_url = session["success_url"].replace("{CHECKOUT_SESSION_ID}", order.payment_session_id)
    back = client.get(_local(success_url))
    elsewhere = app.test_client().get(_local(success_url))  # the link, in another browser
    event = fake.event("checkout.session.completed", paid)
    assert fake.post_event(client, event).status_code == 200
    assert fake.post_event(client, event).json == {"status": "already processed"}

    assert (back.status_code, back.headers["Location"]) == (303, f"/bestelling/{order.status_token}")
    assert elsewhere.status_code == 200
    assert order.number not in elsewhere.get_data(as_text=True)
    assert order.status_token not in elsewhere.get_data(as_text=True)
    _reload(db, order, honey, ham)
    assert (order.status, order.payment_intent_id) == (OrderStatus.PAID, paid["payment_intent"])
    assert [t.to_status for t in order.transitions] == [OrderStatus.PENDING_PAYMENT, OrderStatus.PAID]
    assert (honey.stock, ham.stock) == (8, 9)


def test_customer_cancels_on_stripe_and_finds_the_cart_again(client, db, stripe_config):
    honey = make_product("Honing", price_cents=650, stock=10)
    _buy(client, db, (honey, 3))
    order = db.session.scalars(select(Order)).one()
    cancel_url = stripe_config.sessions[order.payment_session_id]["cancel_url"]

    # Stripe sends the buyer back with a GET: a page with a button, nothing cancelled yet
    page = client.get(_local(cancel_url))
    _reload(db, order, honey)
    assert (page.status_code, order.status, honey.stock) == (200, OrderStatus.PENDING_PAYMENT, 7)

    response = client.post(_local(cancel_url))

    assert (response.status_code, response.headers["Location"]) == (303, "/winkelmand")
    _reload(db, order, honey)
    assert (order.status, honey.stock) == (OrderStatus.CANCELLED, 10)
    assert [(line.product_id, line.quantity) for line in db.session.scalars(select(CartLine))] == [(honey.id, 3)]
    assert "Je betaling is geannuleerd; je winkelmand staat klaar." in client.get("/winkelmand").get_data(as_text=True)


@pytest.mark.parametrize("failure", ["error", "timeout"])
def test_stripe_error_or_timeout_while_placing_the_order(client, db, stripe_config, failure):
    honey = make_product("Honing", price_cents=650, stock=10)
    if failure == "error":
        stripe_config.fail_next(status=500, message="Something went wrong")
    else:
        stripe_config.time_out_next(seconds=2)

    response = _buy(client, db, (honey, 2))

    assert response.headers["Location"].endswith("/afrekenen/overzicht")
    order = db.session.scalars(select(Order)).one()
    _reload(db, order, honey)
    assert (order.status, order.payment_session_id, honey.stock) == (OrderStatus.CANCELLED, None, 10)
    assert db.session.scalar(select(func.count()).select_from(CartLine)) == 1
    html = client.get("/afrekenen/overzicht").get_data(as_text=True)
    assert "De betaling kon niet gestart worden; er is niets aangerekend. Probeer opnieuw." in html


def test_full_purchase_on_the_demo_page(client, db):
    honey = make_product("Honing", price_cents=650, stock=10)
    response = _buy(client, db, (honey, 1))
    order = db.session.scalars(select(Order)).one()
    assert response.headers["Location"] == f"/betalen/demo/{order.status_token}"
    assert "geen echt geld" in client.get(response.headers["Location"]).get_data(as_text=True)

    paid = client.post(response.headers["Location"], data={"action": "pay"})

    assert paid.headers["Location"] == f"/bestelling/{order.status_token}"
    _reload(db, order)
    assert order.status == OrderStatus.PAID
