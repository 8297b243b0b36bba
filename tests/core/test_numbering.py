"""Order numbers: LOV-<year>-<six digits>, from a counter row created on first use."""

from __future__ import annotations

from sqlalchemy import select

from shop.core.numbering import Counter, format_order_number, next_order_number, next_value


def test_first_number_creates_the_counter(db):
    assert next_order_number(2026) == "LOV-2026-000001"
    assert db.session.scalar(select(Counter.value).where(Counter.name == "order-2026")) == 1


def test_numbers_count_on_per_year(db):
    db.session.add(Counter(name="order-2026", value=122))
    db.session.flush()
    assert next_order_number(2026) == "LOV-2026-000123"
    assert next_order_number(2027) == "LOV-2027-000001"
    assert next_order_number(2026) == "LOV-2026-000124"


def test_rolled_back_number_is_given_back(db):
    assert next_value("order-2030") == 1
    db.session.commit()
    assert next_value("order-2030") == 2
    db.session.rollback()
    assert next_value("order-2030") == 2


def test_format():
    assert format_order_number(2026, 123) == "LOV-2026-000123"
