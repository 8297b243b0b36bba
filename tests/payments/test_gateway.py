"""The Stripe gateway against the fake Stripe server (the real SDK over HTTP), and the demo gateway."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from shop.core.clock import as_utc
from shop.orders.models import PaymentProvider
from shop.payments.demo import DemoGateway
from shop.payments.gateway import StripeGateway, get_gateway
from shop.payments.interface import PaymentUnavailable
from shop.payments.services import start_payment
from tests.factories import (
    SUCCESS_URL,
    make_locality,
    make_order_data,
    make_package,
    make_product,
    place,
    start_stripe_checkout,
)


def test_get_gateway_is_demo_without_a_secret_key(app, db):
    assert isinstance(get_gateway(), DemoGateway)


def test_get_gateway_is_stripe_with_a_secret_key(stripe_config, db):
    gateway = get_gateway()

    assert isinstance(gateway, StripeGateway)
    assert gateway.client._requestor.base_addresses["api"] == stripe_config.url


def test_demo_gateway_refuses_in_production(db, production_config):
    with pytest.raises(PaymentUnavailable):
        get_gateway()


def test_checkout_session_matches_the_order(stripe_config, db, cheese):
    package = make_package([(make_product(price_cents=800, stock=5), 2)], price_cents=3500)
    order = place((cheese, 2), (package, 1), locale="fr")

    before = int(time.time())
    start_stripe_checkout(order)

    (request,) = stripe_config.session_requests()
    params = request["params"]
    assert request["idempotency_key"] == f"checkout-{order.number}"
    assert params["mode"] == "payment"
    assert params["line_items"] == {
        "0": {"quantity": "2", "price_data": {"currency": "eur", "unit_amount": "1250", "product_data": {"name": "Oude Brugge"}}},
        "1": {"quantity": "1", "price_data": {"currency": "eur", "unit_amount": "3500", "product_data": {"name": package.name}}},
    }
    assert order.total_cents == 6000
    assert params["client_reference_id"] == order.number
    assert params["metadata"] == {"order_id": str(order.id), "order_number": order.number}
    assert params["customer_email"] == "an@voorbeeld.be"
    assert params["locale"] == "fr"
    assert params["allowed_payment_method_types"] == {"0": "card", "1": "bancontact"}
    # At least 30 minutes from the session's creation, counted from the order's placing (+ 1 minute margin).
    assert before + 1800 <= int(params["expires_at"]) <= int(time.time()) + 1800 + 60
    assert int(params["expires_at"]) == int(as_utc(order.placed_at).timestamp()) + 31 * 60
    assert params["success_url"] == SUCCESS_URL
    assert params["cancel_url"] == f"http://localhost/afrekenen/geannuleerd/{order.status_token}"
    session = stripe_config.sessions[order.payment_session_id]
    assert session["amount_total"] == order.total_cents
    assert order.payment_provider == PaymentProvider.STRIPE


def test_delivery_fee_is_its_own_line_and_the_total_matches(stripe_config, db, cheese):
    make_locality("9000", "Gent")
    order = place((cheese, 1), data=make_order_data("delivery"))
    assert order.delivery_fee_cents == 695

    start_stripe_checkout(order)

    items = stripe_config.session_requests()[0]["params"]["line_items"]
    assert items["1"] == {"quantity": "1", "price_data": {"currency": "eur", "unit_amount": "695",
                                                          "product_data": {"name": "Levering"}}}
    assert stripe_config.sessions[order.payment_session_id]["amount_total"] == 1250 + 695 == order.total_cents


def test_payment_methods_come_from_the_settings(stripe_config, app, db, cheese):
    app.config["SHOP_SETTINGS"] = {"payment_methods": ("bancontact",)}
    try:
        order = place((cheese, 1))
        start_stripe_checkout(order)
    finally:
        app.config.pop("SHOP_SETTINGS")
    assert stripe_config.session_requests()[0]["params"]["allowed_payment_method_types"] == {"0": "bancontact"}


def test_starting_twice_reuses_the_session(stripe_config, db, cheese):
    order = place((cheese, 1))
    gateway = get_gateway()

    first = start_payment(order, success_url=SUCCESS_URL, cancel_url="http://localhost/c", gateway=gateway)
    second = start_payment(order, success_url=SUCCESS_URL, cancel_url="http://localhost/c", gateway=gateway)

    assert first == second == stripe_config.sessions[order.payment_session_id]["url"]
    assert len(stripe_config.sessions) == 1


def test_asking_again_seconds_later_sends_the_same_parameters_and_gets_the_same_session(
        stripe_config, db, cheese, monkeypatch):
    """The idempotency key checkout-<number> only answers a retry that asks exactly the same: the session's
    expiry counts from the order's placing, not from the moment of asking."""
    import shop.payments.gateway as gateway_module

    order = place((cheese, 1))
    gateway = get_gateway()
    first = start_payment(order, success_url=SUCCESS_URL, cancel_url="http://localhost/c", gateway=gateway)
    later = gateway_module.utcnow() + timedelta(seconds=7)
    monkeypatch.setattr(gateway_module, "utcnow", lambda: later)

    second = start_payment(order, success_url=SUCCESS_URL, cancel_url="http://localhost/c", gateway=gateway)

    assert second == first
    creates = [r for r in stripe_config.requests if r["method"] == "POST" and r["path"] == "/v1/checkout/sessions"]
    assert len(creates) == 2 and creates[0]["params"]["expires_at"] == creates[1]["params"]["expires_at"]
    assert len(stripe_config.sessions) == 1


@pytest.mark.parametrize("failure", ["error", "timeout"])
def test_stripe_error_or_timeout_raises_payment_unavailable(stripe_config, db, cheese, failure):
    order = place((cheese, 1))
    if failure == "error":
        stripe_config.fail_next(status=500)
    else:
        stripe_config.time_out_next(seconds=2)

    with pytest.raises(PaymentUnavailable) as caught:
        start_stripe_checkout(order)

    assert str(caught.value) == ("De betaaldienst is tijdelijk niet bereikbaar. Er is niets aangerekend; "
                                 "probeer het over enkele minuten opnieuw.")
    assert order.payment_session_id is None
    assert stripe_config.sessions == {}


def test_the_session_carries_the_request_id_of_the_placing_and_asking_again_sends_the_same(app, db, stripe_config):
    from shop.payments.gateway import StripeGateway
    from shop.payments.services import checkout_request, return_urls

    order = place((make_product(stock=5), 1))
    order.request_id = "abc123abc123abc123"  # as the checkout's request set it
    db.session.commit()
    with app.test_request_context():
        first = StripeGateway().start_checkout(checkout_request(order, **return_urls(order)))
    with app.test_request_context():  # another request (reconcile, later): the order's own id is sent again
        again = StripeGateway().start_checkout(checkout_request(order, **return_urls(order)))

    assert first.id == again.id
    session = stripe_config.sessions[first.id]
    assert session["metadata"]["request_id"] == "abc123abc123abc123"
