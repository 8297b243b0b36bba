"""A staff correction of stock: one CORRECTION movement with the reason, recorded with who; bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.core.audit import AuditEntry
from shop.inventory.models import StockMovement
from shop.inventory.services import InvalidStock, StockChanged, correct_stock, get_stock_from_movements
from tests.factories import make_product, make_staff


def _movements(product_id):
    return [(m.delta, m.reason.value, m.note, m.by_user_id) for m in
            select_movements(product_id)]


def select_movements(product_id):
    from shop.extensions import db

    return db.session.scalars(select(StockMovement).where(StockMovement.product_id == product_id).order_by(StockMovement.id))


def test_correction_sets_the_stock_and_records_a_movement(db):
    staff = make_staff()
    product = make_product("Hoevekaas", stock=10)

    delta = correct_stock(product, 7, by=staff, reason="  3 potten gebroken  ", expected_stock=10)

    assert (delta, product.stock, get_stock_from_movements(product.id)) == (-3, 7, 7)
    assert _movements(product.id) == [(10, "initial", "", None), (-3, "correction", "3 potten gebroken", staff.id)]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "stock.correct")).one()
    assert (entry.by_user_id, entry.subject_type, entry.subject_id, entry.detail) == (
        staff.id, "product", product.id, "10 → 7: 3 potten gebroken")


def test_correction_upwards(db):
    product = make_product(stock=0)
    assert correct_stock(product, 99_999, by=make_staff(), reason="levering geteld") == 99_999
    assert product.stock == 99_999


def test_correction_to_the_same_figure_changes_nothing(db):
    product = make_product(stock=4)
    assert correct_stock(product, 4, by=make_staff(), reason="nageteld") == 0
    assert len(_movements(product.id)) == 1
    assert db.session.scalar(select(AuditEntry.id)) is None


@pytest.mark.parametrize(("new", "reason", "message"), [
    (5, "", "Geef een reden van 3 tot 300 tekens."),
    (5, "  ab  ", "Geef een reden van 3 tot 300 tekens."),
    (5, "x" * 301, "Geef een reden van 3 tot 300 tekens."),
    (-1, "telling", "De voorraad moet tussen 0 en 99999 liggen."),
    (100_000, "telling", "De voorraad moet tussen 0 en 99999 liggen."),
])
def test_bad_corrections_are_refused(db, new, reason, message):
    product = make_product(stock=10)
    with pytest.raises(InvalidStock) as error:
        correct_stock(product, new, by=make_staff(), reason=reason)
    assert str(error.value) == message
    assert (product.stock, len(_movements(product.id))) == (10, 1)


def test_a_sale_since_the_page_was_read_is_not_overwritten(db):
    product = make_product(stock=10)
    with pytest.raises(StockChanged):
        correct_stock(product, 6, by=make_staff(), reason="telling", expected_stock=11)
    assert product.stock == 10
