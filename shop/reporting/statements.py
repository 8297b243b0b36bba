"""A producer's statement per period: what was sold of its products and what the shop owes it.

Counted: orders paid in the period (shop time, both days inclusive) that are not cancelled and not refunded
in full. Loose lines count at their snapshot total (unit price x quantity); package components at their
share of the package price (``share_cents``, the list-price share) x the number of packages. Amounts are
VAT-inclusive as sold; base and VAT are given per rate. No commission is defined: any commission is
settled separately. A shortage that staff resolved is attributed: the missing units leave the statement of the
producer that could not deliver them and a substitute joins its own producer's statement. Other partial refunds
are not attributed to producers here (staff settle them separately).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product
from shop.core.clock import SHOP_TIMEZONE
from shop.core.money import vat_lines
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderLineComponent, OrderStatus
from shop.supply.models import ShortageReport, ShortageStatus


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
    """The statement of ``producer_id`` for the days ``start``..``end`` (at most five queries)."""
    return collect_statements(start, end, producer_id=producer_id).get(producer_id) or Statement(producer_id, start, end)


def collect_statements(start: date, end: date, *, producer_id: int | None = None) -> dict[int, Statement]:
    """The statements of every producer with sales in ``start``..``end`` (or of one producer), by producer id.

    A fixed number of queries whatever the number of producers. A shortage that staff resolved (substituted
    or refunded) takes the missing units and their value off the producer that could not deliver them; a
    substitution adds the substitute's units and value to the substitute's producer.
    """
    conditions = _counted_orders(start, end)
    loose_query = (
        select(Product.producer_id, OrderLine.product_id, OrderLine.name, OrderLine.vat_rate, OrderLine.quantity,
               OrderLine.total_cents, Order.id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(*conditions)
        .order_by(Order.paid_at, OrderLine.id)
    )
    component_query = (
        select(OrderLineComponent.producer_id, OrderLineComponent.product_id, OrderLineComponent.name,
               OrderLineComponent.vat_rate, OrderLineComponent.quantity, OrderLineComponent.share_cents,
               OrderLine.quantity, Order.id)
        .join(OrderLine, OrderLine.id == OrderLineComponent.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(*conditions)
        .order_by(Order.paid_at, OrderLineComponent.id)
    )
    resolved = (ShortageStatus.SUBSTITUTED, ShortageStatus.REFUNDED)
    shortage_query = (
        select(ShortageReport, OrderLine.vat_rate, Order.id)
        .join(OrderLine, OrderLine.id == ShortageReport.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(ShortageReport.status.in_(resolved), *conditions)
        .order_by(ShortageReport.id)
    )
    if producer_id is not None:
        loose_query = loose_query.where(Product.producer_id == producer_id)
        component_query = component_query.where(OrderLineComponent.producer_id == producer_id)
        shortage_query = shortage_query.where(or_(ShortageReport.producer_id == producer_id,
                                                  ShortageReport.substitute_producer_id == producer_id))

    grouped: dict[int, dict[tuple[int, int], StatementLine]] = defaultdict(dict)
    orders: dict[int, set[int]] = defaultdict(set)

    def add(owner: int, product_id: int, name: str, rate: int, units: int, amount: int, order_id: int,
            rename: bool = True) -> None:
        line = grouped[owner].setdefault((product_id, rate), StatementLine(product_id, name, rate))
        if rename:
            line.name = name  # the latest snapshot name
        line.units += units
        line.amount_cents += amount
        orders[owner].add(order_id)

    for owner, product_id, name, rate, quantity, total, order_id in db.session.execute(loose_query):
        add(owner, product_id, name, rate or 0, quantity, total, order_id)
    component_rates: dict[tuple[int, int], int] = {}
    for owner, product_id, name, rate, per_package, share, packages, order_id in db.session.execute(component_query):
        add(owner, product_id, name, rate, per_package * packages, share * packages, order_id)
        component_rates[(order_id, product_id)] = rate
    for report, line_rate, order_id in db.session.execute(shortage_query.options(selectinload(ShortageReport.product))):
        if producer_id is None or report.producer_id == producer_id:
            rate = line_rate if line_rate is not None else component_rates.get((order_id, report.product_id), 0)
            add(report.producer_id, report.product_id, report.product.name, rate or 0, -report.quantity,
                -report.value_cents, order_id, rename=False)
        if report.status == ShortageStatus.SUBSTITUTED and report.substitute_producer_id is not None and (
                producer_id is None or report.substitute_producer_id == producer_id):
            add(report.substitute_producer_id, report.substitute_product_id, report.substitute_name,
                report.substitute_vat_rate or 0, report.substitute_quantity, report.substitute_value_cents, order_id)

    all_orders = set().union(*orders.values()) if orders else set()
    refunded = set(db.session.scalars(
        select(Order.id).where(Order.id.in_(all_orders), Order.refunded_cents > 0)
    )) if all_orders else set()
    numbers = dict(db.session.execute(select(Order.id, Order.number).where(Order.id.in_(refunded))).all()) if refunded else {}

    statements: dict[int, Statement] = {}
    for owner, by_key in grouped.items():
        lines = sorted((line for line in by_key.values() if line.units or line.amount_cents),
                       key=lambda line: (line.name.lower(), line.vat_rate, line.product_id))
        by_rate: dict[int, int] = defaultdict(int)
        for line in lines:
            by_rate[line.vat_rate] += line.amount_cents
        statements[owner] = Statement(
            producer_id=owner, start=start, end=end, lines=lines, vat_lines=vat_lines(dict(by_rate)),
            total_cents=sum(line.amount_cents for line in lines), order_count=len(orders[owner]),
            partially_refunded=sorted(numbers[order_id] for order_id in orders[owner] & refunded),
        )
    return statements
