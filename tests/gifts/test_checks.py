"""Every row of a gift list checked, per column, in bulk."""

from datetime import timedelta

import pytest
from flask_babel import format_date

from shop.extensions import db
from shop.gifts.checks import check_list
from shop.scheduling.days import delivery_days
from shop.scheduling.models import SlotKind
from shop.scheduling.services import close_slot, set_capacity
from tests.gifts.conftest import row
from tests.helpers import count_queries


def test_a_good_row_passes_and_is_priced(gift_shop, first_day):
    checked = check_list([row(quantity="2")])

    only = checked.rows[0]
    assert (checked.ok, only.errors, only.item, only.goods_cents, only.day) == (True, {}, gift_shop["pralines"], 3000,
                                                                                first_day)


@pytest.mark.parametrize("values, column, message", [
    (dict(name=""), "name", "Vul de naam van de ontvanger in."),
    (dict(name="x" * 81), "name", "Maak dit korter: hoogstens 80 tekens (nu 81)."),
    (dict(street=""), "street", "Vul de straat en het huisnummer in, zoals Veldstraat 1."),
    (dict(street="Veldstraat"), "street", "Vul ook het huisnummer in, zoals Veldstraat 1."),
    (dict(postcode=""), "postcode", "Vul de postcode in, zoals 9000."),
    (dict(postcode="900"), "postcode", "Geef een Belgische postcode, zoals 9000."),
    (dict(city=""), "city", "Vul de gemeente in, zoals Gent."),
    (dict(city="Brussel"), "city", "“Brussel” hoort niet bij postcode 9000 (plaatsen met die postcode: Gent)."),
    (dict(country="Nederland"), "country", "We leveren bedrijfsgeschenken alleen in België."),
    (dict(message="x" * 301), "message", "Maak dit korter: hoogstens 300 tekens (nu 301)."),
    (dict(item=""), "item", "Vul in wat deze ontvanger krijgt"),
    (dict(item="kaviaar"), "item", "We kennen geen pakket of product “kaviaar”."),
    (dict(quantity="0"), "quantity", "Geef een aantal van 1 tot 99."),
    (dict(quantity="=1+1"), "quantity", "Geef een aantal van 1 tot 99."),
    (dict(desired_date="morgen"), "desired_date", "Schrijf de datum als dag/maand/jaar"),
    (dict(desired_date="01/01/2020"), "desired_date", "kunnen we niet leveren"),
    (dict(item="hoevekaas", postcode="1000", city="Brussel"), "postcode", "bevat verse producten"),
    (dict(item="hoevekaas", postcode="8000", city="Brugge"), "postcode", "bevat verse producten"),
    (dict(postcode="2600", city="Gent"), "city", "“Gent” hoort niet bij postcode 2600: 2600 hoort bij Antwerpen."),
    (dict(postcode="1001", city="Brussel"), "postcode", "Postcode 1001 bestaat niet in België. Kijk de postcode na."),
    (dict(postcode="9999", city="Gent"), "postcode", "Postcode 9999 bestaat niet in België."),
    (dict(item="pralines", quantity="51"), "item", "Niet genoeg voorraad: de lijst vraagt 51 × Pralines, er zijn er 50."),
])
def test_a_wrong_row_gets_a_message_on_its_column(gift_shop, values, column, message):
    checked = check_list([row(**values)])

    errors = checked.rows[0].errors
    assert list(errors) == [column]
    assert message.split("(plaatsen")[0] in errors[column][0]
    assert not checked.ok


def test_a_postcode_outside_the_province_is_accepted_for_durable_goods(gift_shop):
    checked = check_list([row(postcode="1000", city="Brussel")])

    assert (checked.ok, checked.rows[0].zone.code) == (True, "belgie")


def test_recipients_anywhere_in_belgium_are_checked_against_their_municipality(gift_shop):
    checked = check_list([
        row(postcode="1000", city="Bruxelles"), row(name="Bo", postcode="2000", city="Antwerpen"),
        row(name="Cas", postcode="8000", city="Brugge"), row(name="Dirk", postcode="3000", city="Leuven"),
        row(name="Els", postcode="3001", city="Heverlee"),  # a deelgemeente the shop does not know: accepted
        row(name="Fien", postcode="2600", city="Gent"), row(name="Guy", postcode="1001", city="Brussel"),
        row(name="Hans", postcode="9000", city="Gent"),
    ])

    assert [(r.number, sorted(r.errors)) for r in checked.rows] == [
        (1, []), (2, []), (3, []), (4, []), (5, []), (6, ["city"]), (7, ["postcode"]), (8, [])]
    assert [r.zone.code for r in checked.rows if r.ok] == ["belgie"] * 5 + ["oost-vlaanderen"]


