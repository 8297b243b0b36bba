"""Delivery rules (postcodes, zones, fees, perishables, the shipment plan), tested directly (no HTTP)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shop.checkout.delivery import (
    DeliveryError,
    check_perishables,
    delivery_fee_cents,
    normalise_postcode,
    plan_shipment,
    zone_for_postcode,
)
from shop.core.settings import DEFAULT_SETTINGS
from shop.orders.models import DeliveryMethod
from tests.factories import make_locality

# 25 November 2026 is a Wednesday; 27 November a Friday.
FRIDAY_MORNING = datetime(2026, 11, 27, 10, 0)
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 13, 0)


@pytest.mark.parametrize("text, expected", [("9000", "9000"), (" 9000 ", "9000"), ("1000", "1000"), ("9999", "9999")])
def test_postcode_accepted(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize("text", ["900", "B-9000", "90000", "0999", "abcd", "", None, "9 000", "BE9000"])
def test_postcode_refused_with_example(app, text):
    with app.test_request_context():
        with pytest.raises(DeliveryError) as error:
            normalise_postcode(text)
        assert str(error.value) == "Geef een Belgische postcode, zoals 9000."
        assert error.value.field == "postcode"


def test_zone_by_postcode_of_the_provinces_localities(db):
    make_locality("9000", "Gent")
    make_locality("2070", "Zwijndrecht")
    assert zone_for_postcode("9000").code == "oost-vlaanderen"
    assert zone_for_postcode(" 2070 ").code == "oost-vlaanderen"
    assert zone_for_postcode("2000").code == "belgie"
    assert zone_for_postcode("1000").code == "belgie"


@pytest.mark.parametrize("goods, zone_code, fee", [
    (7499, "oost-vlaanderen", 695), (7500, "oost-vlaanderen", 0), (1000, "belgie", 995), (7500, "belgie", 0), (9000, "belgie", 0),
])
def test_delivery_fee_by_zone_and_threshold(goods, zone_code, fee):
    assert delivery_fee_cents(DEFAULT_SETTINGS.zone(zone_code), goods, DEFAULT_SETTINGS) == fee


def test_perishables_only_within_the_province(app):
    check_perishables(DEFAULT_SETTINGS.zone("oost-vlaanderen"), True)
    check_perishables(DEFAULT_SETTINGS.zone("belgie"), False)
    with app.test_request_context():
        with pytest.raises(DeliveryError) as error:
            check_perishables(DEFAULT_SETTINGS.zone("belgie"), True)
        assert "alleen in Oost-Vlaanderen" in str(error.value)
        assert "gekoeld en vers" in str(error.value)


def test_plan_delivery_to_the_province(db):
    make_locality("9000", "Gent")
    plan = plan_shipment("delivery", goods_cents=3000, has_perishables=True, postcode="9000",
                         desired_date=date(2026, 12, 4), now=FRIDAY_MORNING)
    assert (plan.method, plan.zone, plan.fee_cents, plan.scheduled_date) == (
        DeliveryMethod.DELIVERY, "oost-vlaanderen", 695, date(2026, 12, 4))


def test_plan_refuses_perishables_to_antwerp(db):
    make_locality("9000", "Gent")
    with pytest.raises(DeliveryError) as error:
        plan_shipment("delivery", goods_cents=3000, has_perishables=True, postcode="2000", now=FRIDAY_MORNING)
    assert error.value.field == "postcode"


@pytest.mark.parametrize("day", [date(2026, 11, 30), date(2026, 11, 28), date(2026, 12, 6), date(2027, 6, 1)])
def test_desired_day_must_be_a_feasible_delivery_day(db, day):
    make_locality("9000", "Gent")
    with pytest.raises(DeliveryError) as error:
        plan_shipment("delivery", goods_cents=3000, has_perishables=False, postcode="9000", desired_date=day,
                      now=FRIDAY_MORNING)
    assert error.value.field == "desired_date"


def test_plan_pickup_day_gone_names_the_next_day(app):
    with app.test_request_context():
        with pytest.raises(DeliveryError) as error:
            plan_shipment("pickup", goods_cents=3000, has_perishables=True, pickup_date=date(2026, 11, 29),
                          now=FRIDAY_AFTERNOON)
        assert str(error.value) == "Op deze dag kun je niet meer afhalen. De eerstvolgende afhaaldag is dinsdag 1 december."
        plan = plan_shipment("pickup", goods_cents=3000, has_perishables=True, pickup_date=date(2026, 12, 1),
                             now=FRIDAY_AFTERNOON)
        assert (plan.method, plan.fee_cents, plan.scheduled_date, plan.zone) == (DeliveryMethod.PICKUP, 0, date(2026, 12, 1), "")
