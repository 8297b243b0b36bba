"""Stripe's success and cancel pages, and the demo payment page."""

from __future__ import annotations

import re

import pytest

from shop.cart.models import Cart
from shop.orders.browser_orders import SESSION_KEY as PLACED_ORDERS
from shop.orders.models import OrderStatus, PaymentProvider
from shop.payments.demo import DemoGateway
from shop.payments.services import start_payment
from tests.factories import make_order_data, make_package, make_product, place, start_stripe_checkout


def _reload(db, *objects):
    db.session.expire_all()
    for obj in objects:
        db.session.refresh(obj)


def _flashes(client):
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def _placed_in(client, order):
    """``order`` was placed in the browser of ``client`` (as the checkout remembers it)."""
    with client.session_transaction() as session:
        session[PLACED_ORDERS] = [order.id]
    return order


def _cart_lines(client, db):
    cookie = client.get_cookie("lov_cart")
    assert cookie is not None
    cart = db.session.query(Cart).filter_by(token=cookie.value).one()
    return [(line.product_id, line.package_id, line.quantity) for line in cart.lines]


# -- Stripe success page

def test_success_page_confirms_a_paid_session(client, db, stripe_config, cheese):
    order = _placed_in(client, place((cheese, 2)))
    session_id = start_stripe_checkout(order)
    stripe_config.complete_session(session_id)

    response = client.get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/bestelling/{order.status_token}"
    _reload(db, order)
    assert (order.status, order.payment_status) == (OrderStatus.PAID, "paid")
    assert order.transitions[-1].actor == "customer"


def test_success_page_with_async_payment_says_it_is_being_confirmed(client, db, stripe_config, cheese):
    order = _placed_in(client, place((cheese, 2)))
    session_id = start_stripe_checkout(order)
    stripe_config.complete_session(session_id, paid=False)

    response = client.get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert response.status_code == 303
    _reload(db, order)
    assert (order.status, order.payment_status) == (OrderStatus.PENDING_PAYMENT, "processing")
    assert _flashes(client) == ["We bevestigen je betaling zodra de betaaldienst ze doorgeeft. Je krijgt dan ook een e-mail."]


def test_success_page_for_a_declined_async_payment_cancels_the_order(client, db, stripe_config, cheese):
    order = _placed_in(client, place((cheese, 2)))
    session_id = start_stripe_checkout(order)
    stripe_config.complete_session(session_id, paid=False)
    stripe_config.settle_async(session_id, succeeded=False)  # its webhook never came

    response = client.get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert (response.status_code, response.headers["Location"]) == (303, f"/bestelling/{order.status_token}")
    _reload(db, order, cheese)
    assert (order.status, order.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "failed", 10)
    assert _flashes(client) == []


def test_success_page_when_stripe_is_down_still_shows_the_order(client, db, stripe_config, cheese):
    order = _placed_in(client, place((cheese, 2)))
    session_id = start_stripe_checkout(order)
    stripe_config.fail_next(status=500)

    response = client.get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert (response.status_code, response.headers["Location"]) == (303, f"/bestelling/{order.status_token}")
    _reload(db, order)
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_success_page_for_an_order_cancelled_meanwhile_refunds_the_payment(client, db, stripe_config, cheese,
                                                                          monkeypatch):
    from shop.orders import notifications
    from shop.payments import services

    told = []
    monkeypatch.setattr(notifications, "payment_after_cancellation", lambda order: told.append(order.number))
    order = _placed_in(client, place((cheese, 2)))
    session_id = start_stripe_checkout(order)
    services.session_expired(order, actor="stripe")  # the expiry was handled first
    db.session.commit()
    stripe_config.complete_session(session_id)  # yet the customer paid at the last second

    response = client.get(f"/afrekenen/bevestiging?session_id={session_id}")
    client.get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert response.headers["Location"] == f"/bestelling/{order.status_token}"
    _reload(db, order)
    assert (order.status, order.needs_attention, order.refunded_cents) == (OrderStatus.CANCELLED, True, 2500)
    assert told == [order.number]
    assert len(stripe_config.refunds) == 1
    assert ("Je betaling kwam binnen nadat je bestelling al geannuleerd was. We storten het volledige bedrag "
            "automatisch terug en sturen je een e-mail.") in _flashes(client)


def test_success_page_of_a_session_paid_with_another_amount_flags_the_order_and_does_not_pay_it(
        client, db, stripe_config, cheese):
    order = _placed_in(client, place((cheese, 2)))
    session_id = start_stripe_checkout(order)
    stripe_config.sessions[session_id]["amount_total"] = 1  # one cent for 25,00
    stripe_config.complete_session(session_id)

    response = client.get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert response.headers["Location"] == f"/bestelling/{order.status_token}"
    _reload(db, order, cheese)
    assert (order.status, order.needs_attention, cheese.stock) == (OrderStatus.PENDING_PAYMENT, True, 8)
    assert "is betaald met 0,01 EUR, maar bestelling" in order.attention_note