def test_stock_counts_all_rows_and_packages_components_together(gift_shop):
    # 15 packages (15 jenevers) + 6 jenevers alone = 21 > 20 in stock: every row that needs jenever is flagged.
    checked = check_list([row(item="kerstpakket", quantity="15"), row(name="Bo", item="oude-graanjenever", quantity="6"),
                          row(name="Cas", item="pralines")])

    assert [sorted(r.errors) for r in checked.rows] == [["item"], ["item"], []]
    assert "van Oude graanjenever vraagt de lijst er 21, er zijn er 20" in checked.rows[0].errors["item"][0]


def test_valid_rows_stay_valid_beside_wrong_ones(gift_shop):
    checked = check_list([row(), row(name="Bo", postcode="12")])

    assert [r.ok for r in checked.rows] == [True, False]
    assert checked.goods_cents == 1500


def test_duplicate_recipients_are_flagged_not_merged(gift_shop):
    checked = check_list([row(), row(name="an peeters", street="Veldstraat 1"), row(name="Bo")])

    assert [r.duplicate_of for r in checked.rows] == [[2], [1], []]
    assert len(checked.rows) == 3 and checked.ok


def test_a_desired_delivery_day_is_kept(gift_shop, first_day):
    later = first_day + timedelta(days=7)

    checked = check_list([row(desired_date=later.strftime("%d/%m/%Y"))])

    assert (checked.rows[0].day, checked.rows[0].desired) == (later, True)


def test_a_day_asked_for_more_parcels_than_its_room_flags_its_rows(gift_shop, first_day):
    set_capacity(SlotKind.DELIVERY, first_day, None, 1, by=None)
    day = first_day.strftime("%d/%m/%Y")

    checked = check_list([row(desired_date=day), row(name="Bo", desired_date=day)])

    assert [r.errors["desired_date"] for r in checked.rows] == [[
        f"Op {format_date(first_day, 'EEEE d MMMM yyyy')} kunnen we nog 1 pakketten leveren; de lijst vraagt er 2. "
        "Kies een andere dag voor een deel van de ontvangers."]] * 2


def test_a_full_or_closed_day_is_refused_for_its_rows(gift_shop, first_day):
    close_slot(SlotKind.DELIVERY, first_day, None, by=None)

    checked = check_list([row(desired_date=first_day.strftime("%d/%m/%Y"))])

    assert checked.rows[0].errors == {
        "desired_date": [f"Op {format_date(first_day, 'EEEE d MMMM yyyy')} is de levering volzet. Kies een andere dag."]}


def test_rows_without_a_date_fill_the_first_days_with_room_earliest_first(gift_shop, app, first_day):
    # Two parcels a day; one row asks for the first day: the others take its last place, then the next days.
    second, third = delivery_days()[1:3]
    app.config["SHOP_SETTINGS"] = {"delivery_day_capacity": 2}
    try:
        checked = check_list([row(name="An"), row(name="Bo", desired_date=first_day.strftime("%d/%m/%Y")),
                              row(name="Cas"), row(name="Dirk"), row(name="Eva", postcode="12"), row(name="Fien")])
    finally:
        app.config.pop("SHOP_SETTINGS")

    assert [(r.values["name"], r.day) for r in checked.rows] == [
        ("An", first_day), ("Bo", first_day), ("Cas", second), ("Dirk", second), ("Eva", None), ("Fien", third)]


def test_a_row_without_a_date_is_refused_when_no_day_has_room(gift_shop, app):
    app.config["SHOP_SETTINGS"] = {"delivery_day_capacity": 0}
    try:
        checked = check_list([row()])
    finally:
        app.config.pop("SHOP_SETTINGS")

    assert checked.rows[0].errors == {"desired_date": ["Er is voorlopig geen leverdag beschikbaar."]}


def test_more_than_50_euro_excluding_vat_per_recipient_is_noted(gift_shop):
    # 2 packages: 70,00 incl. VAT, about 62 excl. VAT; 3 pralines 45,00 incl., 42,45 excl.
    checked = check_list([row(item="kerstpakket", quantity="2"), row(name="Bo", quantity="3")])

    assert [r.number for r in checked.rows_above_deductible_limit] == [1]
    assert checked.rows[1].net_cents == 4245
    assert checked.has_alcohol


def test_the_fee_is_per_recipient_and_free_from_the_threshold(gift_shop):
    # 5 × 15,00 = 75,00 reaches the free-delivery threshold; 15,00 to Gent pays 6,95, to Brussels 9,95.
    checked = check_list([row(quantity="5"), row(name="Bo"), row(name="Cas", postcode="1000", city="Brussel")])

    assert [r.fee_cents for r in checked.rows] == [0, 695, 995]
    assert checked.fee_cents == 1690


def test_two_thousand_rows_take_a_fixed_number_of_queries(gift_shop, app):
    many = [row(name=f"Ontvanger {n}", street=f"Veldstraat {n}", item=("kerstpakket" if n % 2 else "pralines"),
                postcode="9000" if n % 3 else "9050", city="Gent" if n % 3 else "Gentbrugge", quantity="1")
            for n in range(2000)]
    db.session.commit()

    with count_queries(db.engine) as statements:
        checked = check_list(many)

    assert len(checked.rows) == 2000
    assert len(statements) <= 12
