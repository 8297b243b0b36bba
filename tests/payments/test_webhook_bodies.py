"""Any signed body posted to the webhook: a property test (hypothesis). Whatever Stripe's key signed (a JSON value
of any shape, an event with fields missing or of the wrong type, an event about the order with any amount),
the webhook answers 200 or 400, never 500; a 400 changes nothing; and only a session that charged the order's
total in euro makes it paid."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.orders.models import Order, OrderStatus
from shop.payments.models import StripeEvent
from shop.payments.webhook import HANDLED_TYPES
from tests.factories import make_product, place, start_stripe_checkout

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


def _or_anything(strategy):
    """Mostly ``strategy`` (nine times in ten), now and then any JSON value."""
    return st.integers(0, 9).flatmap(lambda n: JSON if n == 0 else strategy)


def _events(order: Order, session_id: str):
    """Event-shaped bodies about ``order``'s session (or not), each field right, wrong or missing."""
    metadata = st.fixed_dictionaries({}, optional={
        "order_id": _or_anything(st.just(str(order.id))), "order_number": _or_anything(st.just(order.number))})
    session = st.fixed_dictionaries({"id": _or_anything(st.just(session_id))}, optional={
        "object": st.just("checkout.session"),
        "amount_total": _or_anything(st.sampled_from([order.total_cents] * 3 + [order.total_cents - 1, 0])),
        "currency": _or_anything(st.sampled_from(["eur", "eur", "EUR", "usd"])),
        "status": _or_anything(st.sampled_from(["complete", "expired", "open"])),
        "payment_status": _or_anything(st.sampled_from(["paid", "unpaid", "no_payment_required"])),
        "payment_intent": _or_anything(st.sampled_from(["pi_test_1", {"id": "pi_test_1"}])),
        "metadata": _or_anything(metadata),
        "amount_refunded": _or_anything(st.just(100)),
        "refunds": _or_anything(st.just({"object": "list", "data": [], "has_more": False})),
    })
    return st.fixed_dictionaries({
        "id": _or_anything(st.just(f"evt_test_order_{order.id}")),  # a new order, a new event
        "type": _or_anything(st.sampled_from([*HANDLED_TYPES, "customer.created"])),
        "data": _or_anything(st.fixed_dictionaries({"object": _or_anything(session)})),
    }, optional={"object": st.just("event")})


@pytest.fixture
def plenty(app, db):
    # Every example places an order for the first pickup day: its hours must have room for all of them.
    app.config["SHOP_SETTINGS"] = {**app.config.get("SHOP_SETTINGS", {}), "pickup_slot_capacity": 10**6}
    return make_product("Oude Brugge", price_cents=1250, stock=10**6)


def _state(db, order: Order) -> tuple:
    db.session.expire_all()
    db.session.refresh(order)
    return (order.status, order.payment_status, order.payment_intent_id, order.needs_attention,
            order.attention_note, order.refunded_cents, order.payment_session_id,
            db.session.query(StripeEvent).count())


def _pays_the_order(body, session_id: str, total_cents: int) -> bool:
    """Whether ``body`` is an event that may make the order paid: a paid session of the order that charged
    its total in euro."""
    obj = body["data"]["object"]
    return (body["type"] in ("checkout.session.completed", "checkout.session.async_payment_succeeded")
            and obj.get("id") == session_id and obj.get("amount_total") == total_cents
            and str(obj.get("currency")).lower() == "eur")


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_signed_body_answers_200_or_400_and_only_the_right_amount_pays(client, db, stripe_config, plenty, data):
    # Each example pays a new order (hypothesis runs them all in one test, on one database).
    order = place((plenty, 1))
    session_id = start_stripe_checkout(order)
    body = data.draw(_or_anything(_events(order, session_id)), label="body")
    before = _state(db, order)

    response = stripe_config.post_event(client, body)

    after = _state(db, order)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        assert after == before, json.dumps(body)
    if not isinstance(body, dict):
        assert response.status_code == 400
    if before[0] != OrderStatus.PAID and after[0] == OrderStatus.PAID:
        assert _pays_the_order(body, session_id, order.total_cents), json.dumps(body)
