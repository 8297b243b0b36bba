"""A producer's statement per period: what was sold of its products and what the shop owes it.

Counted: orders paid in the period (shop time, both days inclusive) that are not cancelled and not refunded
in full. Loose lines count at their snapshot total (unit price x quantity); package components at their
share of the package price (``share_cents``, the list-price share) x the number of packages. Amounts are
VAT-inclusive as sold; base and VAT are given per rate. No commission is defined: any commission is
settled separately. Partial refunds are not attributed to producers here (staff settle them separately).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from shop.catalog.models import Product
from shop.core.clock import SHOP_TIMEZONE
from shop.core.money import vat_lines
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderLineComponent, OrderStatus


@dataclass
class StatementLine:
    product_id: int
    name: str
    vat_rate: int
    units: int = 0
    amount_cents: int = 0


@dataclass
class Statement:
    producer_id: int
    start: date
    end: date
    lines: list[StatementLine] = field(default_factory=list)
    vat_lines: list[dict[str, int]] = field(default_factory=list)
    total_cents: int = 0
    order_count: int = 0
    # Counted orders with a partial refund: not attributed to producers here, settled separately.
    partially_refunded: list[str] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in shop time, as aware UTC datetimes (SQLite compares the stored
    UTC text, so the bounds must be UTC too)."""
    return (datetime.combine(start, time(0), tzinfo=SHOP_TIMEZONE).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=SHOP_TIMEZONE).astimezone(UTC))


def last_month(today: date) -> tuple[date, date]:
    first_this_month = today.replace(day=1)
    last_day = first_this_month - timedelta(days=1)
    return last_day.replace(day=1), last_day


def month_periods(today: date, count: int = 12) -> list[tuple[date, date]]:
    """The last ``count`` whole months before this one, plus this month so far, newest first."""
    periods = []
    first = today.replace(day=1)
    periods.append((first, today))
    for _ in range(count):
        end = first - timedelta(days=1)
        first = end.replace(day=1)
        periods.append((first, end))
    return periods


def _counted_orders(start: date, end: date):
    since, until = period_bounds(start, end)
    return (
        Order.paid_at.is_not(None),
        Order.paid_at >= since,
        Order.paid_at < until,
        Order.status != OrderStatus.CANCELLED,
        Order.refunded_cents < Order.total_cents,
    )


def build_statement(producer_id: int, start: date, end: date) -> Statement:
    """The statement of ``producer_id`` for the days ``start``..``end`` (at most three queries)."""
    conditions = _counted_orders(start, end)
    loose = db.session.execute(
        select(OrderLine.product_id, OrderLine.name, OrderLine.vat_rate, OrderLine.quantity, OrderLine.total_cents,
               Order.id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Product.producer_id == producer_id, *conditions)
        .order_by(Order.paid_at, OrderLine.id)
    ).all()
    components = db.session.execute(
        select(OrderLineComponent.product_id, OrderLineComponent.name, OrderLineComponent.vat_rate,
               OrderLineComponent.quantity, OrderLineComponent.share_cents, OrderLine.quantity, Order.id)
        .join(OrderLine, OrderLine.id == OrderLineComponent.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLineComponent.producer_id == producer_id, *conditions)
        .order_by(Order.paid_at, OrderLineComponent.id)
    ).all()
    grouped: dict[tuple[int, int], StatementLine] = {}
    orders: set[int] = set()
    for product_id, name, rate, quantity, total, order_id in loose:
        line = grouped.setdefault((product_id, rate or 0), StatementLine(product_id, name, rate or 0))
        line.name = name  # the latest snapshot name
        line.units += quantity
        line.amount_cents += total
        orders.add(order_id)
    for product_id, name, rate, per_package, share, packages, order_id in components:
        line = grouped.setdefault((product_id, rate), StatementLine(product_id, name, rate))
        line.name = name
        line.units += per_package * packages
        line.amount_cents += share * packages
        orders.add(order_id)
    partially_refunded = list(db.session.scalars(
        select(Order.number).where(Order.id.in_(orders), Order.refunded_cents > 0).order_by(Order.number)
    )) if orders else []
    lines = sorted(grouped.values(), key=lambda line: (line.name.lower(), line.vat_rate, line.product_id))
    by_rate: dict[int, int] = defaultdict(int)
    for line in lines:
        by_rate[line.vat_rate] += line.amount_cents
    return Statement(
        producer_id=producer_id, start=start, end=end, lines=lines, vat_lines=vat_lines(dict(by_rate)),
        total_cents=sum(line.amount_cents for line in lines), order_count=len(orders),
        partially_refunded=partially_refunded,
    )
