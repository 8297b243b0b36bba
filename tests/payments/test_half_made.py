"""Placing an order commits it (stock taken), then asks the provider for a payment session, then records it. A
process that dies, or a database that drops, at any point in between must leave no stock held without a way
back: reconcile settles every such order. Each crash point is injected here."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from shop.extensions import db as _db
from shop.orders.models import Order, OrderStatus, PaymentProvider
from shop.payments import services
from shop.payments.gateway import StripeGateway
from shop.payments.reconcile import HALF_MADE_AFTER, reconcile_all
from tests.factories import make_product, place

LATER = HALF_MADE_AFTER + timedelta(minutes=1)


def _reconcile_later(app, by: timedelta = LATER):
    """Run reconcile as if ``by`` had passed since the crash (the order keeps its real placing time: asking
    Stripe again must send the very parameters of the first request)."""
    with app.test_request_context():
        return reconcile_all(now=time.time() + by.total_seconds())


def _stock_back(db, product, order):
    db.session.expire_all()
    return db.session.get(type(product), product.id).stock, db.session.get(Order, order.id)


def test_an_order_placed_with_stripe_knows_its_provider_before_any_session(db, stripe_config):
    order = place((make_product(stock=5), 1))

    assert (order.payment_provider, order.payment_session_id) == (PaymentProvider.STRIPE, None)


def test_crash_before_stripe_was_asked_the_order_is_cancelled_and_its_stock_returns(app, db, stripe_config):
    cheese = make_product(price_cents=1000, stock=5)
    order = place((cheese, 2))  # committed; the process dies before start_payment

    outcomes = _reconcile_later(app)

    stock, order = _stock_back(db, cheese, order)
    assert (order.status, stock) == (OrderStatus.CANCELLED, 5)
    assert order.payment_session_id is not None  # the session it made now, and expired at once
    assert stripe_config.sessions[order.payment_session_id]["status"] == "expired"
    assert [outcome.action for outcome in outcomes] == ["expired-now"]


def test_crash_after_stripe_made_the_session_finds_that_same_session(app, db, stripe_config):
    cheese = make_product(price_cents=1000, stock=5)
    order = place((cheese, 2))
    with app.test_request_context():
        made = StripeGateway().start_checkout(services.checkout_request(order, **services.return_urls(order)))
    # ... and the process dies before recording it.

    _reconcile_later(app)

    stock, order = _stock_back(db, cheese, order)
    assert order.payment_session_id == made.id
    assert len(stripe_config.sessions) == 1  # asked again under the same key: no second session
    assert (order.status, stock) == (OrderStatus.CANCELLED, 5)


def test_a_session_paid_before_the_crash_was_settled_makes_the_order_paid(app, db, stripe_config):
    cheese = make_product(price_cents=1000, stock=5)
    order = place((cheese, 2))
    with app.test_request_context():
        made = StripeGateway().start_checkout(services.checkout_request(order, **services.return_urls(order)))
    stripe_config.complete_session(made.id)

    _reconcile_later(app)

    stock, order = _stock_back(db, cheese, order)
    assert (order.status, stock) == (OrderStatus.PAID, 3)


def test_the_database_dropping_while_recording_the_session_is_settled_later(app, db, stripe_config, monkeypatch):
    cheese = make_product(price_cents=1000, stock=5)
    order = place((cheese, 1))

    def dropped(*args, **kwargs):
        raise OperationalError("UPDATE orders", {}, Exception("server closed the connection unexpectedly"))

    with app.test_request_context():
        monkeypatch.setattr(services, "record_checkout_session", dropped)
        with pytest.raises(OperationalError):
            services.start_payment(order, **services.return_urls(order))
        monkeypatch.undo()
    _db.session.rollback()

    _reconcile_later(app)

    stock, order = _stock_back(db, cheese, order)
    assert (order.status, stock, len(stripe_config.sessions)) == (OrderStatus.CANCELLED, 5, 1)


def test_stripe_refusing_the_late_request_cancels_once_the_session_would_have_expired(app, db, stripe_config):
    cheese = make_product(price_cents=1000, stock=5)
    order = place((cheese, 2))  # the process dies before Stripe was asked; asked later, Stripe refuses

    stripe_config.fail_next(status=400, type_="invalid_request_error",
                            message="The `expires_at` timestamp must be at least 30 minutes in the future.")
    [waiting] = _reconcile_later(app)
    _db.session.refresh(order)
    assert (waiting.action, order.status) == ("open", OrderStatus.PENDING_PAYMENT)

    stripe_config.fail_next(status=400, type_="invalid_request_error", message="still refused")
    _reconcile_later(app, timedelta(minutes=40))

    stock, order = _stock_back(db, cheese, order)
    assert (order.status, stock) == (OrderStatus.CANCELLED, 5)


def test_a_young_order_without_a_session_is_left_alone(app, db, stripe_config):
    order = place((make_product(stock=5), 1))  # its request may still be asking Stripe

    with app.test_request_context():
        reconcile_all()

    _db.session.refresh(order)
    assert (order.status, stripe_config.sessions) == (OrderStatus.PENDING_PAYMENT, {})


def test_a_half_made_demo_order_is_cancelled(app, db):
    cheese = make_product(stock=5)
    order = place((cheese, 3))
    assert order.payment_provider == PaymentProvider.DEMO

    _reconcile_later(app)

    stock, order = _stock_back(db, cheese, order)
    assert (order.status, stock) == (OrderStatus.CANCELLED, 5)


def test_a_demo_payment_page_left_open_is_cancelled_once_its_session_would_have_expired(app, db):
    cheese = make_product(stock=5)
    order = place((cheese, 1))
    with app.test_request_context():
        services.start_payment(order, **services.return_urls(order))
    _db.session.commit()

    with app.test_request_context():
        reconcile_all(now=time.time() + 10 * 60)  # ten minutes on: still payable
    _db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT

    with app.test_request_context():
        reconcile_all(now=time.time() + 35 * 60)
    stock, order = _stock_back(db, cheese, order)
    assert (order.status, stock) == (OrderStatus.CANCELLED, 5)
