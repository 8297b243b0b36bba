"""Payment outcomes -> order lifecycle, without HTTP: idempotent, and safe when another actor got there first."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update

from shop.catalog.models import ProductStatus
from shop.orders import notifications
from shop.orders.lifecycle import transition
from shop.orders.models import PAYMENT_STATUS_WORDS, Order, OrderStatus, OrderTransition, PaymentStatus
from shop.payments import services
from shop.payments.demo import DemoGateway
from shop.payments.interface import SessionState
from shop.payments.services import SessionOutcome
from tests.factories import make_product, place, start_stripe_checkout


@pytest.fixture
def told(monkeypatch):
    calls = []
    monkeypatch.setattr(notifications, "payment_after_cancellation", lambda order: calls.append(order.number))
    return calls


@pytest.fixture
def order(app, db, cheese):
    order = place((cheese, 2))
    with app.test_request_context():
        services.start_payment(order, gateway=DemoGateway())
    db.session.commit()
    return order


def _transitions(db, order):
    return db.session.query(OrderTransition).filter_by(order_id=order.id).count()


def test_payment_succeeded_twice_changes_things_once(db, order):
    assert services.payment_succeeded(order, payment_intent_id="pi_1", actor="stripe") is True
    assert services.payment_succeeded(order, payment_intent_id="pi_1", actor="customer") is False
    db.session.commit()

    assert (order.status, order.payment_intent_id, _transitions(db, order)) == (OrderStatus.PAID, "pi_1", 2)


@pytest.mark.parametrize("outcome", [services.payment_failed, services.session_expired, services.abandon])
def test_cancelling_outcomes_leave_a_paid_order_alone(db, order, cheese, outcome):
    services.payment_succeeded(order, payment_intent_id="pi_1", actor="stripe")

    assert outcome(order, actor="stripe") is False
    assert (order.status, cheese.stock) == (OrderStatus.PAID, 8)


@pytest.mark.parametrize(("outcome", "payment_status"), [(services.payment_failed, "failed"),
                                                         (services.session_expired, "expired"),
                                                         (services.abandon, "abandoned")])
def test_cancelling_outcomes_cancel_a_pending_order_once(db, order, cheese, outcome, payment_status):
    assert outcome(order, actor="stripe") is True
    assert outcome(order, actor="stripe") is False
    db.session.commit()

    db.session.refresh(cheese)
    assert (order.status, order.payment_status, cheese.stock) == (OrderStatus.CANCELLED, payment_status, 10)


def test_payment_for_an_order_cancelled_after_payment_is_not_refunded_again(db, order, told):
    services.payment_succeeded(order, payment_intent_id="pi_1", actor="stripe")
    transition(order, OrderStatus.CANCELLED, actor="staff@example.be", note="klant belde")

    assert services.payment_succeeded(order, payment_intent_id="pi_1", actor="stripe") is False
    assert (order.needs_attention, order.refunded_cents, told) == (False, 0, [])


def test_payment_after_cancellation_by_a_concurrent_actor_is_refunded(db, order, told):
    # Another actor (the expiry webhook) cancels the order after we read it as pending.
    with db.engine.begin() as connection:
        connection.execute(update(Order).where(Order.id == order.id).values(status=OrderStatus.CANCELLED))
    assert order.status == OrderStatus.PENDING_PAYMENT  # our stale view

    assert services.payment_succeeded(order, payment_intent_id="demo_pi", actor="stripe") is True
    db.session.commit()

    assert order.status == OrderStatus.CANCELLED
    assert (order.needs_attention, order.refunded_cents, order.payment_status) == (True, 2500, "paid_after_cancellation")
    assert [(r.amount_cents, r.reason) for r in order.refunds] == [
        (2500, "Betaling na annulering: automatisch terugbetaald")]
    assert told == [order.number]


def test_payment_processing_is_recorded_once_and_only_while_pending(db, order):
    assert services.payment_processing(order, payment_intent_id="pi_9", actor="stripe") is True
    assert services.payment_processing(order, payment_intent_id="pi_9", actor="stripe") is False
    assert (order.status, order.payment_status, order.payment_intent_id) == (
        OrderStatus.PENDING_PAYMENT, "processing", "pi_9")


@pytest.mark.parametrize(("state", "outcome"), [
    (SessionState("complete", "paid", "pi_1"), SessionOutcome.PAID),
    (SessionState("complete", "no_payment_required", None), SessionOutcome.PAID),
    (SessionState("complete", "unpaid", "pi_1"), SessionOutcome.PROCESSING),
    (SessionState("complete", "unpaid", "pi_1", payment_failed=True), SessionOutcome.FAILED),
    (SessionState("expired", "unpaid", None), SessionOutcome.EXPIRED),
    (SessionState("open", "unpaid", None), SessionOutcome.OPEN),
])
def test_one_reading_of_a_session_state(state, outcome):
    assert services.session_outcome(state) == outcome


@pytest.mark.parametrize(("state", "status", "payment_status", "stock"), [
    (SessionState("complete", "paid", "pi_1", amount_total=2500, currency="eur"), OrderStatus.PAID, PaymentStatus.PAID, 8),
    (SessionState("complete", "unpaid", "pi_1"), OrderStatus.PENDING_PAYMENT, PaymentStatus.PROCESSING, 8),
    (SessionState("complete", "unpaid", "pi_1", payment_failed=True), OrderStatus.CANCELLED, PaymentStatus.FAILED, 10),
    (SessionState("expired", "unpaid", None), OrderStatus.CANCELLED, PaymentStatus.EXPIRED, 10),
    (SessionState("open", "unpaid", None), OrderStatus.PENDING_PAYMENT, PaymentStatus.UNPAID, 8),
])
def test_applying_a_session_state_to_a_pending_order(db, order, cheese, state, status, payment_status, stock):
    services.apply_session_state(order, state, actor="test")
    services.apply_session_state(order, state, actor="test")  # idempotent
    db.session.commit()

    db.session.refresh(cheese)
    assert (order.status, order.payment_status, cheese.stock) == (status, payment_status, stock)


def test_payment_status_words_cover_every_value():
    assert {status.label for status in PaymentStatus} == {str(word) for word in PAYMENT_STATUS_WORDS.values()}
    assert len(PAYMENT_STATUS_WORDS) == len(PaymentStatus)
    assert PaymentStatus.PAID_AFTER_CANCELLATION.label == "Betaald na annulering (terugbetaald)"


def test_refill_cart_puts_the_lines_back_and_says_what_did_not_fit(db, cheese):
    from shop.cart.services import get_or_create_cart

    jam = make_product("Confituur", price_cents=600, stock=5)
    order = place((cheese, 2), (jam, 1))
    jam.status = ProductStatus.DRAFT  # no longer for sale
    db.session.flush()
    cart = get_or_create_cart(None)

    missed = services.refill_cart(cart, order)

    assert [(line.product_id, line.quantity) for line in cart.lines] == [(cheese.id, 2)]
    assert [name for name, _ in missed] == ["Confituur"]


def test_refill_cart_adds_to_the_line_another_request_stored_meanwhile(db, cheese, monkeypatch):
    # Refilling read the cart without a cheese line; the visitor's other tab stored one (committed) before the
    # refill stored its own: the second INSERT of the line was an IntegrityError, the give-up (and its
    # cancellation) a server error.
    from shop.cart import services as cart_services
    from shop.cart.models import CartLine
    from shop.cart.services import get_or_create_cart

    order = place((cheese, 2))
    cart = get_or_create_cart(None)
    cart_id, cheese_id = cart.id, cheese.id
    db.session.execute(insert(CartLine.__table__).values(cart_id=cart_id, product_id=cheese_id, quantity=1))
    db.session.commit()  # the other tab's request, done
    load_lines = cart_services._load_lines
    calls = []

    def lines_as_read_before_the_other_tab_stored_its_line(*args, **kwargs):
        lines = load_lines(*args, **kwargs)
        calls.append(1)
        return [line for line in lines if line.product_id != cheese_id] if len(calls) == 1 else lines

    monkeypatch.setattr(cart_services, "_load_lines", lines_as_read_before_the_other_tab_stored_its_line)

    missed = services.refill_cart(cart, order)
    db.session.commit()

    assert missed == []
    assert db.session.execute(select(CartLine.product_id, CartLine.quantity)
                              .where(CartLine.cart_id == cart_id)).all() == [(cheese_id, 3)]


# --- ending a session before a pending order is cancelled

@pytest.fixture
def stripe_order(stripe_config, db, cheese):
    order = place((cheese, 2))
    start_stripe_checkout(order)
    return order


def test_ending_a_session_asks_the_provider_with_nothing_of_ours_locked(db, stripe_config, stripe_order):
    engine, order_id, expire = db.engine, stripe_order.id, stripe_config.expire_session_route

    def expire_while_another_request_writes_the_order(params, id):
        with engine.begin() as connection:  # would wait for (and on SQLite fail on) a lock of ours
            connection.execute(update(Order).where(Order.id == order_id).values(attention_note="tegelijk"))
        return expire(params, id)

    stripe_config.expire_session_route = expire_while_another_request_writes_the_order

    services.end_payment_session(stripe_order)

    assert stripe_config.sessions[stripe_order.payment_session_id]["status"] == "expired"
    assert stripe_order.status == OrderStatus.PENDING_PAYMENT  # the caller cancels
    assert not db.session.new and not db.session.dirty


@pytest.mark.parametrize(("paid", "status", "payment_status"), [
    (True, OrderStatus.PAID, PaymentStatus.PAID),
    (False, OrderStatus.PENDING_PAYMENT, PaymentStatus.PROCESSING),  # an async payment on its way
])
def test_a_session_paid_meanwhile_is_applied_and_nothing_cancelled(db, stripe_config, stripe_order, cheese, paid,
                                                                   status, payment_status):
    stripe_config.complete_session(stripe_order.payment_session_id, paid=paid)

    with pytest.raises(services.PaidMeanwhile):
        services.end_payment_session(stripe_order)
    db.session.commit()

    db.session.refresh(cheese)
    assert (stripe_order.status, stripe_order.payment_status, cheese.stock) == (status, payment_status, 8)


def test_a_session_that_expired_by_itself_is_ended(db, stripe_config, stripe_order):
    stripe_config.expire(stripe_order.payment_session_id)  # its webhook is still on its way

    services.end_payment_session(stripe_order)

    assert stripe_order.status == OrderStatus.PENDING_PAYMENT  # the caller cancels, with its own reason


def test_a_crash_after_the_session_ended_is_settled_by_reconcile(app, db, stripe_config, stripe_order, cheese):
    from shop.orders.staff_actions import cancel_by_staff
    from tests.factories import make_staff

    staff = make_staff()
    db.session.commit()
    services.end_payment_session(stripe_order)
    cancel_by_staff(stripe_order, reason="Weg", expected_status="pending_payment", by=staff, session_ended=True)
    db.session.rollback()  # ... the process dies before the cancel is committed

    assert stripe_config.sessions[stripe_order.payment_session_id]["status"] == "expired"  # it can no longer be paid
    result = app.test_cli_runner().invoke(args=["reconcile"])

    assert result.output.splitlines()[0] == f"{stripe_order.number}: expired"
    db.session.expire_all()
    assert (stripe_order.status, stripe_order.payment_status, cheese.stock) == (
        OrderStatus.CANCELLED, PaymentStatus.EXPIRED, 10)


@pytest.mark.parametrize("state", [
    SessionState("complete", "paid", "pi_1", amount_total=2400, currency="eur"),
    SessionState("complete", "paid", "pi_1", amount_total=2500, currency="gbp"),
    SessionState("complete", "no_payment_required", None, amount_total=0, currency="eur"),
    SessionState("complete", "paid", "pi_1"),  # the provider did not say how much
])
def test_a_paid_session_that_did_not_charge_the_orders_total_in_euro_is_flagged_not_paid(db, order, cheese, told,
                                                                                         state):
    first = services.apply_session_state(order, state, actor="test")
    again = services.apply_session_state(order, state, actor="reconcile")
    db.session.commit()

    db.session.refresh(cheese)
    assert (first, again) == (SessionOutcome.AMOUNT_MISMATCH, SessionOutcome.AMOUNT_MISMATCH)
    assert (order.status, order.payment_status, cheese.stock) == (OrderStatus.PENDING_PAYMENT, PaymentStatus.UNPAID, 8)
    assert order.needs_attention is True
    assert len(order.attention_note.splitlines()) == 1  # once
    assert order.number in order.attention_note and "niet als betaald geboekt" in order.attention_note
    assert (order.refunds, told) == ([], [])


def test_a_cancelled_order_paid_with_another_amount_is_flagged_not_refunded(db, order, told):
    services.session_expired(order, actor="stripe")

    outcome = services.apply_session_state(
        order, SessionState("complete", "paid", "pi_1", amount_total=99, currency="eur"), actor="stripe")

    assert outcome == SessionOutcome.AMOUNT_MISMATCH
    assert (order.status, order.payment_status, order.needs_attention) == (OrderStatus.CANCELLED, "expired", True)
    assert (order.refunds, told) == ([], [])
