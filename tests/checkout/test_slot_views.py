"""Choosing a pickup hour or a delivery day with room at /afrekenen, and a slot that fills before placing."""

from __future__ import annotations

import re
from datetime import time

from flask_babel import format_date
from sqlalchemy import func, select

from shop.orders.models import Order
from shop.scheduling.days import delivery_days, pickup_days
from shop.scheduling.models import SlotKind
from shop.scheduling.services import close_slot, set_capacity
from tests.factories import make_locality, make_order_cart, make_product


def _with_cart(client, db):
    cart = make_order_cart((make_product(stock=10), 1))
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ")


def _form(**overrides):
    form = {"email": "an@voorbeeld.be", "name": "An Peeters", "method": "pickup",
            "pickup_date": pickup_days()[0].isoformat(), "pickup_time": "10:00"}
    form.update(overrides)
    return form


def _close_day(day, db):
    for hour in range(10, 18):
        close_slot(SlotKind.PICKUP, day, time(hour), by=None)
    db.session.commit()


def _option(html: str, value: str, select: str = "") -> str:
    if select:
        html = re.search(rf'<select[^>]*name="{select}".*?</select>', html, re.S).group(0)
    return re.search(rf'<option[^>]*value="{value}"[^>]*>[^<]*</option>', html).group(0)


def test_the_form_offers_every_hour_and_shows_a_full_day_as_full(client, db, app):
    first, second = pickup_days()[:2]
    _close_day(first, db)
    _with_cart(client, db)

    html = _text(client.get("/afrekenen"))

    with app.test_request_context():
        words = format_date(first, "EEEE d MMMM")
    assert _option(html, first.isoformat()) == f'<option disabled value="{first.isoformat()}">{words} – volzet</option>'
    assert "selected" in _option(html, second.isoformat())  # the next day with room, preselected
    assert re.findall(r'<option[^>]*value="(\d\d:00)"', html) == [f"{h}:00" for h in range(10, 18)]


def test_a_full_delivery_day_cannot_be_chosen(client, db):
    make_locality("9000", "Gent")
    day = delivery_days()[0]
    set_capacity(SlotKind.DELIVERY, day, None, 0, by=None)
    _with_cart(client, db)

    html = _text(client.get("/afrekenen"))

    assert _option(html, day.isoformat(), "desired_date").startswith("<option disabled")
    assert "volzet" in _option(html, day.isoformat(), "desired_date")


def test_a_full_hour_is_refused_at_its_field_naming_the_free_hours(client, db):
    day = pickup_days()[0]
    set_capacity(SlotKind.PICKUP, day, time(10), 0, by=None)
    _with_cart(client, db)

    response = client.post("/afrekenen", data=_form())

    html = _text(response)
    assert response.status_code == 422
    assert "Om 10:00 is er op" in html and "geen plaats meer. Nog vrij: 11:00, 12:00" in html
    assert 'aria-describedby="pickup_time-error' in html or 'id="pickup_time-error' in html


def test_an_hour_that_fills_while_the_form_is_checked_is_refused_with_the_next_free_one_preselected(
        client, db, monkeypatch):
    # The form drew the hours as read before the chosen one was checked: an hour filled in between was refused
    # at its field, yet still preselected as if it had room.
    from shop.checkout import services

    day = pickup_days()[0]
    _with_cart(client, db)
    check = services.check_slot_room

    def filled_then_checked(*args, **kwargs):
        close_slot(SlotKind.PICKUP, day, time(10), by=None)  # another buyer takes the last place first
        db.session.flush()
        return check(*args, **kwargs)

    monkeypatch.setattr(services, "check_slot_room", filled_then_checked)

    response = client.post("/afrekenen", data=_form())

    html = _text(response)
    assert response.status_code == 422
    assert "Om 10:00 is er op" in html and "geen plaats meer. Nog vrij: 11:00" in html
    assert "selected" not in _option(html, "10:00")
    assert "selected" in _option(html, "11:00")  # the next free hour, preselected


def test_without_a_chosen_hour_the_review_shows_the_first_free_one(client, db):
    day = pickup_days()[0]
    set_capacity(SlotKind.PICKUP, day, time(10), 0, by=None)
    _with_cart(client, db)

    client.post("/afrekenen", data=_form(pickup_time=""))

    assert "afhaaluur vanaf 11:00" in _text(client.get("/afrekenen/overzicht"))


def test_an_hour_that_fills_before_placing_creates_nothing_and_is_shown_at_its_field(client, db):
    day = pickup_days()[0]
    _with_cart(client, db)
    assert client.post("/afrekenen", data=_form()).status_code == 303
    close_slot(SlotKind.PICKUP, day, time(10), by=None)  # meanwhile: staff close it (or others fill it)
    db.session.commit()

    placed = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})

    assert placed.status_code == 303 and placed.headers["Location"].endswith("/afrekenen")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    page = client.get("/afrekenen")
    html = _text(page)
    assert page.status_code == 422
    assert "Om 10:00 is er op" in html
    assert "selected" in _option(html, "11:00")  # the next free hour, preselected


def _slot_fills_once_checked(monkeypatch, db, day):
    """Other buyers take the last place of 10:00 on ``day`` just after a request has checked it has room."""
    from shop.checkout import services

    check = services.check_slot_room

    def check_then_fill(*args, **kwargs):
        check(*args, **kwargs)
        close_slot(SlotKind.PICKUP, day, time(10), by=None)
        db.session.flush()

    monkeypatch.setattr(services, "check_slot_room", check_then_fill)


def test_an_hour_that_fills_while_the_review_is_drawn_still_shows_the_review(client, db, monkeypatch):
    # Found by the soak (tests/serving/test_soak.py): the review checked the hour, then drew the page checking it
    # again, and a buyer who took the last place in between made that second check fail as a server error.
    day = pickup_days()[0]
    _with_cart(client, db)
    assert client.post("/afrekenen", data=_form()).status_code == 303
    _slot_fills_once_checked(monkeypatch, db, day)

    review = client.get("/afrekenen/overzicht")

    assert review.status_code == 200
    assert "10:00" in _text(review)


def test_an_hour_that_fills_while_a_refused_review_is_drawn_again_still_shows_it(client, db, monkeypatch):
    day = pickup_days()[0]
    _with_cart(client, db)
    assert client.post("/afrekenen", data=_form()).status_code == 303
    _slot_fills_once_checked(monkeypatch, db, day)

    refused = client.post("/afrekenen/overzicht", data={})  # the terms not accepted: the review again, 422

    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
