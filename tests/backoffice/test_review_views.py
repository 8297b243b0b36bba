"""Back office: the review queue (staff) through the test client."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shop.accounts.models import User
from shop.catalog.allergens import Allergen, Presence
from shop.catalog.models import Product, ProductStatus
from shop.core.audit import AuditEntry
from shop.outbox.models import OutboxMessage
from tests.factories import log_in_as, make_producer, make_product, make_staff, make_user
from tests.helpers import count_queries


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def staff(client, db):
    user = make_staff("kim@groot-vleeshuis.be")
    db.session.commit()
    log_in_as(client, user)
    return user


@pytest.fixture
def pending(db):
    producer = make_producer("Hoeve Review", email="info@hoevereview.be")
    make_user("boer@hoevereview.be", role="producer", producer=producer)
    product = make_product("Geitenkaas", producer=producer, status=ProductStatus.PENDING_REVIEW, price_cents=675,
                           unit="200 g", net_quantity=200, ingredients="geitenmelk, zout, stremsel",
                           storage="Koel bewaren (max. 7 °C).",
                           allergens={Allergen.MILK: Presence.CONTAINS, Allergen.NUTS: Presence.MAY_CONTAIN})
    db.session.commit()
    return product


@pytest.mark.parametrize("path", ["/beheer/te-keuren", "/beheer/te-keuren/1"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_customers_and_producers_get_403(client, db, pending, role):
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)

    assert client.get("/beheer/te-keuren").status_code == 403
    assert client.get(f"/beheer/te-keuren/{pending.id}").status_code == 403
    assert client.post(f"/beheer/te-keuren/{pending.id}/goedkeuren").status_code == 403
    assert db.session.get(Product, pending.id).status == ProductStatus.PENDING_REVIEW


def test_admins_may_review_too(client, db, pending):
    admin = make_staff(role="admin")
    db.session.commit()
    log_in_as(client, admin)

    assert client.get("/beheer/te-keuren").status_code == 200


def test_queue_lists_waiting_products_oldest_first_with_producer_and_food_info(client, db, staff, pending):
    pending.created_at = datetime.now(timezone.utc) - timedelta(days=2)
    make_product("Jonge kaas", status=ProductStatus.PENDING_REVIEW, ingredients="")
    make_product("Al in de winkel")
    db.session.commit()

    html = _text(client.get("/beheer/te-keuren"))

    assert "2 producten wachten op controle" in html
    assert html.index("Geitenkaas") < html.index("Jonge kaas")
    assert "Al in de winkel" not in html
    assert "Hoeve Review" in html
    assert "Bevat: Melk" in html
    assert "Ontbreekt: ingrediënten" in html


def test_empty_queue_says_so(client, db, staff):
    assert "Er wacht geen enkel product op controle." in _text(client.get("/beheer/te-keuren"))


def test_detail_shows_what_a_customer_would_see(client, db, staff, pending):
    response = client.get(f"/beheer/te-keuren/{pending.id}")

    html = _text(response)
    assert response.status_code == 200
    assert "<title>Controle van Geitenkaas" in html
    for text in ("€\xa06,75", "200 g", "geitenmelk, zout, stremsel", "Melk", "Noten", "Koel bewaren (max. 7 °C).",
                 "Hoeve Review", "Goedkeuren en publiceren", "Reden van de afwijzing"):
        assert text in html, text


def test_detail_of_an_unknown_product_is_404(client, db, staff):
    assert client.get("/beheer/te-keuren/999999").status_code == 404


def test_approve_publishes_and_mails_the_producer(client, db, staff, pending):
    response = client.post(f"/beheer/te-keuren/{pending.id}/goedkeuren")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/beheer/te-keuren")
    assert db.session.get(Product, pending.id).status == ProductStatus.PUBLISHED
    assert sorted(db.session.scalars(select(OutboxMessage.to_address)
                                     .where(OutboxMessage.kind == "product_approved"))) == [
        "boer@hoevereview.be", "info@hoevereview.be"]
    assert db.session.scalar(select(AuditEntry.by_user_id).where(AuditEntry.action == "product.approve")) == staff.id
    assert "Geitenkaas is goedgekeurd en staat in de winkel." in _text(client.get(response.headers["Location"]))


def test_approve_with_missing_food_information_is_refused_with_the_reason(client, db, staff, pending):
    pending.storage = ""
    db.session.commit()

    response = client.post(f"/beheer/te-keuren/{pending.id}/goedkeuren", follow_redirects=True)

    assert "Niet goedgekeurd. Dit product mist verplichte voedselinformatie: bewaaradvies." in _text(response)
    assert db.session.get(Product, pending.id).status == ProductStatus.PENDING_REVIEW
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_reject_with_a_reason_sends_it_back_and_mails_the_reason(client, db, staff, pending):
    response = client.post(f"/beheer/te-keuren/{pending.id}/afwijzen",
                           data={"reason": "De foto toont koeienkaas."})

    assert response.status_code == 303
    product = db.session.get(Product, pending.id)
    assert (product.status, product.review_note) == (ProductStatus.DRAFT, "De foto toont koeienkaas.")
    bodies = list(db.session.scalars(select(OutboxMessage.body_text)
                                     .where(OutboxMessage.kind == "product_rejected")))
    assert len(bodies) == 2 and all("De foto toont koeienkaas." in body for body in bodies)
    assert "Geitenkaas is afgewezen" in _text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("reason, message", [
    ("", "Geef de reden van de afwijzing (minstens 5 tekens)"),
    ("kort", "Geef de reden van de afwijzing (minstens 5 tekens)"),
    ("x" * 1001, "De reden mag hoogstens 1000 tekens lang zijn."),
])
def test_reject_without_a_proper_reason_shows_the_error_and_changes_nothing(client, db, staff, pending, reason,
                                                                            message):
    response = client.post(f"/beheer/te-keuren/{pending.id}/afwijzen", data={"reason": reason})

    html = _text(response)
    assert response.status_code == 422
    assert message in html
    assert "<title>Fout: Controle van Geitenkaas" in html
    assert db.session.get(Product, pending.id).status == ProductStatus.PENDING_REVIEW
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_the_second_decision_gets_a_clear_message_and_changes_nothing(client, db, staff, pending):
    client.post(f"/beheer/te-keuren/{pending.id}/goedkeuren")

    response = client.post(f"/beheer/te-keuren/{pending.id}/afwijzen", data={"reason": "Toch niet, sorry."},
                           follow_redirects=True)

    assert "Geitenkaas wacht niet meer op controle: een collega heeft het al beoordeeld" in _text(response)
    product = db.session.get(Product, pending.id)
    assert (product.status, product.review_note) == (ProductStatus.PUBLISHED, "")
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "product_rejected")) is None


def test_a_reviewed_product_shows_no_decision_buttons(client, db, staff):
    product = make_product("Oude kaas")
    db.session.commit()

    html = _text(client.get(f"/beheer/te-keuren/{product.id}"))

    assert "Dit product wacht niet (meer) op controle." in html
    assert "Goedkeuren en publiceren" not in html


def test_the_producer_sees_the_reason_in_the_portal_until_submitting_again(client, db, staff, pending):
    client.post(f"/beheer/te-keuren/{pending.id}/afwijzen", data={"reason": "Vermeld hoe lang hij rijpt."})
    producer_user = db.session.scalar(select(User).where(User.email == "boer@hoevereview.be"))
    log_in_as(client, producer_user)

    assert "Vermeld hoe lang hij rijpt." in _text(client.get("/portaal/producten"))
    assert "Vermeld hoe lang hij rijpt." in _text(client.get(f"/portaal/producten/{pending.id}"))

    client.post(f"/portaal/producten/{pending.id}/indienen")

    product = db.session.get(Product, pending.id)
    assert (product.status, product.review_note) == (ProductStatus.PENDING_REVIEW, "")
    assert "Vermeld hoe lang hij rijpt." not in _text(client.get(f"/portaal/producten/{pending.id}"))


def _count_queue_queries(client, db) -> int:
    db.session.expire_all()
    with count_queries(db.engine) as statements:
        assert client.get("/beheer/te-keuren").status_code == 200
    return len(statements)


def test_the_queue_costs_the_same_queries_for_2_or_8_products(client, db, staff):
    for n in range(2):
        make_product(f"Kaas {n}", producer=make_producer(), status=ProductStatus.PENDING_REVIEW,
                     allergens={Allergen.MILK: Presence.CONTAINS})
    db.session.commit()
    few = _count_queue_queries(client, db)
    for n in range(6):
        make_product(f"Boter {n}", producer=make_producer(), status=ProductStatus.PENDING_REVIEW,
                     allergens={Allergen.MILK: Presence.CONTAINS})
    db.session.commit()

    assert _count_queue_queries(client, db) == few
