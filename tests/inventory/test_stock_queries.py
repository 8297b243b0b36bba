"""Back-office stock reads: the searchable stock list and a product's movement history."""

from __future__ import annotations

from datetime import UTC, datetime

from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.queries import get_stock_history, list_stock
from shop.inventory.services import adjust_stock
from tests.factories import make_producer, make_product, make_staff
from tests.helpers import count_queries


def _names(page) -> list[str]:
    return [product.name for product in page.items]


def test_search_by_product_or_producer_name(db):
    linde = make_producer("Hoeve De Linde")
    make_product("Hoevekaas", producer=linde, stock=10)
    make_product("Boerenboter", producer=linde, stock=10)
    make_product("Oude kaas", stock=10)

    assert _names(list_stock("kaas")) == ["Hoevekaas", "Oude kaas"]
    assert _names(list_stock("linde")) == ["Boerenboter", "Hoevekaas"]
    assert _names(list_stock("LINDE kaas")) == ["Hoevekaas"]
    assert list_stock("niets zoals dit").total == 0


def test_low_and_out_of_stock_filters_lowest_first(db):
    make_product("Veel", stock=50)
    make_product("Vijf", stock=5)
    make_product("Zes", stock=6)
    make_product("Twee", stock=2)
    make_product("Op", stock=0)

    assert _names(list_stock(stock_filter="laag")) == ["Op", "Twee", "Vijf"]
    assert _names(list_stock(stock_filter="op")) == ["Op"]
    assert _names(list_stock()) == ["Op", "Twee", "Veel", "Vijf", "Zes"]


def test_stock_list_pages(db):
    for n in range(7):
        make_product(f"Product {n}", stock=1)

    second = list_stock(page=2, size=3)
    assert (second.total, second.page, second.pages, _names(second)) == (7, 2, 3, ["Product 3", "Product 4", "Product 5"])
    assert list_stock(page=99, size=3).page == 3


def test_stock_list_uses_a_fixed_number_of_queries(db):
    for _ in range(12):
        make_product(stock=3)
    db.session.commit()
    db.session.expire_all()
    with count_queries(db.engine) as statements:
        page = list_stock(size=50)
        for product in page.items:
            _ = product.producer.name
    assert len(statements) == 3


def test_history_newest_first_with_who_and_the_sum(db):
    staff = make_staff("ann@groot-vleeshuis.be")
    product = make_product("Hoevekaas", stock=10)
    adjust_stock(product.id, -3, MovementReason.ORDER)
    adjust_stock(product.id, 2, MovementReason.CORRECTION, by=staff, note="telling")
    movements = db.session.query(StockMovement).filter_by(product_id=product.id).order_by(StockMovement.id).all()
    for minute, movement in enumerate(movements):
        movement.created_at = datetime(2026, 11, 5, 10, minute, tzinfo=UTC)
    db.session.flush()

    history = get_stock_history(product.id)

    assert [(row.movement.delta, row.reason_label, row.movement.note, row.by_email) for row in history.movements.items] == [
        (2, "Correctie door het Groot Vleeshuis", "telling", "ann@groot-vleeshuis.be"),
        (-3, "Bestelling", "", ""),
        (10, "Beginvoorraad", "", ""),
    ]
    assert (history.product.stock, history.movements_sum, history.is_consistent, history.movements.total) == (9, 9, True, 3)


def test_history_pages_by_fifty(db):
    product = make_product(stock=1)
    for _ in range(54):
        adjust_stock(product.id, 1, MovementReason.DELIVERY)

    second = get_stock_history(product.id, page=2)

    assert (second.movements.total, second.movements.pages, len(second.movements.items)) == (55, 2, 5)
    assert second.movements_sum == 55


def test_history_of_an_unknown_product_is_none(db):
    assert get_stock_history(999_999) is None
