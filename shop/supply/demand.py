"""What the shop needs from one producer: demand from open orders, and what it sold this month.

Reads only, with a fixed number of queries whatever the number of orders. The demand is the producer's open
needs (shop.supply.needs, through ``list_open_demand``) per day and product; the sales are summed in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.core.clock import SHOP_TIMEZONE, shop_today
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderLineComponent, OrderStatus
from shop.supply.producer_lists import list_open_demand


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
    """Units of each of the producer's products that open orders (paid, in preparation) still need, by day.

    The per-line figures of ``list_open_demand`` (the rule of shop.supply.needs: loose units, package
    components x packages, less the units reported short, plus this producer's substitutes), added up per
    day and product; a substitute counts as loose or in packages with the line it went into. Products with
    nothing left to deliver are left out. Days are the shipments' scheduled dates, earliest first; lines
    without a date come first ("zo snel mogelijk").
    """
    totals: dict[tuple[date | None, int], list] = {}
    for item in list_open_demand(producer_id):
        if item.to_deliver <= 0:
            continue
        entry = totals.setdefault((item.day, item.product_id), [item.product_name, item.unit, 0, 0])
        entry[2 if item.package_name is None else 3] += item.to_deliver

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
