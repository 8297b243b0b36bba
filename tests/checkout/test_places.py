"""The place of an address belongs to its postcode (shop.reference.postcodes, shop.checkout.delivery.check_place):
``9000 Brussel`` is refused at checkout with the names that do belong to 9000, ``2600 Gent`` with the municipality
of 2600, a postcode that does not exist at its field, for the delivery address and the company's billing address,
and place_order refuses them too. The province's real reference data is loaded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.catalog.places import place_key, places_at
from shop.checkout.delivery import DeliveryError, check_place
from shop.checkout.services import place_order
from shop.orders.models import Order
from shop.reference.loader import load_reference_data
from tests.factories import make_order_cart, make_order_data, make_product


@pytest.fixture
def province(db):
    load_reference_data()
    db.session.commit()


@pytest.mark.parametrize(("postcode", "place"), [
    ("9000", "Gent"), ("9000", "GENT"), ("9000", " gent "), ("9000", "Gand"), ("9000", "Ghent"),
    ("9030", "Mariakerke"), ("9030", "Gent"), ("9030", "Gent-Mariakerke"), ("9030", "Mariakerke (Gent)"),
    ("9100", "Sint-Niklaas"), ("9100", "sint niklaas"), ("9100", "St.-Niklaas"), ("9100", "Nieuwkerken-Waas"),
    ("9300", "Alost"), ("9600", "Renaix"), ("9700", "Audenarde"), ("9700", "Mullem"), ("9830", "Sint-Mártens-Latem"),
    ("9042", "Sint-Kruis-Winkel"), ("1000", "Brussel"), ("2000", "Antwerpen"), ("8400", "Oostende"),
])
def test_a_place_of_the_postcode_is_accepted(province, postcode, place):
    check_place(postcode, place)


@pytest.mark.parametrize(("postcode", "place", "names"), [
    ("9000", "Brussel", "Gent"),
    ("9030", "Drongen", "Gent, Mariakerke"),
    ("9300", "Gent", "Aalst"),
    ("9100", "Niklaas", "Sint-Niklaas, Nieuwkerken-Waas"),
    ("9042", "Gent Gent", "Gent, Desteldonk, Mendonk, Sint-Kruis-Winkel"),
])
def test_a_place_of_another_postcode_is_refused_with_the_right_names(province, postcode, place, names):
    with pytest.raises(DeliveryError) as refused:
        check_place(postcode, place, field="billing_city")

    assert refused.value.field == "billing_city"
    assert str(refused.value) == (f"“{place}” hoort niet bij postcode {postcode} (plaatsen met die postcode: {names})."
                                  " Kijk de postcode en de gemeente na.")


def test_places_of_a_postcode_name_the_municipality_first(province):
    places = places_at("9700")

    assert places.names[0] == "Oudenaarde"
    assert places_at("1000") is None


@pytest.mark.parametrize(("name", "key"), [("Sint-Martens-Látem", "sint martens latem"), ("St. Amandsberg",
                                            "sint amandsberg"), ("Mariakerke (Gent)", "mariakerke gent"), ("", "")])
def test_place_names_are_compared_without_case_accents_or_punctuation(name, key):
    assert place_key(name) == key


# --- the checkout ----------------------------------------------------------------------------------------------


def _checkout(client, db, **fields):
    cart = make_order_cart((make_product("Adreskaas", stock=5), 1))
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)
    form = {"email": "an@voorbeeld.be", "name": "An Peeters", "method": "delivery", "recipient_name": "Jan Peeters",
            "street": "Veldstraat 1", "postcode": "9000", "city": "Gent", "desired_date": ""}
    return client.post("/afrekenen", data={**form, **fields})


def test_checkout_refuses_a_delivery_place_that_is_not_at_the_postcode(client, db, province):
    response = _checkout(client, db, city="Brussel")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“Brussel” hoort niet bij postcode 9000 (plaatsen met die postcode: Gent)." in html
    assert 'value="Brussel"' in html


def test_checkout_refuses_a_billing_place_that_is_not_at_the_postcode(client, db, province):
    response = _checkout(client, db, is_company="y", company_name="Hoeve BV", vat_number="BE0207725104",
                         billing_street="Markt 1", billing_postcode="9300", billing_city="Gent")

    assert response.status_code == 422
    assert "“Gent” hoort niet bij postcode 9300 (plaatsen met die postcode: Aalst)." in response.get_data(as_text=True)


def test_checkout_accepts_a_locality_written_with_its_municipality(client, db, province):
    response = _checkout(client, db, postcode="9030", city="Gent-Mariakerke", is_company="y",
                         company_name="Hoeve BV", vat_number="BE0207725104", billing_street="Markt 1",
                         billing_postcode="1000", billing_city="Brussel")

    assert response.status_code == 303


def test_place_order_refuses_a_place_that_is_not_at_the_postcode(db, province):
    cart = make_order_cart((make_product("Adreskaas", stock=5), 1))
    data = make_order_data("delivery", city="Brussel")

    with pytest.raises(DeliveryError) as refused:
        place_order(cart, data)

    assert refused.value.field == "city"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_saved_checkout_data_with_a_wrong_place_goes_back_to_the_form(client, db, province):
    assert _checkout(client, db).status_code == 303
    with client.session_transaction() as session:
        saved = next(key for key, value in session.items() if isinstance(value, dict) and value.get("city"))
        session[saved] = {**session[saved], "city": "Brussel"}

    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/afrekenen")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


# --- anywhere in Belgium (shop.reference.postcodes) ----------------------------------------------------------------


def test_checkout_delivers_durable_goods_to_a_municipality_outside_the_province(client, db, province):
    assert _checkout(client, db, postcode="3000", city="Leuven").status_code == 303


def test_checkout_refuses_another_municipality_at_the_postcode_naming_the_postcodes_one(client, db, province):
    response = _checkout(client, db, postcode="2600", city="Gent")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ('<p class="field__error" id="city-error"><span class="visually-hidden">Fout: </span>“Gent” hoort niet bij '
            'postcode 2600: 2600 hoort bij Antwerpen. Kijk de postcode na, of schrijf de gemeente.</p>') in html


@pytest.mark.parametrize(("fields", "field", "postcode"), [
    ({"postcode": "1001", "city": "Brussel"}, "postcode", "1001"),
    ({"is_company": "y", "company_name": "Hoeve BV", "vat_number": "BE0207725104", "billing_street": "Markt 1",
      "billing_postcode": "9999", "billing_city": "Gent"}, "billing_postcode", "9999"),
])
def test_checkout_refuses_a_postcode_that_does_not_exist_at_its_field(client, db, province, fields, field, postcode):
    response = _checkout(client, db, **fields)

    assert response.status_code == 422
    assert (f'<p class="field__error" id="{field}-error"><span class="visually-hidden">Fout: </span>Postcode '
            f'{postcode} bestaat niet in België. Kijk de postcode na.</p>') in response.get_data(as_text=True)


def test_place_order_refuses_a_postcode_that_does_not_exist(db, province):
    cart = make_order_cart((make_product("Adreskaas", stock=5), 1))

    with pytest.raises(DeliveryError) as refused:
        place_order(cart, make_order_data("delivery", postcode="1001", city="Brussel"))

    assert (refused.value.field, str(refused.value)) == (
        "postcode", "Postcode 1001 bestaat niet in België. Kijk de postcode na.")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_perishables_are_still_refused_outside_the_province(db, province):
    cart = make_order_cart((make_product("Verse kaas", stock=5, perishable=True), 1))

    with pytest.raises(DeliveryError) as refused:
        place_order(cart, make_order_data("delivery", postcode="8000", city="Brugge"))

    assert refused.value.field == "postcode"
    assert "Die leveren we alleen in Oost-Vlaanderen" in str(refused.value)
