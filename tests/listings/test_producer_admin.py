"""Producers as admins manage them: create, edit, deactivate/activate, invite users; the list with counts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.accounts.models import Role, User
from shop.cart.services import add_item, get_or_create_cart
from shop.catalog.models import Producer, Product, ProductStatus
from shop.catalog.producer_profile import ProfileError
from shop.catalog.producer_queries import get_producer_of
from shop.core.audit import AuditEntry
from shop.core.errors import DomainError
from shop.listings.producer_admin import (
    ProducerData,
    ProducerStateError,
    activate_producer,
    create_producer,
    deactivate_producer,
    invite_user_for_producer,
    list_producers,
    unique_producer_slug,
    update_producer,
)
from shop.orders.models import OrderStatus
from shop.outbox.models import OutboxMessage
from shop.packages.services import is_available
from tests.factories import (
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
from tests.helpers import count_queries


@pytest.fixture
def admin(db):
    return make_staff("beheer@voorbeeld.be", role="admin")


@pytest.fixture
def deinze(db):
    municipality = make_municipality("Deinze", slug="deinze", main_postcode="9800")
    return make_locality("9800", "Deinze", municipality=municipality)


def _data(**overrides) -> ProducerData:
    fields = dict(name="Hoeve De Leie", street="Leiestraat 4", postcode="9800", story="Melkvee en kaas.",
                  email="info@hoevedeleie.be", phone="09 386 12 34", website="https://hoevedeleie.be")
    fields.update(overrides)
    return ProducerData(**fields)


def test_create_producer_takes_place_and_coordinates_from_the_postcode(db, admin, deinze):
    bio = make_label("bio", "Bio")

    producer = create_producer(_data(label_ids=[bio.id]), by=admin)

    assert producer.id is not None
    assert producer.slug == "hoeve-de-leie"
    assert producer.active is True
    assert (producer.postcode, producer.locality_id, producer.municipality_id) == ("9800", deinze.id,
                                                                                    deinze.municipality_id)
    assert (producer.latitude, producer.longitude) == (deinze.latitude, deinze.longitude)
    assert [label.slug for label in producer.labels] == ["bio"]
    assert (producer.email, producer.phone, producer.website) == ("info@hoevedeleie.be", "09 386 12 34",
                                                                  "https://hoevedeleie.be")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "producer.create"))
    assert (entry.by_user_id, entry.subject_id, entry.detail) == (admin.id, producer.id, "Hoeve De Leie")


def test_a_second_producer_with_the_same_name_gets_a_numbered_slug(db, admin, deinze):
    first = create_producer(_data(), by=admin)
    second = create_producer(_data(), by=admin)

    assert (first.slug, second.slug) == ("hoeve-de-leie", "hoeve-de-leie-2")
    assert unique_producer_slug("Hoeve  De Leië!") == "hoeve-de-leie-3"


@pytest.mark.parametrize("overrides, field", [
    ({"postcode": "1000"}, "postcode"),
    ({"postcode": "98"}, "postcode"),
    ({"name": "  "}, "name"),
    ({"name": "x" * 161}, "name"),
    ({"street": ""}, "street"),
    ({"email": "geen-adres"}, "email"),
    ({"website": "hoevedeleie.be"}, "website"),
    ({"label_ids": [999999]}, "labels"),
])
def test_create_producer_refuses_bad_input_and_adds_nothing(db, admin, deinze, overrides, field):
    with pytest.raises(ProfileError) as caught:
        create_producer(_data(**overrides), by=admin)
    db.session.rollback()

    assert caught.value.field == field
    assert db.session.scalar(select(func.count(Producer.id))) == 0


def test_update_producer_renames_keeps_the_slug_and_refreshes_product_search(db, admin, deinze):
    producer = create_producer(_data(), by=admin)
    producer.translations = {"fr": {"story": "Vaches et fromage."}}
    product = make_product("Leiekaas", producer=producer)
    db.session.commit()

    changed = update_producer(producer, _data(name="Kaasboerderij Leiedal"), by=admin)
    db.session.commit()

    assert changed == ["naam"]
    assert producer.slug == "hoeve-de-leie"
    assert " leiedal " in db.session.get(Product, product.id).search_text
    assert producer.translations["fr"]["story"] == "Vaches et fromage."
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "producer.update"))
    assert entry.detail == "naam"


def test_update_producer_moves_it_to_the_new_locality(db, admin, deinze):
    producer = create_producer(_data(), by=admin)
    eeklo = make_locality("9900", "Eeklo", municipality=make_municipality("Eeklo", slug="eeklo"))

    changed = update_producer(producer, _data(postcode="9900"), by=admin)

    assert "postcode" in changed and "gemeente" in changed
    assert (producer.locality_id, producer.municipality_id) == (eeklo.id, eeklo.municipality_id)


def test_deactivating_takes_products_and_packages_out_but_keeps_their_status(db, admin):
    producer = make_producer("Hoeve Uit")
    cheese = make_product("Kaas", producer=producer, stock=5)
    other = make_product("Honing", stock=5)
    package = make_package([(cheese, 1), (other, 1)], name="Kaaspakket")
    db.session.commit()

    packages = deactivate_producer(producer, by=admin)
    db.session.commit()

    assert producer.active is False
    assert [p.name for p in packages] == ["Kaaspakket"]
    assert cheese.status == ProductStatus.PUBLISHED
    assert cheese.is_orderable is False
    assert is_available(package) is False
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "producer.deactivate"))
    assert (entry.subject_type, entry.subject_id) == ("producer", producer.id)


def test_a_deactivated_producers_product_cannot_be_put_in_a_cart(db, admin):
    producer = make_producer()
    cheese = make_product("Kaas", producer=producer, stock=5)
    deactivate_producer(producer, by=admin)
    db.session.commit()

    with pytest.raises(DomainError):
        add_item(get_or_create_cart(None), product_id=cheese.id, quantity=1)


def test_deactivating_leaves_a_paid_order_and_its_line_as_they_are(db, admin):
    producer = make_producer()
    cheese = make_product("Kaas", producer=producer, price_cents=800, stock=5)
    order = make_paid_order((cheese, 2))
    db.session.commit()

    deactivate_producer(producer, by=admin)
    db.session.commit()
    db.session.expire_all()

    assert order.status == OrderStatus.PAID
    assert [(line.name, line.quantity, line.unit_price_cents) for line in order.lines] == [("Kaas", 2, 800)]
    assert db.session.get(Product, cheese.id).stock == 3


def test_deactivating_twice_is_refused_and_activating_brings_it_back(db, admin):
    producer = make_producer()
    deactivate_producer(producer, by=admin)
    db.session.commit()

    with pytest.raises(ProducerStateError):
        deactivate_producer(producer, by=admin)
    db.session.rollback()
    activate_producer(producer, by=admin)
    db.session.commit()

    assert producer.active is True
    with pytest.raises(ProducerStateError):
        activate_producer(producer, by=admin)


def test_producer_users_keep_their_accounts_when_the_producer_is_deactivated(db, admin):
    user = make_user(role="producer")
    deactivate_producer(get_producer_of(user), by=admin)
    db.session.commit()

    assert db.session.get(User, user.id).active is True


def test_invite_user_for_producer_creates_a_producer_user_and_queues_the_invitation(db, admin):
    producer = make_producer("Hoeve Uitnodiging")

    user = invite_user_for_producer("  Boer@Hoeve.be ", producer, by=admin)
    db.session.commit()

    assert (user.email, user.role, user.producer_id, user.password_hash) == ("boer@hoeve.be", Role.PRODUCER,
                                                                             producer.id, None)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account_invitation"))
    assert message.to_address == "boer@hoeve.be"
    assert "Hoeve Uitnodiging" in message.body_text
    assert db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action.like("%invite%"))).all() == [
        "boer@hoeve.be (producer: Hoeve Uitnodiging)"]


@pytest.mark.parametrize("email", ["", "boer", "boer@hoeve", "a b@hoeve.be"])
def test_invite_user_for_producer_refuses_an_address_that_is_none(db, admin, email):
    with pytest.raises(ProfileError):
        invite_user_for_producer(email, make_producer(), by=admin)


def test_invite_user_for_an_inactive_producer_is_refused(db, admin):
    producer = make_producer(active=False)

    with pytest.raises(ProducerStateError):
        invite_user_for_producer("boer@hoeve.be", producer, by=admin)
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.PRODUCER)) == 0


def test_list_producers_searches_filters_and_counts(db):
    gent = make_municipality("Gent", slug="gent")
    eeklo = make_municipality("Eeklo", slug="eeklo-x")
    hoeve = make_producer("Hoeve Ter Beke", municipality=gent)
    make_product(producer=hoeve)
    make_product(producer=hoeve, status=ProductStatus.PENDING_REVIEW)
    make_product(producer=hoeve, status=ProductStatus.ARCHIVED)
    make_user(role="producer", producer=hoeve)
    make_producer("Brouwerij Eeklo", municipality=eeklo)
    make_producer("Slapende Hoeve", municipality=gent, active=False)
    db.session.commit()

    listing = list_producers("gent")
    assert [(r.producer.name, r.products, r.published, r.pending, r.users) for r in listing.rows] == [
        ("Hoeve Ter Beke", 2, 1, 1, 1), ("Slapende Hoeve", 0, 0, 0, 0)]
    assert [r.producer.name for r in list_producers("HOEVE", active=False).rows] == ["Slapende Hoeve"]
    assert [r.producer.name for r in list_producers("", active=True).rows] == ["Brouwerij Eeklo", "Hoeve Ter Beke"]
    assert list_producers("100%").total == 0


def test_list_producers_pages_with_a_fixed_number_of_queries(db):
    for n in range(30):
        producer = make_producer(f"Hoeve {n:02d}")
        make_product(producer=producer)
    db.session.commit()

    db.session.expire_all()
    with count_queries(db.engine) as statements:
        listing = list_producers(page=2, per_page=25)
        names = [(row.producer.name, row.producer.place_name, row.products) for row in listing.rows]

    assert (listing.total, listing.page, listing.pages) == (30, 2, 2)
    assert names[0] == ("Hoeve 25", "Eeklo", 1)
    assert len(statements) == 4
