"""Two staff members acting on one order at the same moment (threads, each with its own session), on SQLite and
PostgreSQL: a transition happens once, a cancellation returns stock and refunds once, a refund form counts once,
and refunds never exceed the total."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from shop.accounts.models import User
from shop.catalog.models import Product
from shop.extensions import db as _db
from shop.inventory.models import MovementReason, StockMovement
from shop.orders import staff_actions
from shop.orders.lifecycle import ConcurrentChange, InvalidTransition
from shop.orders.models import Order, OrderStatus, OrderTransition, Refund
from shop.orders.refunds import RefundRefused
from shop.orders.staff_actions import OrderChangedMeanwhile, RefundAlreadyDone
from shop.outbox.models import OutboxMessage
from shop.payments.services import send_requested_refunds
from tests.factories import make_order_data, make_paid_order, make_product, make_staff, place, start_stripe_checkout
from tests.helpers import race, send_stripe_event

S = OrderStatus
REFUSED = {"ConcurrentChange", "OrderChangedMeanwhile", "InvalidTransition"}
# The DomainErrors these races can end in, each reported by its class name.
DOMAIN_ERRORS: dict[type[Exception], str] = {
    cls: cls.__name__
    for cls in (ConcurrentChange, OrderChangedMeanwhile, InvalidTransition, RefundAlreadyDone, RefundRefused)
}


def _race(app, count: int, action: Callable[[Order, User, int], object]) -> list[str]:
    """Run ``action(order, staff, i)`` in ``count`` threads at once, each in its own app context and session,
    committing on success; returns the outcomes, sorted: "ok" or the DomainError's class name."""

    def run(i: int) -> Callable[[], str]:
        def step() -> str:
            order = _db.session.get(Order, ORDER_ID[0])
            staff = _db.session.get(User, STAFF_IDS[i % len(STAFF_IDS)])
            action(order, staff, i)
            return "ok"
        return step

    return sorted(race(app, [run(i) for i in range(count)], outcomes=DOMAIN_ERRORS))


ORDER_ID: list[int] = []
STAFF_IDS: list[int] = []


@pytest.fixture
def setup(db):
    """A paid pickup order of 2 × € 12,50 (stock 10 -> 8) and two staff members, committed."""
    product = make_product("Oude Brugge", price_cents=1250, stock=10)
    order = make_paid_order((product, 2), data=make_order_data())
    staff = [make_staff("els@grootvleeshuis.be"), make_staff("jan@grootvleeshuis.be")]
    db.session.commit()
    ORDER_ID[:] = [order.id]
    STAFF_IDS[:] = [user.id for user in staff]
    ids = {"order": order.id, "product": product.id}
    db.session.commit()  # give the test's connection back to the pool
    return ids


def _order(db, ids) -> Order:
    db.session.expire_all()
    return db.session.get(Order, ids["order"])


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_staff_performing_the_same_transition_record_it_once(app, db, setup):
    results = _race(app, 2, lambda order, staff, i: staff_actions.staff_transition(
        order, S.IN_PREPARATION, expected_status="paid", by=staff))

    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= REFUSED
    assert _order(db, setup).status == S.IN_PREPARATION
    assert _count(db, OrderTransition, OrderTransition.to_status == S.IN_PREPARATION) == 1


def test_two_concurrent_cancellations_return_stock_and_refund_once(app, db, setup):
    results = _race(app, 2, lambda order, staff, i: staff_actions.cancel_by_staff(
        order, reason=f"reden {i}", expected_status="paid", by=staff))

    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= REFUSED
    order = _order(db, setup)
    assert (order.status, order.refunded_cents) == (S.CANCELLED, 2500)
    assert _count(db, Refund) == 1
    assert _count(db, OrderTransition, OrderTransition.to_status == S.CANCELLED) == 1
    assert db.session.get(Product, setup["product"]).stock == 10
    assert _count(db, StockMovement, StockMovement.reason == MovementReason.CANCEL) == 1
    assert _count(db, OutboxMessage, OutboxMessage.kind == "order_cancelled") == 1


def test_the_same_refund_form_posted_twice_at_once_refunds_once(app, db, setup):
    key = uuid.uuid4().hex

    results = _race(app, 3, lambda order, staff, i: staff_actions.refund_by_staff(
        order, 1000, reason="beschadigd", request_key=key, by=staff))

    assert results == ["RefundAlreadyDone", "RefundAlreadyDone", "ok"]
    assert _order(db, setup).refunded_cents == 1000
    assert db.session.scalars(select(Refund.request_key)).all() == [key]
    assert _count(db, OutboxMessage, OutboxMessage.kind == "order_refunded") == 1


def test_two_different_full_refunds_at_once_refund_the_total_once(app, db, setup):
    results = _race(app, 2, lambda order, staff, i: staff_actions.refund_by_staff(
        order, 2500, reason=f"volledig {i}", request_key=uuid.uuid4().hex, by=staff))

    assert results == ["RefundRefused", "ok"]
    assert _order(db, setup).refunded_cents == 2500
    assert db.session.scalars(select(Refund.amount_cents)).all() == [2500]


def test_partial_refunds_at_once_never_exceed_the_total(app, db, setup):
    results = _race(app, 4, lambda order, staff, i: staff_actions.refund_by_staff(
        order, 1000, reason="deel", request_key=uuid.uuid4().hex, by=staff))

    assert results == ["RefundRefused", "RefundRefused", "ok", "ok"]
    assert _order(db, setup).refunded_cents == 2000


def test_stripe_full_refunds_at_once_refund_once_at_stripe(app, db, stripe_config):
    product = make_product("Gentse mokken", price_cents=1250, stock=10)
    order = place((product, 2))
    session_id = start_stripe_checkout(order)
    send_stripe_event(app.test_client(), stripe_config, "checkout.session.completed", stripe_config.complete_session(session_id))
    STAFF_IDS[:] = [make_staff().id]
    ORDER_ID[:] = [order.id]
    db.session.commit()

    results = _race(app, 2, lambda order, staff, i: staff_actions.refund_by_staff(
        order, 2500, reason="volledig", request_key=uuid.uuid4().hex, by=staff))

    assert results == ["RefundRefused", "ok"]
    assert stripe_config.refunds == {}  # requested, committed; not sent yet
    # Two requests send the one requested refund at once: one refund at Stripe (same idempotency key).
    sent = _race(app, 2, lambda order, staff, i: send_requested_refunds(order))
    assert sent == ["ok", "ok"]
    assert len(stripe_config.refunds) == 1
    assert stripe_config.charge_for_session(session_id)["amount_refunded"] == 2500
    db.session.expire_all()
    assert [refund.status for refund in db.session.get(Order, order.id).refunds] == ["succeeded"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).refunded_cents == 2500


def test_the_same_transition_posted_by_two_browsers_at_once(app, db, setup):
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post(login: str) -> None:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = login
            session["_fresh"] = True
        barrier.wait(timeout=30)
        response = client.post(f"/beheer/bestellingen/{setup['order']}/status",
                               data={"to_status": "in_preparation", "expected_status": "paid"})
        statuses.append(response.status_code)

    logins = [db.session.get(User, user_id).get_id() for user_id in STAFF_IDS]
    db.session.commit()  # give the test's connection back to the pool
    threads = [threading.Thread(target=post, args=(login,)) for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert statuses == [303, 303]
    assert _order(db, setup).status == S.IN_PREPARATION
    assert _count(db, OrderTransition, OrderTransition.to_status == S.IN_PREPARATION) == 1