@pytest.mark.parametrize("query", ["", "?session_id=", "?session_id=cs_test_unknown"])
def test_success_page_for_an_unknown_session_is_404(client, db, query):
    assert client.get(f"/afrekenen/bevestiging{query}").status_code == 404


@pytest.fixture
def gift(db, cheese):
    """A gift delivered at home: what a stranger must not see (recipient, address, message)."""
    data = make_order_data("delivery", recipient_name="Oma Verhaeghe", street="Korenmarkt 10", is_gift=True,
                           gift_message="Zalige kerst, oma!", email="lotte@voorbeeld.be")
    return place((cheese, 2), data=data)


def test_success_page_in_another_browser_records_the_payment_but_shows_nothing_of_the_order(
        app, client, db, stripe_config, gift):
    session_id = start_stripe_checkout(gift)
    stripe_config.complete_session(session_id)
    _placed_in(client, gift)  # the buyer's browser
    stranger = app.test_client()

    response = stranger.get(f"/afrekenen/bevestiging?session_id={session_id}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bedankt voor je bestelling" in html
    for secret in (gift.number, gift.status_token, "Oma Verhaeghe", "Korenmarkt", "Zalige kerst", "lotte@",
                   "/bestelling/", "/afrekenen/geannuleerd/"):
        assert secret not in html
    _reload(db, gift)
    assert (gift.status, gift.payment_status) == (OrderStatus.PAID, "paid")  # confirmed all the same
    # and the buyer's browser is still sent on to the order
    assert client.get(f"/afrekenen/bevestiging?session_id={session_id}").headers["Location"] == (
        f"/bestelling/{gift.status_token}")


def test_success_page_of_an_unpaid_session_in_another_browser_shows_nothing_either(app, db, stripe_config, gift):
    session_id = start_stripe_checkout(gift)

    response = app.test_client().get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert response.status_code == 200
    assert gift.number not in response.get_data(as_text=True)
    _reload(db, gift)
    assert gift.status == OrderStatus.PENDING_PAYMENT


def test_success_page_takes_the_logged_in_customer_to_their_own_order(client, db, stripe_config, cheese):
    from shop.accounts.models import User

    user = User(email="klant@voorbeeld.be")
    db.session.add(user)
    db.session.flush()
    order = place((cheese, 1), by=user)
    session_id = start_stripe_checkout(order)
    with client.session_transaction() as session:  # logged in, in another browser than the one that ordered
        session["_user_id"] = user.get_id()

    response = client.get(f"/afrekenen/bevestiging?session_id={session_id}")

    assert (response.status_code, response.headers["Location"]) == (303, f"/bestelling/{order.status_token}")


# -- Stripe cancel page

def test_cancel_link_shows_a_page_with_a_button_and_changes_nothing(client, db, stripe_config, cheese):
    order = place((cheese, 2))
    session_id = start_stripe_checkout(order)

    response = client.get(f"/afrekenen/geannuleerd/{order.status_token}")
    client.get(f"/afrekenen/geannuleerd/{order.status_token}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Je betaling is niet afgerond" in html
    assert f'<form method="post" action="/afrekenen/geannuleerd/{order.status_token}"' in html
    assert "Bestelling annuleren en terug naar je winkelmand" in html
    _reload(db, order, cheese)
    assert (order.status, order.payment_status, cheese.stock) == (OrderStatus.PENDING_PAYMENT, "unpaid", 8)
    assert stripe_config.sessions[session_id]["status"] == "open"
    assert client.get_cookie("lov_cart") is None  # no cart refilled
    assert _flashes(client) == []


def test_cancel_button_expires_the_session_returns_stock_and_refills_the_cart(client, db, stripe_config, cheese):
    package = make_package([(make_product(price_cents=800, stock=5), 2)], price_cents=3500)
    order = place((cheese, 2), (package, 1))
    session_id = start_stripe_checkout(order)

    response = client.post(f"/afrekenen/geannuleerd/{order.status_token}")
    again = client.post(f"/afrekenen/geannuleerd/{order.status_token}")

    assert (response.status_code, response.headers["Location"]) == (303, "/winkelmand")
    assert again.status_code == 303
    assert stripe_config.sessions[session_id]["status"] == "expired"
    _reload(db, order, cheese)
    assert (order.status, order.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "abandoned", 10)
    assert _cart_lines(client, db) == [(cheese.id, None, 2), (None, package.id, 1)]
    assert "Je betaling is geannuleerd; je winkelmand staat klaar." in _flashes(client)
    # the link of a cancelled order now leads to its status page
    assert client.get(f"/afrekenen/geannuleerd/{order.status_token}").headers["Location"] == (
        f"/bestelling/{order.status_token}")


def test_cancel_button_for_a_session_paid_meanwhile_keeps_the_order(client, db, stripe_config, cheese):
    order = place((cheese, 2))
    session_id = start_stripe_checkout(order)
    stripe_config.complete_session(session_id)

    response = client.post(f"/afrekenen/geannuleerd/{order.status_token}")

    assert (response.status_code, response.headers["Location"]) == (303, f"/bestelling/{order.status_token}")
    _reload(db, order, cheese)
    assert (order.status, cheese.stock) == (OrderStatus.PAID, 8)


def test_cancel_button_when_stripe_is_down_cancels_nothing(client, db, stripe_config, cheese):
    order = place((cheese, 2))
    start_stripe_checkout(order)
    stripe_config.fail_next(times=2, status=500)

    response = client.post(f"/afrekenen/geannuleerd/{order.status_token}")

    assert response.headers["Location"] == f"/bestelling/{order.status_token}"
    _reload(db, order, cheese)
    assert (order.status, cheese.stock) == (OrderStatus.PENDING_PAYMENT, 8)
    assert _flashes(client) == ["We konden je betaling nu niet annuleren. Probeer het zo meteen opnieuw."]


@pytest.mark.parametrize("method", ["get", "post"])
def test_cancel_page_for_an_unknown_token_is_404(client, db, method):
    assert getattr(client, method)("/afrekenen/geannuleerd/nope").status_code == 404


# -- CSRF: every change is a POST with the form's token

@pytest.fixture
def csrf(app):
    """CSRF protection on, as in production (the tests run without it)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def test_cancel_button_needs_the_pages_csrf_token(client, db, stripe_config, cheese, csrf):
    order = place((cheese, 2))
    start_stripe_checkout(order)
    url = f"/afrekenen/geannuleerd/{order.status_token}"

    forged = client.post(url)  # e.g. a form on another site
    _reload(db, order, cheese)
    assert (forged.status_code, order.status, cheese.stock) == (400, OrderStatus.PENDING_PAYMENT, 8)

    response = client.post(url, data={"csrf_token": _csrf_token(client.get(url).get_data(as_text=True))})

    assert (response.status_code, response.headers["Location"]) == (303, "/winkelmand")
    _reload(db, order)
    assert order.status == OrderStatus.CANCELLED


# -- demo page

@pytest.fixture
def demo_order(app, db, cheese):
    order = place((cheese, 2))
    with app.test_request_context():
        url = start_payment(order, gateway=DemoGateway())
    db.session.commit()
    assert url == f"/betalen/demo/{order.status_token}"
    return order


def test_demo_session_ids_are_random_not_the_order_number(app, client, db, demo_order, cheese):
    other = place((cheese, 1))
    with app.test_request_context():
        start_payment(other, gateway=DemoGateway())
    db.session.commit()

    ids = [demo_order.payment_session_id, other.payment_session_id]

    assert ids[0] != ids[1]
    for order, session_id in zip((demo_order, other), ids, strict=True):
        assert session_id.startswith("demo_") and len(session_id) >= 40
        assert order.number not in session_id and order.number.rsplit("-", 1)[1] not in session_id
    # the guessable id of before finds nothing
    assert client.get(f"/afrekenen/bevestiging?session_id=demo_{demo_order.number}").status_code == 404


def test_demo_session_id_in_another_browser_shows_nothing_of_the_order(app, db, demo_order):
    response = app.test_client().get(f"/afrekenen/bevestiging?session_id={demo_order.payment_session_id}")

    assert response.status_code == 200
    assert demo_order.number not in response.get_data(as_text=True)
    assert demo_order.status_token not in response.get_data(as_text=True)


def test_demo_page_changes_nothing_by_itself(client, db, demo_order, cheese):
    client.get(f"/betalen/demo/{demo_order.status_token}")
    client.get(f"/betalen/demo/{demo_order.status_token}")

    _reload(db, demo_order, cheese)
    assert (demo_order.status, demo_order.payment_status, cheese.stock) == (OrderStatus.PENDING_PAYMENT, "unpaid", 8)


@pytest.mark.parametrize("action", ["pay", "fail", "abandon"])
def test_demo_actions_need_the_pages_csrf_token(client, db, demo_order, cheese, csrf, action):
    url = f"/betalen/demo/{demo_order.status_token}"

    forged = client.post(url, data={"action": action})
    _reload(db, demo_order, cheese)
    assert (forged.status_code, demo_order.status, cheese.stock) == (400, OrderStatus.PENDING_PAYMENT, 8)

    response = client.post(url, data={"action": action, "csrf_token": _csrf_token(client.get(url).get_data(as_text=True))})

    assert response.status_code == 303
    _reload(db, demo_order)
    assert demo_order.status == (OrderStatus.PAID if action == "pay" else OrderStatus.CANCELLED)


def test_demo_page_is_clearly_labelled_with_the_order(client, demo_order):
    response = client.get(f"/betalen/demo/{demo_order.status_token}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dit is een demonstratie: er wordt geen echt geld aangerekend." in html
    assert "Oude Brugge" in html and "€\xa025,00" in html
    for action in ('value="pay"', 'value="fail"', 'value="abandon"'):
        assert action in html


def test_demo_pay_makes_the_order_paid(client, db, demo_order):
    response = client.post(f"/betalen/demo/{demo_order.status_token}", data={"action": "pay"})

    assert (response.status_code, response.headers["Location"]) == (303, f"/bestelling/{demo_order.status_token}")
    _reload(db, demo_order)
    assert (demo_order.status, demo_order.payment_intent_id) == (OrderStatus.PAID, f"demo_pi_{demo_order.number}")
    assert client.get(f"/betalen/demo/{demo_order.status_token}").status_code == 303  # paid: to the status page


def test_demo_pay_for_an_order_cancelled_while_it_was_paid_says_the_money_goes_back(client, db, demo_order,
                                                                                      monkeypatch):
    # The page checked that the order was waiting for its payment; another tab cancelled it before the payment
    # was recorded, and the payment, recorded on a cancelled order (flagged and refunded), was announced as a
    # success.
    from shop.payments import services

    pay = services.payment_succeeded

    def cancelled_meanwhile_then_paid(order, **kwargs):
        services.abandon(order, actor="customer (demo)")
        db.session.commit()  # the other tab's request, done
        return pay(order, **kwargs)

    monkeypatch.setattr(services, "payment_succeeded", cancelled_meanwhile_then_paid)

    response = client.post(f"/betalen/demo/{demo_order.status_token}", data={"action": "pay"})

    assert (response.status_code, response.headers["Location"]) == (303, f"/bestelling/{demo_order.status_token}")
    _reload(db, demo_order)
    assert (demo_order.status, demo_order.payment_status, demo_order.refunded_cents) == (
        OrderStatus.CANCELLED, "paid_after_cancellation", 2500)
    flashes = _flashes(client)
    assert "Bedankt! Je (demo)betaling is gelukt." not in flashes
    assert ("Je betaling kwam binnen nadat je bestelling al geannuleerd was. We storten het volledige bedrag "
            "automatisch terug en sturen je een e-mail.") in flashes


def test_demo_fail_cancels_returns_stock_and_refills_the_cart(client, db, demo_order, cheese):
    response = client.post(f"/betalen/demo/{demo_order.status_token}", data={"action": "fail"})

    assert (response.status_code, response.headers["Location"]) == (303, "/winkelmand")
    _reload(db, demo_order, cheese)
    assert (demo_order.status, demo_order.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "failed", 10)
    assert _cart_lines(client, db) == [(cheese.id, None, 2)]


def test_demo_abandon_cancels_once(client, db, demo_order, cheese):
    client.post(f"/betalen/demo/{demo_order.status_token}", data={"action": "abandon"})
    client.post(f"/betalen/demo/{demo_order.status_token}", data={"action": "abandon"})

    _reload(db, demo_order, cheese)
    assert (demo_order.status, demo_order.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "abandoned", 10)
    assert _cart_lines(client, db) == [(cheese.id, None, 2)]


def test_demo_rejects_an_unknown_action(client, db, demo_order):
    assert client.post(f"/betalen/demo/{demo_order.status_token}", data={"action": "steal"}).status_code == 400


def test_demo_page_is_404_for_a_stripe_order(client, db, stripe_config, cheese):
    order = place((cheese, 1))
    start_stripe_checkout(order)
    assert order.payment_provider == PaymentProvider.STRIPE

    assert client.get(f"/betalen/demo/{order.status_token}").status_code == 404
    assert client.post(f"/betalen/demo/{order.status_token}", data={"action": "pay"}).status_code == 404


def test_demo_page_is_refused_in_production(client, db, demo_order, production_config):
    assert client.get(f"/betalen/demo/{demo_order.status_token}").status_code == 404
    assert client.post(f"/betalen/demo/{demo_order.status_token}", data={"action": "pay"}).status_code == 404
    _reload(db, demo_order)
    assert demo_order.status == OrderStatus.PENDING_PAYMENT


def test_webhook_is_404_without_stripe(client, db):
    assert client.post("/stripe/webhook", data="{}").status_code == 404
