"""`flask reconcile`: settle orders still pending payment by asking (the fake) Stripe."""

from __future__ import annotations

import time

from shop.orders.models import OrderStatus
from shop.payments.demo import DemoGateway
from shop.payments.services import start_payment
from tests.factories import make_product, place, start_stripe_checkout


def _reload(db, *objects):
    db.session.expire_all()
    for obj in objects:
        db.session.refresh(obj)


def test_reconcile_settles_each_pending_order(app, db, stripe_config):
    fake = stripe_config
    product = make_product(price_cents=1000, stock=20)
    paid, expired, overdue, still_open, processing = (place((product, 1)) for _ in range(5))
    for order in (paid, expired, overdue, still_open, processing):
        start_stripe_checkout(order)
    fake.complete_session(paid.payment_session_id)
    fake.expire(expired.payment_session_id)
    fake.sessions[overdue.payment_session_id]["expires_at"] = int(time.time()) - 60
    fake.complete_session(processing.payment_session_id, paid=False)
    demo = place((product, 1))
    with app.test_request_context():
        start_payment(demo, gateway=DemoGateway())
    db.session.commit()
    assert product.stock == 14

    result = app.test_cli_runner().invoke(args=["reconcile"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{paid.number}: paid",
        f"{expired.number}: expired",
        f"{overdue.number}: expired-now (open sessie na vervaldatum: verlopen gezet)",
        f"{still_open.number}: open (klant betaalt nog)",
        f"{processing.number}: processing (wacht op een uitgestelde betaling)",
        "5 bestelling(en) en terugbetaling(en) nagekeken, 0 fout(en).",
    ]
    _reload(db, paid, expired, overdue, still_open, processing, demo, product)
    assert [o.status for o in (paid, expired, overdue, still_open, processing, demo)] == [
        OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT,
        OrderStatus.PENDING_PAYMENT, OrderStatus.PENDING_PAYMENT]
    assert fake.sessions[overdue.payment_session_id]["status"] == "expired"
    assert product.stock == 16
    assert processing.payment_status == "processing"

    again = app.test_cli_runner().invoke(args=["reconcile"])
    assert again.output.splitlines()[-1] == "2 bestelling(en) en terugbetaling(en) nagekeken, 0 fout(en)."


def test_reconcile_cancels_an_order_whose_async_payment_was_declined(app, db, stripe_config):
    product = make_product(price_cents=1000, stock=20)
    order = place((product, 2))
    start_stripe_checkout(order)
    stripe_config.complete_session(order.payment_session_id, paid=False)
    stripe_config.settle_async(order.payment_session_id, succeeded=False)  # its webhook never came

    result = app.test_cli_runner().invoke(args=["reconcile"])

    assert result.output.splitlines() == [f"{order.number}: failed (uitgestelde betaling geweigerd)",
                                          "1 bestelling(en) en terugbetaling(en) nagekeken, 0 fout(en)."]
    _reload(db, order, product)
    assert (order.status, order.payment_status, product.stock) == (OrderStatus.CANCELLED, "failed", 20)


def test_reconcile_reports_an_error_and_goes_on(app, db, stripe_config):
    product = make_product(price_cents=1000, stock=20)
    first, second = place((product, 1)), place((product, 1))
    start_stripe_checkout(first)
    start_stripe_checkout(second)
    stripe_config.complete_session(second.payment_session_id)
    stripe_config.fail_next(status=500)

    result = app.test_cli_runner().invoke(args=["reconcile"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{first.number}: error (De betaaldienst is tijdelijk niet bereikbaar.")
    assert lines[1:] == [f"{second.number}: paid", "2 bestelling(en) en terugbetaling(en) nagekeken, 1 fout(en)."]
    _reload(db, first, second)
    assert (first.status, second.status) == (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)


def test_reconcile_without_stripe_does_nothing(app, db):
    result = app.test_cli_runner().invoke(args=["reconcile"])

    assert result.exit_code == 0
    assert result.output == ("STRIPE_SECRET_KEY is niet ingesteld: alleen openstaande terugbetalingen (demobetalingen).\n"
                             "0 bestelling(en) en terugbetaling(en) nagekeken, 0 fout(en).\n")


def test_reconcile_flags_a_session_paid_with_another_amount_and_does_not_pay_it(app, db, stripe_config):
    product = make_product(price_cents=1000, stock=20)
    order = place((product, 2))
    start_stripe_checkout(order)
    stripe_config.sessions[order.payment_session_id]["amount_total"] = 200  # not the order's 20,00
    stripe_config.complete_session(order.payment_session_id)

    first = app.test_cli_runner().invoke(args=["reconcile"])
    second = app.test_cli_runner().invoke(args=["reconcile"])

    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[0] == (
        f"{order.number}: amount_mismatch (betaald bedrag wijkt af van de bestelling: gemarkeerd voor nazicht)")
    assert second.output.splitlines()[0] == first.output.splitlines()[0]  # still pending, still reported
    _reload(db, order, product)
    assert (order.status, order.needs_attention, product.stock) == (OrderStatus.PENDING_PAYMENT, True, 18)
    assert order.attention_note.count("is betaald met 2,00 EUR, maar bestelling") == 1  # flagged once


def test_a_session_stripe_does_not_know_is_flagged_once_and_not_asked_again(app, db, stripe_config):
    order = place((make_product(price_cents=1000, stock=5), 1))
    start_stripe_checkout(order)
    order.payment_session_id = "cs_test_not_in_this_account"  # e.g. made with another Stripe account's key
    db.session.commit()

    first = app.test_cli_runner().invoke(args=["reconcile"])
    asked = len(stripe_config.requests)
    second = app.test_cli_runner().invoke(args=["reconcile"])

    assert f"{order.number}: error (Stripe kent de betaalsessie van deze bestelling niet" in first.output
    assert second.output.splitlines()[-1] == "0 bestelling(en) en terugbetaling(en) nagekeken, 0 fout(en)."
    assert len(stripe_config.requests) == asked  # not asked again
    _reload(db, order)
    assert order.needs_attention and "cs_test_not_in_this_account" in order.attention_note
    assert order.attention_note.count("Stripe kent de betaalsessie") == 1
