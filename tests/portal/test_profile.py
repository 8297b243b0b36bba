"""The producer's profile: service rules and the /portaal/bedrijf page."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shop.catalog.models import Producer
from shop.catalog.producer_profile import ProfileData, ProfileError, update_producer_profile
from tests.factories import log_in_as, make_locality, make_municipality, make_producer, make_product, make_user


@pytest.fixture
def places(db):
    eeklo = make_municipality("Eeklo", main_postcode="9900")
    destelbergen = make_municipality("Destelbergen", main_postcode="9070", latitude=51.05, longitude=3.79)
    return {
        "eeklo": make_locality("9900", "Eeklo", eeklo),
        "destelbergen": make_locality("9070", "Destelbergen", destelbergen),
        "heusden": make_locality("9070", "Heusden", destelbergen),
    }


def _data(**overrides) -> ProfileData:
    fields = dict(story="Wij maken kaas.", street="Molenstraat 3", postcode="9900", website="https://delinde.be",
                  phone="+32 9 123 45 67", email="info@delinde.be", farm_shop_hours="za 9-12")
    fields.update(overrides)
    return ProfileData(**fields)


def test_profile_sets_place_from_the_postcode_and_refreshes_search_text(db, places):
    producer = make_producer("Hoeve De Linde", municipality=places["eeklo"].municipality, locality=places["eeklo"])
    product = make_product("Hoevekaas", producer=producer)
    assert "heusden" not in product.search_text

    changed = update_producer_profile(producer, _data(postcode="9070", place="heusden", story_fr="Fromage."))

    assert (producer.postcode, producer.locality.name, producer.municipality.name) == ("9070", "Heusden",
                                                                                       "Destelbergen")
    assert (producer.latitude, producer.longitude) == (51.05, 3.72)
    assert producer.translations == {"fr": {"story": "Fromage."}}
    assert "heusden" in product.search_text
    assert "gemeente" in changed and "verhaal (fr)" in changed


def test_postcode_with_several_places_picks_the_main_one_without_a_place(db, places):
    producer = make_producer(municipality=places["eeklo"].municipality)
    update_producer_profile(producer, _data(postcode="9070"))
    assert producer.locality.name == "Destelbergen"


@pytest.mark.parametrize("overrides, field, message", [
    ({"postcode": "1000"}, "postcode", "Deze postcode ligt niet in Oost-Vlaanderen."),
    ({"postcode": "90"}, "postcode", "Geef een Belgische postcode van 4 cijfers."),
    ({"postcode": "9070", "place": "Gent"}, "place", "Kies de plaats bij postcode 9070: Destelbergen, Heusden."),
    ({"website": "ftp://delinde.be"}, "website", "Geef een webadres dat begint met http:// of https://."),
    ({"website": "javascript:alert(1)"}, "website", "Geef een webadres dat begint met http:// of https://."),
    ({"email": "geen-adres"}, "email", "Geef een e-mailadres zoals naam@voorbeeld.be."),
    ({"phone": "bel me"}, "phone", "Geef een telefoonnummer met alleen cijfers, spaties en eventueel +."),
    ({"street": "  "}, "street", "Geef de straat en het huisnummer."),
])
def test_bad_profile_is_refused_with_the_field(db, places, overrides, field, message):
    producer = make_producer(municipality=places["eeklo"].municipality)
    with pytest.raises(ProfileError) as error:
        update_producer_profile(producer, _data(**overrides))
    assert (error.value.field, str(error.value)) == (field, message)


def _form(**overrides):
    fields = dict(story="Wij maken kaas.", story_fr="", story_en="", street="Molenstraat 3", postcode="9900",
                  place="", farm_shop_hours="za 9-12", website="https://delinde.be", phone="09 123 45 67",
                  email="info@delinde.be")
    fields.update(overrides)
    return fields


def test_profile_page_saves_and_names_what_changed(client, db, places):
    producer = make_producer("Hoeve De Linde", municipality=places["eeklo"].municipality)
    user = make_user(role="producer", producer=producer, password=None)
    db.session.commit()
    log_in_as(client, user)

    assert client.get("/portaal/bedrijf").status_code == 200
    response = client.post("/portaal/bedrijf", data=_form(website="https://delinde.be/winkel"))

    assert response.status_code == 303
    db.session.expire_all()
    producer = db.session.get(Producer, producer.id)
    assert (producer.website, producer.street, producer.locality.name) == ("https://delinde.be/winkel",
                                                                           "Molenstraat 3", "Eeklo")
    page = client.get("/portaal/bedrijf").get_data(as_text=True)
    assert "Opgeslagen. Gewijzigd:" in page and "website" in page


@pytest.mark.parametrize("overrides, message", [
    ({"postcode": "1000"}, "Deze postcode ligt niet in Oost-Vlaanderen."),
    ({"postcode": "abcd"}, "Geef een Belgische postcode van 4 cijfers."),
    ({"website": "delinde"}, "Geef een webadres dat begint met http:// of https://."),
    ({"email": "x@"}, "Geef een e-mailadres zoals naam@voorbeeld.be."),
])
def test_profile_page_rerenders_errors_and_changes_nothing(client, db, places, overrides, message):
    producer = make_producer("Hoeve De Linde", municipality=places["eeklo"].municipality, website="https://oud.be")
    user = make_user(role="producer", producer=producer, password=None)
    db.session.commit()
    log_in_as(client, user)

    response = client.post("/portaal/bedrijf", data=_form(**overrides, story="Nieuw verhaal"))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Nieuw verhaal" in page and "error-summary" in page
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).story == "Een familiebedrijf."


def test_profile_photo_goes_through_the_image_pipeline(client, db, places):
    producer = make_producer("Hoeve De Linde", municipality=places["eeklo"].municipality)
    user = make_user(role="producer", producer=producer, password=None)
    db.session.commit()
    log_in_as(client, user)
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (120, 80, 40)).save(buffer, "JPEG")
    buffer.seek(0)

    response = client.post("/portaal/bedrijf", data=_form(photo=(buffer, "hoeve.jpg")),
                           content_type="multipart/form-data")

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).photo_path.startswith("producers/")


def test_fake_photo_is_refused(client, db, places):
    producer = make_producer("Hoeve De Linde", municipality=places["eeklo"].municipality)
    user = make_user(role="producer", producer=producer, password=None)
    db.session.commit()
    log_in_as(client, user)

    response = client.post("/portaal/bedrijf", data=_form(photo=(io.BytesIO(b"geen foto"), "hoeve.jpg")),
                           content_type="multipart/form-data")

    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).photo_path is None


def test_profile_is_for_producers_only(client, db):
    customer = make_user()
    db.session.commit()
    log_in_as(client, customer)
    assert client.get("/portaal/bedrijf").status_code == 403


def test_the_portal_names_the_signed_in_users_producer_and_warns_when_it_is_deactivated(client, db):
    producer = make_producer("Hoeve De Linde")
    log_in_as(client, make_user(role="producer", producer=producer))
    db.session.commit()
    page = client.get("/portaal/bedrijf").get_data(as_text=True)
    assert '<p class="portal-nav__producer">Hoeve De Linde</p>' in page
    assert "Je bedrijf is gedeactiveerd" not in page
    producer.active = False
    db.session.commit()
    assert "Je bedrijf is gedeactiveerd" in client.get("/portaal/bedrijf").get_data(as_text=True)
