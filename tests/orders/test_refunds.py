"""Refunds in two steps (shop.orders.refunds) against the fake Stripe server and the demo gateway: recorded and
committed before Stripe is asked, each crash point settled by reconcile, never a refund made twice."""

from __future__ import annotations

import pytest

from shop.extensions import db as _db
from shop.orders.models import Refund
from shop.orders.refunds import RefundRefused, request_refund, send_refund, settle_refund
from shop.payments import services
from shop.payments.demo import DemoGateway
from shop.payments.interface import PaymentUnavailable
from shop.payments.reconcile import settle_requested_refunds
from shop.payments.services import gateway_for
from tests.factories import place, start_stripe_checkout


def _paid_stripe_order(fake, product):
    order = place((product, 2))
    session_id = start_stripe_checkout(order)
    fake.complete_session(session_id)
    services.payment_succeeded(order, payment_intent_id=fake.sessions[session_id]["payment_intent"], actor="test")
    _db.session.commit()
    return order


def _refund_posts(fake) -> list[dict]:
    return [r for r in fake.requests if r["method"] == "POST" and r["path"] == "/v1/refunds"]


def test_a_refund_is_recorded_and_committed_before_stripe_is_asked(stripe_config, db, cheese):
    order = _paid_stripe_order(stripe_config, cheese)

    first = request_refund(order, 500, reason="beschadigd")
    db.session.commit()

    assert (first.status, first.provider_refund_id, order.refunded_cents) == ("requested", None, 500)
    assert _refund_posts(stripe_config) == []

    send_refund(first, gateway_for(order))
    second = request_refund(order, 2000, reason="")
    db.session.commit()
    send_refund(second, gateway_for(order))
    db.session.commit()

    charge = stripe_config.charge_for_session(order.payment_session_id)
    assert charge["amount_refunded"] == 2500 == order.refunded_cents
    assert [(r.amount_cents, r.status, r.reason) for r in order.refunds] == [(500, "succeeded", "beschadigd"),
                                                                              (2000, "succeeded", "")]
    assert {first.provider_refund_id, second.provider_refund_id} == set(stripe_config.refunds)
    posts = _refund_posts(stripe_config)
    assert [r["idempotency_key"] for r in posts] == [f"refund-{first.id}", f"refund-{second.id}"]
    assert posts[0]["params"]["payment_intent"] == order.payment_intent_id
    assert posts[0]["params"]["metadata"]["refund_id"] == str(first.id)


def test_a_refund_above_what_is_left_is_refused_before_anything_is_recorded(stripe_config, db, cheese):
    order = _paid_stripe_order(stripe_config, cheese)
    request_refund(order, 2000, reason="")
    db.session.commit()

    with pytest.raises(RefundRefused) as caught:
        request_refund(order, 501, reason="")

    assert str(caught.value) == ("Je kunt hoogstens €\xa05,00 terugbetalen: van €\xa025,00 is al €\xa020,00 "
                                 "terugbetaald.")
    db.session.rollback()
    assert (order.refunded_cents, db.session.query(Refund).count()) == (2000, 1)


@pytest.mark.parametrize("amount", [0, -100])
def test_a_refund_of_nothing_is_refused(stripe_config, db, cheese, amount):
    order = _paid_stripe_order(stripe_config, cheese)
    with pytest.raises(RefundRefused):
        request_refund(order, amount, reason="")


def test_crash_before_stripe_is_asked_is_sent_by_reconcile_once(stripe_config, db, cheese):
    order = _paid_stripe_order(stripe_config, cheese)
    refund = request_refund(order, 700, reason="te klein")
    db.session.commit()  # ... and the process dies here

    settle_requested_refunds()
    settle_requested_refunds()

    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.provider_refund_id in stripe_config.refunds) == ("succeeded", True)
    assert len(_refund_posts(stripe_config)) == 1
    assert stripe_config.charge_for_session(order.payment_session_id)["amount_refunded"] == 700


def test_crash_after_stripe_refunded_is_recorded_by_reconcile_without_a_second_refund(stripe_config, db, cheese):
    order = _paid_stripe_order(stripe_config, cheese)
    refund = request_refund(order, 700, reason="te klein")
    db.session.commit()
    gateway = gateway_for(order)
    made = gateway.send_refund(payment_reference=order.payment_intent_id, amount_cents=700, refund_id=refund.id,
                               order_id=order.id, order_number=order.number)
    db.session.rollback()  # ... Stripe refunded, and the process dies before recording it

    settle_refund(db.session.get(Refund, refund.id), gateway)
    db.session.commit()

    refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.provider_refund_id) == ("succeeded", made.id)
    assert len(_refund_posts(stripe_config)) == 1
    assert stripe_config.charge_for_session(order.payment_session_id)["amount_refunded"] == 700


def test_stripe_down_leaves_the_refund_requested_and_its_amount_reserved(stripe_config, db, cheese):
    order = _paid_stripe_order(stripe_config, cheese)
    refund = request_refund(order, 500, reason="")
    db.session.commit()
    stripe_config.fail_next(status=503)

    with pytest.raises(PaymentUnavailable):
        send_refund(refund, gateway_for(order))
    db.session.rollback()

    db.session.refresh(refund)
    db.session.refresh(order)
    assert (refund.status, order.refunded_cents) == ("requested", 500)
    with pytest.raises(RefundRefused):  # the reserved amount still counts
        request_refund(order, 2001, reason="")
    db.session.rollback()
    settle_requested_refunds()
    db.session.refresh(refund)
    assert refund.status == "succeeded"


def test_a_refund_stripe_refuses_is_failed_given_back_and_flagged(stripe_config, db, cheese):
    order = _paid_stripe_order(stripe_config, cheese)
    refund = request_refund(order, 500, reason="")
    db.session.commit()
    stripe_config.fail_next(status=400, type_="invalid_request_error")

    with pytest.raises(RefundRefused, match="weigerde"):
        send_refund(refund, gateway_for(order))
    db.session.commit()

    db.session.refresh(order)
    assert (refund.status, order.refunded_cents, order.needs_attention) == ("failed", 0, True)
    assert "geweigerd door de betaaldienst" in order.attention_note
    assert send_refund(refund, gateway_for(order)).status == "failed"  # never sent again


def test_demo_refund_succeeds_without_money_moving(app, db, cheese):
    order = place((cheese, 2))
    with app.test_request_context():
        services.start_payment(order, gateway=DemoGateway())
    services.payment_succeeded(order, payment_intent_id="demo_pi", actor="test")
    refund = request_refund(order, 2500, reason="volledig")
    db.session.commit()

    send_refund(refund, gateway_for(order))
    db.session.commit()

    assert (order.refunded_cents, refund.status, refund.provider_refund_id) == (
        2500, "succeeded", f"demo_re_{order.number}_{refund.id}")
    with pytest.raises(RefundRefused):
        request_refund(order, 1, reason="")
