"""Back office: producers (admins only) through the test client."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.catalog.models import Producer, ProductStatus
from shop.catalog.producer_queries import get_producer_of
from shop.core.audit import AuditEntry
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxMessage
from tests.factories import (
    log_in_as,
    make_label,
    make_locality,
    make_municipality,
    make_package,
    make_paid_order,
    make_producer,
    make_product,
    make_staff,
    make_user,
)
from tests.helpers import meanwhile


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(client, db):
    user = make_staff("beheer@groot-vleeshuis.be", role="admin")
    db.session.commit()
    log_in_as(client, user)
    return user


@pytest.fixture
def deinze(db):
    locality = make_locality("9800", "Deinze", municipality=make_municipality("Deinze", slug="deinze"))
    db.session.commit()
    return locality


FORM = {"name": "Hoeve De Leie", "street": "Leiestraat 4", "postcode": "9800", "place": "", "story": "Kaas.",
        "email": "info@hoevedeleie.be", "phone": "", "website": ""}


@pytest.mark.parametrize("path", ["/beheer/producenten", "/beheer/producenten/nieuw"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


@pytest.mark.parametrize("role", ["staff", "customer", "producer"])
def test_staff_customers_and_producers_get_403_on_producer_pages(client, db, role):
    producer = make_producer()
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)

    assert client.get("/beheer/producenten").status_code == 403
    assert client.get(f"/beheer/producenten/{producer.id}").status_code == 403
    assert client.post(f"/beheer/producenten/{producer.id}/deactiveren").status_code == 403
    assert client.post(f"/beheer/producenten/{producer.id}/uitnodigen", data={"user_email": "x@y.be"}).status_code == 403
    assert db.session.get(Producer, producer.id).active is True


def test_list_searches_by_municipality_and_filters_inactive(client, db, admin):
    gent = make_municipality("Gent", slug="gent")
    hoeve = make_producer("Hoeve Ter Beke", municipality=gent)
    make_product(producer=hoeve)
    make_producer("Slapende Hoeve", municipality=gent, active=False)
    make_producer("Brouwerij Eeklo")
    db.session.commit()

    html = _text(client.get("/beheer/producenten?q=gent"))
    assert "2 producenten" in html
    assert "Hoeve Ter Beke" in html and "Slapende Hoeve" in html and "Brouwerij Eeklo" not in html

    html = _text(client.get("/beheer/producenten?status=inactief"))
    assert "1 producent" in html and "Slapende Hoeve" in html and "Hoeve Ter Beke" not in html


def test_list_is_paginated(client, db, admin):
    for n in range(27):
        make_producer(f"Hoeve {n:02d}")
    db.session.commit()

    html = _text(client.get("/beheer/producenten?pagina=2"))

    assert "Hoeve 25" in html and "Hoeve 26" in html and "Hoeve 24" not in html
    assert 'rel="prev"' in html


def test_create_a_producer(client, db, admin, deinze):
    bio = make_label("bio", "Bio")
    db.session.commit()

    response = client.post("/beheer/producenten/nieuw", data={**FORM, "labels": [str(bio.id)]})

    producer = db.session.scalar(select(Producer).where(Producer.name == "Hoeve De Leie"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/beheer/producenten/{producer.id}")
    assert (producer.slug, producer.municipality_id, producer.locality_id) == ("hoeve-de-leie",
                                                                               deinze.municipality_id, deinze.id)
    assert [label.name for label in producer.labels] == ["Bio"]
    page = _text(client.get(response.headers["Location"]))
    assert "Producent Hoeve De Leie aangemaakt." in page


def test_a_double_submitted_new_producer_is_created_with_the_next_free_address(client, db, admin, deinze,
                                                                                monkeypatch):
    # Both submits found the producer's address (slug) free; the second to store its producer ran into the
    # first one's: a server error.
    from shop.listings import producer_admin

    meanwhile(monkeypatch, producer_admin, "unique_producer_slug",
              lambda slug, *_: make_producer("Hoeve De Leie", slug=slug))

    response = client.post("/beheer/producenten/nieuw", data=FORM)

    assert response.status_code == 303
    db.session.expire_all()
    producers = db.session.scalars(select(Producer).where(Producer.name == "Hoeve De Leie").order_by(Producer.id))
    assert [producer.slug for producer in producers] == ["hoeve-de-leie", "hoeve-de-leie-2"]
    created = db.session.scalar(select(Producer).where(Producer.slug == "hoeve-de-leie-2"))
    assert response.headers["Location"].endswith(f"/beheer/producenten/{created.id}")
    assert created.locality_id == deinze.id


def test_create_with_a_postcode_outside_the_province_shows_the_error(client, db, admin, deinze):
    response = client.post("/beheer/producenten/nieuw", data={**FORM, "postcode": "1000"})

    html = _text(response)
    assert response.status_code == 422
    assert "<title>Fout: Nieuwe producent" in html
    assert "Deze postcode ligt niet in Oost-Vlaanderen." in html
    assert db.session.scalar(select(Producer.id)) is None


def test_create_without_a_name_shows_the_error(client, db, admin, deinze):
    response = client.post("/beheer/producenten/nieuw", data={**FORM, "name": " "})

    assert response.status_code == 422
    assert "Vul de naam van de producent in." in _text(response)


def test_edit_shows_the_producer_and_saves_changes(client, db, admin, deinze):
    producer = make_producer("Hoeve Oud")
    db.session.commit()

    page = client.get(f"/beheer/producenten/{producer.id}")
    assert page.status_code == 200
    assert 'value="Hoeve Oud"' in _text(page)

    response = client.post(f"/beheer/producenten/{producer.id}", data={**FORM, "name": "Hoeve Nieuw"})

    assert response.status_code == 303
    producer = db.session.get(Producer, producer.id)
    assert (producer.name, producer.postcode, producer.locality_id) == ("Hoeve Nieuw", "9800", deinze.id)
    assert "Opgeslagen. Gewijzigd: naam" in _text(client.get(response.headers["Location"]))


def test_edit_of_an_unknown_producer_is_404(client, db, admin):
    assert client.get("/beheer/producenten/999999").status_code == 404


def test_deactivate_takes_the_products_out_of_the_shop_but_not_open_orders(client, db, admin):
    producer = make_producer("Hoeve Stop", slug="hoeve-stop")
    cheese = make_product("Stopkaas", producer=producer, price_cents=700, stock=6, slug="stopkaas")
    package = make_package([(cheese, 1), (make_product("Honing", stock=5), 1)], name="Stoppakket",
                           slug="stoppakket")
    order = make_paid_order((cheese, 1))
    db.session.commit()
    order_id, package_id = order.id, package.id
    assert client.get("/producten/stopkaas").status_code == 200

    response = client.post(f"/beheer/producenten/{producer.id}/deactiveren")

    assert response.status_code == 303
    html = _text(client.get(response.headers["Location"]))
    assert "Hoeve Stop is gedeactiveerd" in html
    assert "Deze pakketten zijn nu niet meer te koop: Stoppakket." in html
    assert db.session.get(Producer, producer.id).active is False
    # the shop: product page, catalogue, producer page, package and cart honour producer.active
    assert client.get("/producten/stopkaas").status_code == 404
    assert "Stopkaas" not in _text(client.get("/producten"))
    assert client.get("/producenten/hoeve-stop").status_code == 404
    assert "Stoppakket" not in _text(client.get("/pakketten?beschikbaar=1"))
    client.post("/winkelmand/toevoegen", data={"product_id": cheese.id, "quantity": 1})
    assert "Stopkaas" not in _text(client.get("/winkelmand"))
    # the paid order and its line are untouched
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert order.status == OrderStatus.PAID
    assert [(line.name, line.quantity, line.unit_price_cents) for line in order.lines] == [("Stopkaas", 1, 700)]
    assert db.session.get(type(package), package_id).active is True
    assert db.session.get(type(cheese), cheese.id).status == ProductStatus.PUBLISHED


def test_deactivating_twice_says_so(client, db, admin):
    producer = make_producer("Hoeve Twee", active=False)
    db.session.commit()

    response = client.post(f"/beheer/producenten/{producer.id}/deactiveren", follow_redirects=True)

    assert "Hoeve Twee is al gedeactiveerd." in _text(response)


def test_activate_puts_the_producer_back(client, db, admin):
    producer = make_producer("Hoeve Terug", active=False)
    make_product("Terugkaas", producer=producer, slug="terugkaas")
    db.session.commit()

    response = client.post(f"/beheer/producenten/{producer.id}/activeren")

    assert response.status_code == 303
    assert db.session.get(Producer, producer.id).active is True
    assert "Hoeve Terug is weer actief" in _text(client.get(response.headers["Location"]))
    assert client.get("/producten/terugkaas").status_code == 200
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == producer.id)) == \
        "producer.activate"


def test_producer_users_of_an_inactive_producer_still_reach_the_portal(client, db):
    user = make_user(role="producer")
    get_producer_of(user).active = False
    db.session.commit()
    log_in_as(client, user)

    assert client.get("/portaal/producten").status_code == 200


def test_invite_a_producer_user(client, db, admin):
    producer = make_producer("Hoeve Uitnodiging")
    make_user("eerste@hoeve.be", role="producer", producer=producer)
    db.session.commit()

    response = client.post(f"/beheer/producenten/{producer.id}/uitnodigen", data={"user_email": "tweede@hoeve.be"})

    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "tweede@hoeve.be"))
    assert (user.role, user.producer_id) == (Role.PRODUCER, producer.id)
    assert db.session.scalar(select(OutboxMessage.to_address).where(OutboxMessage.kind == "account_invitation")) \
        == "tweede@hoeve.be"
    html = _text(client.get(response.headers["Location"]))
    assert "Uitnodiging verstuurd naar tweede@hoeve.be." in html
    assert "eerste@hoeve.be" in html and "Uitgenodigd, nog niet aanvaard" in html


@pytest.mark.parametrize("email, message", [
    ("", "Geef een e-mailadres zoals naam@voorbeeld.be."),
    ("geen-adres", "Geef een e-mailadres zoals naam@voorbeeld.be."),
    ("klant@voorbeeld.be", "Er bestaat al een account met het e-mailadres klant@voorbeeld.be."),
])
def test_invite_refuses_a_bad_or_taken_address(client, db, admin, email, message):
    producer = make_producer()
    make_user("klant@voorbeeld.be")
    db.session.commit()

    response = client.post(f"/beheer/producenten/{producer.id}/uitnodigen", data={"user_email": email})

    html = _text(response)
    assert response.status_code == 422
    assert message in html
    assert "<title>Fout: " in html
    assert db.session.scalar(select(OutboxMessage.id)) is None


@pytest.mark.parametrize("labels", [["abc"], ["999999"]])
def test_create_with_an_unknown_label_shows_the_error(client, db, admin, deinze, labels):
    response = client.post("/beheer/producenten/nieuw", data={**FORM, "labels": labels})

    assert response.status_code == 422
    assert "Kies alleen uit de lijst." in _text(response)
    assert db.session.scalar(select(Producer.id)) is None
