"""POST /stripe/webhook: signed events from the fake Stripe, verified by the real SDK, drive the lifecycle."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from shop.orders import notifications
from shop.orders.models import Order, OrderStatus, OrderTransition, Refund
from shop.payments.models import StripeEvent
from tests.factories import make_refund, place, start_stripe_checkout
from tests.helpers import send_stripe_event


@pytest.fixture
def told(monkeypatch):
    """Orders for which the customer was told about a payment after cancellation."""
    calls = []
    monkeypatch.setattr(notifications, "payment_after_cancellation", lambda order: calls.append(order.number))
    return calls


def _reload(db, *objects):
    db.session.expire_all()
    for obj in objects:
        db.session.refresh(obj)


def _statuses(db, order):
    return [(t.from_status, t.to_status, t.actor) for t in
            db.session.query(OrderTransition).filter_by(order_id=order.id).order_by(OrderTransition.id)]


@pytest.fixture
def pending(stripe_config, db, cheese):
    order = place((cheese, 2))
    start_stripe_checkout(order)
    return order


def test_bad_signature_answers_400_and_changes_nothing(client, db, stripe_config, pending):
    session = stripe_config.complete_session(pending.payment_session_id)
    event = stripe_config.event("checkout.session.completed", session)

    forged = stripe_config.post_event(client, event, secret="whsec_not_ours")
    unsigned = stripe_config.post_event(client, event, signature="")

    assert (forged.status_code, unsigned.status_code) == (400, 400)
    _reload(db, pending)
    assert pending.status == OrderStatus.PENDING_PAYMENT
    assert db.session.query(StripeEvent).count() == 0


def test_completed_paid_makes_the_order_paid(client, db, stripe_config, pending):
    session = stripe_config.complete_session(pending.payment_session_id)

    event, response = send_stripe_event(client, stripe_config, "checkout.session.completed", session)

    assert (response.status_code, response.json) == (200, {"status": "paid"})
    _reload(db, pending)
    assert (pending.status, pending.payment_status) == (OrderStatus.PAID, "paid")
    assert pending.payment_intent_id == session["payment_intent"]
    assert _statuses(db, pending)[-1] == (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, "stripe")
    assert db.session.get(StripeEvent, event["id"]).order_id == pending.id


def test_duplicate_event_is_processed_once(client, db, stripe_config, pending):
    session = stripe_config.complete_session(pending.payment_session_id)
    event = stripe_config.event("checkout.session.completed", session)

    first = stripe_config.post_event(client, event)
    second = stripe_config.post_event(client, event)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json == {"status": "already processed"}
    assert len(_statuses(db, pending)) == 2  # placed, paid
    assert db.session.query(StripeEvent).count() == 1


def test_unknown_event_type_answers_200(client, db, stripe_config, pending):
    event, response = send_stripe_event(client, stripe_config, "customer.created", {"id": "cus_1", "object": "customer"})

    assert (response.status_code, response.json) == (200, {"status": "ignored"})
    _reload(db, pending)
    assert pending.status == OrderStatus.PENDING_PAYMENT


def test_async_payment_processing_then_succeeded(client, db, stripe_config, pending):
    completed = stripe_config.complete_session(pending.payment_session_id, paid=False)
    _, response = send_stripe_event(client, stripe_config, "checkout.session.completed", completed)
    assert response.json == {"status": "processing"}
    _reload(db, pending)
    assert (pending.status, pending.payment_status) == (OrderStatus.PENDING_PAYMENT, "processing")

    settled = stripe_config.settle_async(pending.payment_session_id, succeeded=True)
    _, response = send_stripe_event(client, stripe_config, "checkout.session.async_payment_succeeded", settled)

    assert response.json == {"status": "paid"}
    _reload(db, pending)
    assert (pending.status, pending.payment_status) == (OrderStatus.PAID, "paid")


def test_async_payment_failed_cancels_and_returns_stock(client, db, stripe_config, pending, cheese):
    stripe_config.complete_session(pending.payment_session_id, paid=False)
    failed = stripe_config.settle_async(pending.payment_session_id, succeeded=False)

    _, response = send_stripe_event(client, stripe_config, "checkout.session.async_payment_failed", failed)

    assert response.json == {"status": "failed"}
    _reload(db, pending, cheese)
    assert (pending.status, pending.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "failed", 10)


def test_expired_cancels_and_returns_stock_once(client, db, stripe_config, pending, cheese):
    assert cheese.stock == 8
    expired = stripe_config.expire(pending.payment_session_id)

    send_stripe_event(client, stripe_config, "checkout.session.expired", expired)
    _, again = send_stripe_event(client, stripe_config, "checkout.session.expired", expired)  # a second event id

    assert again.status_code == 200
    _reload(db, pending, cheese)
    assert (pending.status, pending.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "expired", 10)
    assert pending.stock_returned is True


def test_expired_after_paid_changes_nothing(client, db, stripe_config, pending, cheese):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)

    _, response = send_stripe_event(client, stripe_config, "checkout.session.expired", {**paid, "status": "expired"})

    assert response.status_code == 200
    _reload(db, pending, cheese)
    assert (pending.status, cheese.stock) == (OrderStatus.PAID, 8)


def test_payment_after_expiry_is_flagged_refunded_and_told(client, db, stripe_config, pending, cheese, told):
    # Given the order expired while an async payment was still on its way
    stripe_config.complete_session(pending.payment_session_id, paid=False)
    session = stripe_config.settle_async(pending.payment_session_id, succeeded=True)
    send_stripe_event(client, stripe_config, "checkout.session.expired", {**session, "status": "expired"})

    # When the payment succeeds after all (twice: Stripe may send it again under a new id)
    _, response = send_stripe_event(client, stripe_config, "checkout.session.async_payment_succeeded", session)
    send_stripe_event(client, stripe_config, "checkout.session.completed", session)

    # Then the money is refunded once, the order stays cancelled, staff and customer know
    assert response.status_code == 200
    _reload(db, pending, cheese)
    assert pending.status == OrderStatus.CANCELLED
    assert pending.needs_attention is True
    assert pending.attention_note.startswith(f"Betaling ontvangen (stripe) voor bestelling {pending.number}")
    assert pending.refunded_cents == 2500 == pending.total_cents
    assert stripe_config.charge_for_session(pending.payment_session_id)["amount_refunded"] == 2500
    assert len(stripe_config.refunds) == 1
    assert told == [pending.number]
    assert cheese.stock == 10


def test_an_automatic_refund_stripe_cannot_take_now_stays_requested_until_reconcile(
        app, client, db, stripe_config, pending, told):
    stripe_config.complete_session(pending.payment_session_id, paid=False)
    session = stripe_config.settle_async(pending.payment_session_id, succeeded=True)
    send_stripe_event(client, stripe_config, "checkout.session.expired", {**session, "status": "expired"})
    event = stripe_config.event("checkout.session.async_payment_succeeded", session)
    stripe_config.fail_next(status=500)  # the automatic refund cannot be sent now

    answer = stripe_config.post_event(client, event)

    assert (answer.status_code, answer.json) == (200, {"status": "paid"})
    _reload(db, pending)
    assert (pending.needs_attention, pending.refunded_cents) == (True, 2500)
    assert [refund.status for refund in pending.refunds] == ["requested"]
    assert stripe_config.refunds == {}
    assert told == [pending.number]

    result = app.test_cli_runner().invoke(args=["reconcile"])

    assert result.exit_code == 0, result.output
    _reload(db, pending)
    assert [refund.status for refund in pending.refunds] == ["succeeded"]
    assert stripe_config.charge_for_session(pending.payment_session_id)["amount_refunded"] == 2500
    assert len(stripe_config.refunds) == 1


def test_charge_refunded_records_a_dashboard_refund(client, db, stripe_config, pending):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    refund = stripe_config.dashboard_refund(pending.payment_session_id, 700)

    _, response = send_stripe_event(client, stripe_config, "charge.refunded",
                        stripe_config.charge_for_session(pending.payment_session_id))
    send_stripe_event(client, stripe_config, "charge.refunded", stripe_config.charge_for_session(pending.payment_session_id))

    assert response.json == {"status": "refund recorded"}
    _reload(db, pending)
    assert pending.refunded_cents == 700
    assert [(r.amount_cents, r.provider_refund_id, r.status) for r in db.session.query(Refund)] == [
        (700, refund["id"], "succeeded")]


def test_charge_refunded_without_the_refund_list_asks_stripe_for_it(client, db, stripe_config, pending):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    first = stripe_config.dashboard_refund(pending.payment_session_id, 300)
    second = stripe_config.dashboard_refund(pending.payment_session_id, 200)

    _, response = send_stripe_event(client, stripe_config, "charge.refunded",
                        stripe_config.charge_for_session(pending.payment_session_id, with_refunds=False))

    assert response.status_code == 200
    _reload(db, pending)
    assert pending.refunded_cents == 500
    assert sorted((r.amount_cents, r.provider_refund_id) for r in db.session.query(Refund)) == [
        (200, second["id"]), (300, first["id"])]
    listed = [r for r in stripe_config.requests if r["method"] == "GET" and r["path"] == "/v1/refunds"]
    assert listed[0]["params"] == {"payment_intent": pending.payment_intent_id, "limit": "100"}


def test_charge_refunded_asks_stripe_before_writing_anything(client, db, stripe_config, pending):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    stripe_config.dashboard_refund(pending.payment_session_id, 300)
    engine, order_id, list_refunds = db.engine, pending.id, stripe_config.list_refunds

    def list_while_another_request_writes_the_order(params):
        with engine.begin() as connection:  # would wait for (and on SQLite fail on) a lock of ours
            connection.execute(update(Order).where(Order.id == order_id).values(attention_note="tegelijk"))
        return list_refunds(params)

    stripe_config.list_refunds = list_while_another_request_writes_the_order

    _, response = send_stripe_event(client, stripe_config, "charge.refunded",
                        stripe_config.charge_for_session(pending.payment_session_id, with_refunds=False))

    assert (response.status_code, response.json) == (200, {"status": "refund recorded"})
    _reload(db, pending)
    assert (pending.refunded_cents, pending.attention_note) == (300, "tegelijk")


def test_charge_refunded_matches_the_shops_own_refund(client, db, stripe_config, pending):

    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    _reload(db, pending)
    own = make_refund(pending, 1000, reason="een kaas te weinig")

    send_stripe_event(client, stripe_config, "charge.refunded", stripe_config.charge_for_session(pending.payment_session_id))

    _reload(db, pending)
    assert pending.refunded_cents == 1000
    assert [(r.id, r.amount_cents, r.reason) for r in db.session.query(Refund)] == [(own.id, 1000, "een kaas te weinig")]
