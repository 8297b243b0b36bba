"""Concurrent checkouts never exceed a slot's capacity: threads race to place orders for its last places
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select

from shop.checkout.delivery import DeliveryError
from shop.checkout.services import place_order
from shop.core.clock import SHOP_TIMEZONE
from shop.extensions import db as _db
from shop.orders.models import Order
from shop.scheduling.models import Slot, SlotBooking, SlotKind
from shop.scheduling.services import set_capacity
from tests.factories import make_locality, make_order_cart, make_order_data, make_product
from tests.helpers import race

THREADS = 16
NOW = datetime(2026, 12, 14, 9, 0, tzinfo=SHOP_TIMEZONE)
DAY = date(2026, 12, 22)


def _race(app, cart_ids: list[int], data) -> list[str]:
    from shop.cart.models import Cart

    def buy(cart_id: int):
        def step() -> str:
            place_order(_db.session.get(Cart, cart_id), data, now=NOW)
            return "ordered"
        return step

    return race(app, [buy(cart_id) for cart_id in cart_ids], outcomes={DeliveryError: "full"})


def _carts() -> list[int]:
    # Each buyer its own product: the slot is the only thing they compete for.
    carts = [make_order_cart((make_product(stock=5), 1)) for _ in range(THREADS)]
    _db.session.commit()
    return [cart.id for cart in carts]


def _slot_and_bookings(kind: SlotKind, start: time) -> tuple[int, int]:
    _db.session.expire_all()
    slot = _db.session.scalar(select(Slot).where(Slot.kind == kind, Slot.day == DAY, Slot.start_time == start))
    units = _db.session.scalar(select(func.coalesce(func.sum(SlotBooking.units), 0))
                               .where(SlotBooking.slot_id == slot.id, SlotBooking.released_at.is_(None)))
    return slot.booked, units


def test_buyers_racing_for_the_last_places_of_a_pickup_hour_get_exactly_its_capacity(app, db):
    set_capacity(SlotKind.PICKUP, DAY, time(10), 3, by=None)
    cart_ids = _carts()
    data = make_order_data(pickup_date=DAY, pickup_time="10:00")

    results = _race(app, cart_ids, data)

    assert sorted(results) == ["full"] * (THREADS - 3) + ["ordered"] * 3
    assert _slot_and_bookings(SlotKind.PICKUP, time(10)) == (3, 3)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 3


def test_buyers_racing_for_a_new_delivery_day_make_one_slot_and_fill_it_exactly(app, db):
    # No row yet: every buyer inserts it if missing, at the same moment.
    make_locality("9000", "Gent")
    _db.session.commit()
    app.config["SHOP_SETTINGS"] = {"delivery_day_capacity": 5}
    try:
        cart_ids = _carts()
        results = _race(app, cart_ids, make_order_data("delivery", desired_date=DAY))
    finally:
        app.config.pop("SHOP_SETTINGS")

    assert sorted(results) == ["full"] * (THREADS - 5) + ["ordered"] * 5
    assert _slot_and_bookings(SlotKind.DELIVERY, time(0)) == (5, 5)
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 1
