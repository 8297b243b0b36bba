"""What the shop needs from one producer: demand from open orders, and what it sold this month.

Reads only, with a fixed number of queries whatever the number of orders (two for the demand, two for the
sales): loose order lines and package components are summed in SQL, then merged here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.core.clock import SHOP_TIMEZONE, shop_today
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderLineComponent, OrderStatus, Shipment

# Orders whose goods the producer still has to supply: paid, and being prepared at the Groot Vleeshuis.
OPEN_STATUSES = (OrderStatus.PAID, OrderStatus.IN_PREPARATION)


@dataclass(frozen=True)
class DemandItem:
    product_id: int
    name: str
    unit: str
    quantity: int
    loose: int  # of which sold as such
    in_packages: int  # of which inside gift packages


@dataclass
class DemandDay:
    """The units needed by one day; ``day`` None means "as soon as possible" (no day chosen)."""

    day: date | None
    items: list[DemandItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(item.quantity for item in self.items)


@dataclass(frozen=True)
class SalesSummary:
    units: int
    revenue_cents: int  # incl. VAT: loose lines' totals plus package components' shares


def get_demand(producer_id: int) -> list[DemandDay]:
    """Units of each of the producer's products that open orders (paid, in preparation) need, by day.

    Loose lines count their quantity; package components count component quantity x line quantity. Days are
    the shipments' scheduled dates, earliest first; lines without a date come first ("zo snel mogelijk").
    """
    day = Shipment.scheduled_date
    loose = db.session.execute(
        select(day, Product.id, Product.name, Product.unit, func.sum(OrderLine.quantity))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(Shipment, Shipment.id == OrderLine.shipment_id)
        .where(Product.producer_id == producer_id, Order.status.in_(OPEN_STATUSES))
        .group_by(day, Product.id, Product.name, Product.unit)
    ).all()
    packed = db.session.execute(
        select(day, Product.id, Product.name, Product.unit, func.sum(OrderLineComponent.quantity * OrderLine.quantity))
        .select_from(OrderLineComponent)
        .join(OrderLine, OrderLine.id == OrderLineComponent.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLineComponent.product_id)
        .outerjoin(Shipment, Shipment.id == OrderLine.shipment_id)
        .where(OrderLineComponent.producer_id == producer_id, Order.status.in_(OPEN_STATUSES))
        .group_by(day, Product.id, Product.name, Product.unit)
    ).all()

    totals: dict[tuple[date | None, int], list] = {}
    for rows, index in ((loose, 0), (packed, 1)):
        for when, product_id, name, unit, quantity in rows:
            entry = totals.setdefault((when, product_id), [name, unit, 0, 0])
            entry[2 + index] += int(quantity or 0)

    by_day: dict[date | None, list[DemandItem]] = defaultdict(list)
    for (when, product_id), (name, unit, n_loose, n_packed) in totals.items():
        by_day[when].append(DemandItem(product_id, name, unit, n_loose + n_packed, n_loose, n_packed))
    days = sorted(by_day, key=lambda d: (d is not None, d or date.min))
    return [DemandDay(d, sorted(by_day[d], key=lambda item: (item.name.lower(), item.product_id))) for d in days]


def month_bounds(today: date) -> tuple[datetime, datetime]:
    """The calendar month of ``today`` in Belgium, as aware datetimes [start, end)."""
    start = date(today.year, today.month, 1)
    end = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return (datetime.combine(start, time.min, SHOP_TIMEZONE), datetime.combine(end, time.min, SHOP_TIMEZONE))


def get_sales_this_month(producer_id: int, today: date | None = None) -> SalesSummary:
    """Units and revenue (incl. VAT) of the producer's goods in orders paid this month and not cancelled.

    Loose lines count their total; package components count their share of one package x the line quantity.
    """
    start, end = month_bounds(today or shop_today())
    paid_this_month = (
        Order.paid_at.is_not(None), Order.paid_at >= start, Order.paid_at < end, Order.status != OrderStatus.CANCELLED,
    )
    loose = db.session.execute(
        select(func.sum(OrderLine.quantity), func.sum(OrderLine.total_cents))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Product.producer_id == producer_id, *paid_this_month)
    ).one()
    packed = db.session.execute(
        select(
            func.sum(OrderLineComponent.quantity * OrderLine.quantity),
            func.sum(OrderLineComponent.share_cents * OrderLine.quantity),
        )
        .select_from(OrderLineComponent)
        .join(OrderLine, OrderLine.id == OrderLineComponent.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLineComponent.producer_id == producer_id, *paid_this_month)
    ).one()
    return SalesSummary(
        units=int(loose[0] or 0) + int(packed[0] or 0),
        revenue_cents=int(loose[1] or 0) + int(packed[1] or 0),
    )
