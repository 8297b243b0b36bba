"""The back office's time slots (/beheer/tijdsloten): load per slot, close and reopen, capacities, defaults."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from shop.scheduling.days import pickup_days
from shop.scheduling.models import Slot, SlotKind
from shop.scheduling.services import default_capacity
from tests.factories import log_in_as, make_order, make_order_data, make_product, make_staff, make_user


def _staff(client, db):
    log_in_as(client, make_staff())
    db.session.commit()


def _slot(db, day, start=time(10)):
    db.session.expire_all()
    return db.session.scalar(select(Slot).where(Slot.kind == SlotKind.PICKUP, Slot.day == day, Slot.start_time == start))


def _book(db, day, hour="10:00"):
    make_order((make_product(stock=5), 1), data=make_order_data(pickup_date=day, pickup_time=hour))
    db.session.commit()


def test_staff_see_each_pickup_hours_load(client, db):
    day = pickup_days()[0]
    _book(db, day)
    _staff(client, db)

    html = client.get(f"/beheer/tijdsloten?vanaf={day.isoformat()}").get_data(as_text=True)

    assert "1 / 6" in html and "Nog 5 vrij" in html
    assert html.count('name="action" value="close"') == 8 * len([d for d in pickup_days() if (d - day).days < 14])


def test_customers_cannot_open_the_slots_page(client, db):
    log_in_as(client, make_user())
    db.session.commit()
    assert client.get("/beheer/tijdsloten").status_code in (302, 303, 403)


def test_staff_close_and_reopen_a_slot(client, db):
    day = pickup_days()[0]
    _staff(client, db)
    form = {"kind": "pickup", "day": day.isoformat(), "start": "10:00"}

    assert client.post("/beheer/tijdsloten/slot", data={**form, "action": "close"}).status_code == 303
    assert _slot(db, day).closed is True
    client.post("/beheer/tijdsloten/slot", data={**form, "action": "reopen"})
    assert _slot(db, day).closed is False


def test_a_capacity_below_what_is_booked_is_refused_with_a_message(client, db):
    day = pickup_days()[0]
    _book(db, day)
    _book(db, day)
    _staff(client, db)

    response = client.post("/beheer/tijdsloten/slot", follow_redirects=True, data={
        "kind": "pickup", "day": day.isoformat(), "start": "10:00", "action": "capacity", "capacity": "1"})

    assert "Er zijn al 2 plaatsen geboekt; de capaciteit kan niet lager dan 2." in response.get_data(as_text=True)
    assert (_slot(db, day).capacity, _slot(db, day).booked) == (6, 2)


def test_staff_change_a_capacity_and_the_default(client, db):
    day = pickup_days()[0]
    _staff(client, db)

    client.post("/beheer/tijdsloten/slot", data={"kind": "pickup", "day": day.isoformat(), "start": "11:00",
                                                "action": "capacity", "capacity": "2"})
    client.post("/beheer/tijdsloten/standaard", data={"kind": "delivery", "capacity": "25"})

    assert (_slot(db, day, time(11)).capacity, _slot(db, day, time(11)).capacity_set) == (2, True)
    assert default_capacity(SlotKind.DELIVERY) == 25


def test_a_capacity_that_is_not_a_whole_number_changes_nothing(client, db):
    day = pickup_days()[0]
    _staff(client, db)

    response = client.post("/beheer/tijdsloten/slot", follow_redirects=True, data={
        "kind": "pickup", "day": day.isoformat(), "start": "10:00", "action": "capacity", "capacity": "zes"})

    assert "De capaciteit moet een geheel getal van 0 tot 9999 zijn." in response.get_data(as_text=True)
    assert _slot(db, day) is None
