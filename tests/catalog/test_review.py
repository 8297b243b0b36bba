"""Staff review of new products: approve, reject with a reason, mail the producer, one decision only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product, ProductStatus
from shop.catalog.review import (
    AlreadyReviewed,
    ReasonRequired,
    approve_product,
    list_review_queue,
    reject_product,
    review_recipients,
)
from shop.catalog.services import MissingFoodInformation
from shop.core.audit import AuditEntry
from shop.extensions import db as _db
from shop.listings.product_edit import data_from_product, submit_for_review, update_product
from shop.outbox.models import OutboxMessage
from tests.factories import make_category, make_producer, make_product, make_staff, make_user
from tests.helpers import race


@pytest.fixture
def staff(db):
    return make_staff("kim@groot-vleeshuis.be")


@pytest.fixture
def pending(db):
    producer = make_producer("Hoeve Review", email="info@hoevereview.be")
    make_user("boer@hoevereview.be", role="producer", producer=producer)
    make_user("oud@hoevereview.be", role="producer", producer=producer, active=False)
    cheese = make_category("Geitenkaas", parent=make_category("Zuivel"))
    product = make_product("Geitenkaas", producer=producer, category=cheese, status=ProductStatus.PENDING_REVIEW)
    db.session.commit()
    return product


def _mails(kind: str) -> list[OutboxMessage]:
    return list(_db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                    .order_by(OutboxMessage.to_address)))


def test_review_recipients_are_the_active_users_and_the_producers_own_address(db, pending):
    assert review_recipients(pending.producer) == [("boer@hoevereview.be", "nl"), ("info@hoevereview.be", "nl")]


def test_review_recipients_do_not_repeat_an_address(db):
    producer = make_producer(email="boer@hoeve.be")
    make_user("Boer@hoeve.be", role="producer", producer=producer)

    assert review_recipients(producer) == [("Boer@hoeve.be", "nl")]


def test_approve_publishes_mails_the_producer_and_records_who(db, staff, pending):
    pending.review_note = "oude reden"

    approve_product(pending, by=staff)
    db.session.commit()

    assert (pending.status, pending.review_note) == (ProductStatus.PUBLISHED, "")
    mails = _mails("product_approved")
    assert [m.to_address for m in mails] == ["boer@hoevereview.be", "info@hoevereview.be"]
    assert mails[0].subject == "Geitenkaas staat in de winkel"
    assert "Dag Hoeve Review," in mails[0].body_text
    assert f"/producten/{pending.slug}" in mails[0].body_text
    assert "Geitenkaas" in mails[0].body_html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.approve"))
    assert (entry.by_user_id, entry.subject_type, entry.subject_id) == (staff.id, "product", pending.id)


def test_approve_refuses_missing_food_information_and_the_product_keeps_waiting(db, staff, pending):
    pending.ingredients = ""
    db.session.commit()

    with pytest.raises(MissingFoodInformation) as caught:
        approve_product(pending, by=staff)
    db.session.rollback()

    assert str(caught.value) == "Dit product mist verplichte voedselinformatie: ingrediënten."
    assert db.session.get(Product, pending.id).status == ProductStatus.PENDING_REVIEW
    assert _mails("product_approved") == []


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.PUBLISHED, ProductStatus.ARCHIVED])
def test_only_a_product_waiting_for_review_can_be_approved_or_rejected(db, staff, status):
    product = make_product(status=status)
    db.session.commit()

    with pytest.raises(AlreadyReviewed):
        approve_product(product, by=staff)
    db.session.rollback()
    with pytest.raises(AlreadyReviewed):
        reject_product(product, "De foto is onscherp.", by=staff)
    db.session.rollback()

    assert db.session.get(Product, product.id).status == status


def test_reject_sends_the_product_back_as_draft_with_the_reason(db, staff, pending):
    reject_product(pending, "  De foto toont een ander product.\nGraag een eigen foto.  ", by=staff)
    db.session.commit()

    assert pending.status == ProductStatus.DRAFT
    assert pending.review_note == "De foto toont een ander product.\nGraag een eigen foto."
    mails = _mails("product_rejected")
    assert [m.to_address for m in mails] == ["boer@hoevereview.be", "info@hoevereview.be"]
    assert mails[0].subject == "Geitenkaas is niet goedgekeurd"
    assert "De foto toont een ander product." in mails[0].body_text
    assert f"/portaal/producten/{pending.id}" in mails[0].body_text
    assert "Graag een eigen foto." in mails[0].body_html
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "product.reject")) == \
        "De foto toont een ander product.\nGraag een eigen foto."


@pytest.mark.parametrize("reason", ["", "   ", "kort", "x" * 1001])
def test_reject_needs_a_reason_of_5_to_1000_characters(db, staff, pending, reason):
    with pytest.raises(ReasonRequired):
        reject_product(pending, reason, by=staff)
    db.session.rollback()

    assert db.session.get(Product, pending.id).status == ProductStatus.PENDING_REVIEW
    assert _mails("product_rejected") == []


def test_a_reason_of_exactly_5_and_1000_characters_is_accepted(db, staff):
    first = make_product(status=ProductStatus.PENDING_REVIEW)
    second = make_product(status=ProductStatus.PENDING_REVIEW)

    reject_product(first, "12345", by=staff)
    reject_product(second, "y" * 1000, by=staff)

    assert (len(first.review_note), len(second.review_note)) == (5, 1000)


def test_submitting_again_clears_the_reason(db, staff, pending):
    reject_product(pending, "Vermeld de rijping.", by=staff)
    db.session.commit()

    submit_for_review(pending, by=make_user(role="producer", producer=pending.producer))

    assert (pending.status, pending.review_note) == (ProductStatus.PENDING_REVIEW, "")


def test_an_edit_that_sends_a_rejected_product_back_to_review_clears_the_reason(db, staff, pending):
    reject_product(pending, "Vermeld de rijping.", by=staff)
    db.session.commit()
    data = data_from_product(pending)
    data.description = "Zes weken gerijpt."

    update_product(pending, data, by=make_user(role="producer", producer=pending.producer))

    assert (pending.status, pending.review_note) == (ProductStatus.PENDING_REVIEW, "")


def test_an_edit_that_leaves_a_rejected_product_a_draft_keeps_the_reason(db, staff, pending):
    reject_product(pending, "Vermeld de ingrediënten.", by=staff)
    db.session.commit()
    data = data_from_product(pending)
    data.ingredients = ""

    update_product(pending, data, by=make_user(role="producer", producer=pending.producer))

    assert (pending.status, pending.review_note) == (ProductStatus.DRAFT, "Vermeld de ingrediënten.")


def test_the_queue_lists_waiting_products_the_oldest_first(db):
    now = datetime.now(timezone.utc)
    newer = make_product("Nieuw", status=ProductStatus.PENDING_REVIEW, created_at=now)
    older = make_product("Oud", status=ProductStatus.PENDING_REVIEW, created_at=now - timedelta(days=3))
    make_product("Al gepubliceerd")
    make_product("Ontwerp", status=ProductStatus.DRAFT)
    db.session.commit()

    assert [p.id for p in list_review_queue()] == [older.id, newer.id]


def _race(app, product_id: int, staff_ids: list[int], actions: list[str]) -> list[str]:
    """Each thread approves or rejects the product in its own app context and session; returns outcomes."""
    from shop.accounts.models import User

    def act(staff_id: int, action: str):
        def step() -> str:
            by = _db.session.get(User, staff_id)
            product = _db.session.get(Product, product_id)
            if action == "approve":
                approve_product(product, by=by)
            else:
                reject_product(product, "Twee collega's tegelijk.", by=by)
            return action
        return step

    return race(app, [act(*pair) for pair in zip(staff_ids, actions)], outcomes={AlreadyReviewed: "already"})


@pytest.mark.parametrize("actions", [["approve", "approve"], ["approve", "reject"], ["reject", "reject"]])
def test_two_staff_acting_at_once_decide_once(app, db, pending, actions):
    staff_ids = [make_staff().id, make_staff().id]
    product_id = pending.id
    db.session.commit()

    results = _race(app, product_id, staff_ids, actions)

    assert sorted(results).count("already") == 1, results
    decided = next(r for r in results if r != "already")
    assert decided in actions
    db.session.expire_all()
    status = db.session.scalar(select(Product.status).where(Product.id == product_id))
    assert status == (ProductStatus.PUBLISHED if decided == "approve" else ProductStatus.DRAFT)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2  # one mail to each of two recipients
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("product.%"))) == 1
