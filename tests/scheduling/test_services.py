"""Slots with a capacity: what checkout offers, taking a slot with the order, freeing it once, staff changes."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from shop.checkout.delivery import DeliveryError
from shop.core.clock import SHOP_TIMEZONE
from shop.orders.lifecycle import transition
from shop.orders.models import Order, OrderStatus
from shop.scheduling.models import Slot, SlotBooking, SlotKind
from shop.scheduling.services import (
    InvalidSlotChange,
    SlotFull,
    SlotRequest,
    SlotUnavailable,
    bookings_of,
    close_slot,
    delivery_slots,
    pickup_slots,
    release_slots,
    reopen_slot,
    set_capacity,
    set_default_capacity,
    slot_load,
    take_slots,
)
from tests.factories import make_locality, make_order, make_order_data, make_product

NOW = datetime(2026, 12, 14, 9, 0, tzinfo=SHOP_TIMEZONE)  # a Monday morning, before the cut-off
DAY = date(2026, 12, 22)  # a Tuesday: a pickup day and a delivery day
TEN, ELEVEN = time(10), time(11)


def _pickup(hour: str = "10:00", day: date = DAY, now: datetime = NOW) -> Order:
    return make_order((make_product(stock=10), 1), data=make_order_data(pickup_date=day, pickup_time=hour), now=now)


def _delivery(day: date | None = DAY) -> Order:
    data = make_order_data("delivery", desired_date=day)
    return make_order((make_product(stock=10), 1), data=data, now=NOW)


def _slot(kind: SlotKind, day: date = DAY, start: time = time(0)) -> Slot:
    from shop.extensions import db

    return db.session.scalar(select(Slot).where(Slot.kind == kind, Slot.day == day, Slot.start_time == start))


def test_checkout_is_offered_every_opening_hour_with_the_default_capacity(db):
    slots = pickup_slots([DAY], now=NOW)[DAY]

    assert [(s.key, s.capacity, s.booked, s.room) for s in slots] == [
        (f"{h}:00", 6, 0, 6) for h in range(10, 18)
    ]
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 0  # nothing written to show them


def test_placing_an_order_takes_its_pickup_hour(db):
    order = _pickup("11:00")

    assert [(b.slot.kind, b.slot.day, b.slot.start_time, b.units, b.released_at) for b in bookings_of(order.id)] == [
        (SlotKind.PICKUP, DAY, ELEVEN, 1, None)
    ]
    assert [(s.key, s.booked, s.room) for s in pickup_slots([DAY], now=NOW)[DAY]][:2] == [("10:00", 0, 6),
                                                                                       ("11:00", 1, 5)]


def test_an_order_without_a_chosen_hour_takes_the_first_hour_with_room(db):
    set_capacity(SlotKind.PICKUP, DAY, TEN, 1, by=None)
    _pickup("10:00")

    order = _pickup("")

    assert bookings_of(order.id)[0].slot.start_time == ELEVEN


def test_a_full_pickup_hour_refuses_the_order_at_the_hour_field(db):
    set_capacity(SlotKind.PICKUP, DAY, TEN, 1, by=None)
    _pickup("10:00")
    db.session.commit()

    with pytest.raises(DeliveryError) as refused:
        _pickup("10:00")
    db.session.rollback()

    assert refused.value.field == "pickup_time"
    assert str(refused.value) == ("Om 10:00 is er op dinsdag 22 december geen plaats meer. "
                                  "Nog vrij: 11:00, 12:00, 13:00, 14:00, 15:00, 16:00, 17:00.")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert _slot(SlotKind.PICKUP, start=TEN).booked == 1


def test_a_day_without_a_free_hour_refuses_at_the_day_field(db):
    for hour in range(10, 18):
        close_slot(SlotKind.PICKUP, DAY, time(hour), by=None)

    with pytest.raises(DeliveryError) as refused:
        _pickup("")

    assert refused.value.field == "pickup_date"
    assert [s.is_full for s in pickup_slots([DAY], now=NOW)[DAY]] == [True] * 8


def test_an_hour_outside_the_opening_hours_is_not_taken(db):
    with pytest.raises(DeliveryError) as refused:
        _pickup("19:00")
    assert refused.value.field == "pickup_time"


def test_a_closed_slot_refuses_and_a_reopened_one_takes_again(db):
    close_slot(SlotKind.PICKUP, DAY, TEN, by=None)
    with pytest.raises(DeliveryError):
        _pickup("10:00")
    db.session.rollback()

    reopen_slot(SlotKind.PICKUP, DAY, TEN, by=None)
    _pickup("10:00")

    assert (_slot(SlotKind.PICKUP, start=TEN).booked, _slot(SlotKind.PICKUP, start=TEN).closed) == (1, False)


def test_home_delivery_takes_one_parcel_of_its_day(db):
    make_locality("9000", "Gent")
    order = _delivery(DAY)

    assert [(b.slot.kind, b.slot.day, b.units) for b in bookings_of(order.id)] == [(SlotKind.DELIVERY, DAY, 1)]
    assert [(s.day, s.booked, s.capacity) for s in delivery_slots([DAY])] == [(DAY, 1, 40)]


def test_delivery_as_soon_as_possible_takes_the_first_delivery_day_with_room(db):
    make_locality("9000", "Gent")
    first = date(2026, 12, 16)  # Monday 14, before noon, two days' lead: Wednesday 16
    set_capacity(SlotKind.DELIVERY, first, None, 0, by=None)

    order = _delivery(None)

    assert bookings_of(order.id)[0].slot.day == date(2026, 12, 17)


def test_a_multi_shipment_order_takes_parcels_on_several_days_all_or_nothing(db):
    order = _pickup()
    other = date(2026, 12, 23)
    set_capacity(SlotKind.DELIVERY, other, None, 2, by=None)
    db.session.commit()

    with pytest.raises(SlotFull) as refused:
        take_slots(order.id, [SlotRequest(SlotKind.DELIVERY, DAY, units=2),
                              SlotRequest(SlotKind.DELIVERY, other, units=2),
                              SlotRequest(SlotKind.DELIVERY, other, units=1)], now=NOW)
    assert str(refused.value) == "Op woensdag 23 december is er geen plaats meer voor 3 pakketten. Kies een andere leverdag."
    db.session.rollback()  # as the caller does: the parcels of the 22nd are not kept
    assert [s.booked for s in delivery_slots([DAY, other])] == [0, 0]

    bookings = take_slots(order.id, [SlotRequest(SlotKind.DELIVERY, DAY, units=2),
                                     SlotRequest(SlotKind.DELIVERY, other, units=1),
                                     SlotRequest(SlotKind.DELIVERY, other, units=1)], now=NOW)
    assert [(b.slot.day, b.units) for b in bookings] == [(DAY, 2), (other, 1), (other, 1)]
    assert _slot(SlotKind.DELIVERY, other).booked == 2


def test_a_day_past_the_lead_time_is_not_offered(db):
    order = _pickup()
    with pytest.raises(SlotUnavailable):
        take_slots(order.id, [SlotRequest(SlotKind.DELIVERY, date(2026, 12, 15))], now=NOW)


def test_cancelling_an_order_frees_its_slot_exactly_once(db):
    order = _pickup("10:00")
    db.session.commit()

    transition(order, OrderStatus.CANCELLED, actor="system", note="verlopen")
    assert release_slots(order.id) == 0

    assert _slot(SlotKind.PICKUP, start=TEN).booked == 0
    assert [b.released_at is not None for b in bookings_of(order.id)] == [True]


def test_a_paid_order_keeps_its_slot_and_frees_it_when_staff_cancel(db):
    order = _pickup("10:00")
    transition(order, OrderStatus.PAID, actor="stripe")
    assert _slot(SlotKind.PICKUP, start=TEN).booked == 1

    transition(order, OrderStatus.CANCELLED, actor="staff")

    assert _slot(SlotKind.PICKUP, start=TEN).booked == 0


def test_staff_cannot_set_a_capacity_below_what_is_booked(db):
    _pickup("10:00")
    _pickup("10:00")

    with pytest.raises(InvalidSlotChange) as refused:
        set_capacity(SlotKind.PICKUP, DAY, TEN, 1, by=None)

    assert str(refused.value) == "Er zijn al 2 plaatsen geboekt; de capaciteit kan niet lager dan 2."
    assert set_capacity(SlotKind.PICKUP, DAY, TEN, 2, by=None).capacity == 2


@pytest.mark.parametrize("capacity", [-1, 10000, "3", True])
def test_staff_capacity_must_be_a_whole_number_in_range(db, capacity):
    with pytest.raises(InvalidSlotChange):
        set_capacity(SlotKind.PICKUP, DAY, TEN, capacity, by=None)


def test_a_slot_that_does_not_exist_cannot_be_changed(db):
    with pytest.raises(InvalidSlotChange):
        close_slot(SlotKind.PICKUP, DAY, time(20), by=None)
    with pytest.raises(InvalidSlotChange):
        close_slot(SlotKind.DELIVERY, date(2026, 12, 21), None, by=None)  # a Monday: no courier


def test_a_new_default_applies_to_slots_staff_did_not_set_and_never_below_what_is_booked(db):
    for _ in range(3):
        _pickup("10:00")
    set_capacity(SlotKind.PICKUP, DAY, ELEVEN, 9, by=None)

    overbooked = set_default_capacity(SlotKind.PICKUP, 2, by=None, today=NOW.date())

    assert overbooked == 1
    load = {s.key: (s.booked, s.capacity) for s in slot_load(SlotKind.PICKUP, [DAY])[DAY]}
    assert (load["10:00"], load["11:00"], load["12:00"]) == ((3, 3), (0, 9), (0, 2))


def test_a_slot_row_is_made_once_however_often_it_is_taken(db):
    _pickup("10:00")
    _pickup("10:00")

    assert db.session.scalar(select(func.count()).select_from(Slot)) == 1
    assert db.session.scalar(select(func.count()).select_from(SlotBooking)) == 2


# --- the days the clocks change ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "day", "first_utc"), [
    (datetime(2027, 3, 20, 9, 0), date(2027, 3, 28), datetime(2027, 3, 28, 8, 0)),
    (datetime(2026, 10, 20, 9, 0), date(2026, 10, 25), datetime(2026, 10, 25, 9, 0)),
])
def test_the_days_the_clocks_change_offer_each_opening_hour_once_and_take_it(db, now, day, first_utc):
    offered = pickup_slots([day], now=now)[day]
    assert [s.key for s in offered] == [f"{h}:00" for h in range(10, 18)]

    for slot in offered:
        _pickup(slot.key, day=day, now=now)

    rows = db.session.scalars(select(Slot).where(Slot.day == day).order_by(Slot.start_time)).all()
    assert [(r.start_time, r.end_time, r.booked) for r in rows] == [(time(h), time(h + 1), 1) for h in range(10, 18)]
    from shop.scheduling.slots import local_instant
    assert local_instant(day, rows[0].start_time).replace(tzinfo=None) == first_utc


def test_an_hour_that_has_begun_is_no_longer_offered(db):
    today_noon = datetime(2026, 12, 22, 12, 30, tzinfo=SHOP_TIMEZONE)
    assert [s.key for s in pickup_slots([DAY], now=today_noon)[DAY]] == [f"{h}:00" for h in range(13, 18)]
