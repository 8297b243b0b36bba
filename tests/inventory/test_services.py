import pytest
from sqlalchemy import select

from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import (
    InvalidStock,
    OutOfStock,
    adjust_stock,
    get_stock_from_movements,
    set_stock,
    take_stock,
)
from tests.factories import make_product


def test_adjust_stock_records_a_movement_and_keeps_the_sum(db):
    product = make_product(stock=5)
    adjust_stock(product.id, -2, MovementReason.ORDER, note="LOV-1")
    db.session.commit()
    assert product.stock == 3
    assert get_stock_from_movements(product.id) == 3
    reasons = db.session.scalars(select(StockMovement.reason).where(StockMovement.product_id == product.id)).all()
    assert sorted(reasons) == sorted([MovementReason.INITIAL, MovementReason.ORDER])


def test_taking_more_than_the_stock_raises_and_changes_nothing(db):
    product = make_product(stock=2)
    db.session.commit()
    with pytest.raises(OutOfStock):
        adjust_stock(product.id, -3, MovementReason.ORDER)
    db.session.rollback()
    assert product.stock == 2
    assert get_stock_from_movements(product.id) == 2


def test_take_stock_is_all_or_nothing_when_the_caller_rolls_back(db):
    first = make_product(stock=5)
    second = make_product(stock=1)
    db.session.commit()
    with pytest.raises(OutOfStock) as raised:
        take_stock({first.id: 2, second.id: 2}, MovementReason.ORDER)
    assert raised.value.product_id == second.id
    db.session.rollback()
    assert (first.stock, second.stock) == (5, 1)


def test_take_stock_takes_every_product_with_one_movement_each_noted_as_the_caller_says(db):
    first, second, untouched = make_product(stock=5), make_product(stock=3), make_product(stock=4)
    db.session.commit()

    movements = take_stock({second.id: 3, first.id: 2, untouched.id: 0}, MovementReason.ORDER)
    for movement in movements:
        movement.note = "LOV-2026-000007"  # the order's number, known only after the stock is taken
    db.session.commit()

    assert (first.stock, second.stock, untouched.stock) == (3, 0, 4)  # the session's products read the new stock
    rows = db.session.execute(select(StockMovement.product_id, StockMovement.delta, StockMovement.note)
                              .where(StockMovement.reason == MovementReason.ORDER)
                              .order_by(StockMovement.product_id)).all()
    assert [tuple(row) for row in rows] == [(first.id, -2, "LOV-2026-000007"), (second.id, -3, "LOV-2026-000007")]
    assert [get_stock_from_movements(p.id) for p in (first, second, untouched)] == [3, 0, 4]


def test_take_stock_names_the_first_product_short_in_product_id_order(db):
    first, second, third = make_product(stock=1), make_product(stock=1), make_product(stock=9)
    db.session.commit()
    with pytest.raises(OutOfStock) as raised:
        take_stock({third.id: 2, second.id: 2, first.id: 2}, MovementReason.ORDER)
    assert (raised.value.product_id, raised.value.wanted) == (first.id, 2)
    db.session.rollback()
    assert (first.stock, second.stock, third.stock) == (1, 1, 9)


def test_set_stock_writes_the_difference_as_one_movement(db):
    product = make_product(stock=4)
    set_stock(product, 10, MovementReason.PRODUCER_EDIT)
    set_stock(product, 10, MovementReason.PRODUCER_EDIT)  # no change, no movement
    db.session.commit()
    deltas = db.session.scalars(
        select(StockMovement.delta).where(StockMovement.product_id == product.id).order_by(StockMovement.id)
    ).all()
    assert deltas == [4, 6]
    assert product.stock == 10


def test_set_stock_refuses_negative_figures(db):
    product = make_product(stock=4)
    with pytest.raises(InvalidStock):
        set_stock(product, -1, MovementReason.CORRECTION)
    assert product.stock == 4


def test_the_database_itself_refuses_a_negative_stock(db):
    """Whatever code runs, the database's CHECK keeps stock at zero or more (on SQLite and PostgreSQL)."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from shop.catalog.models import Product
    from tests.factories import make_product

    cheese = make_product(stock=1)
    db.session.commit()

    with pytest.raises(IntegrityError):
        db.session.execute(update(Product).where(Product.id == cheese.id).values(stock=Product.stock - 2))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Product, cheese.id).stock == 1
