"""What the back office's dashboard shows: reads only, a fixed number of queries whatever the shop's size.

- ``get_dashboard(today)`` gathers it all (eight queries):
  orders per status, orders needing attention, today's pickups and deliveries, low-stock products (those in
  active packages first), active packages about to become unavailable, the review queue and open shortages,
  and the revenue of the last 30 days per day (for the chart, see shop.reporting.sales_chart).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from shop.catalog.models import Product, ProductStatus
from shop.core.clock import shop_day
from shop.extensions import db
from shop.orders.models import DeliveryMethod, Order, OrderStatus, Shipment
from shop.packages.models import Package, PackageComponent
from shop.packages.services import available_quantity
from shop.reporting.sales_chart import SalesChart, build_sales_chart
from shop.reporting.statements import period_bounds
from shop.supply.models import ShortageReport, ShortageStatus

LOW_STOCK = 5  # a published product with this many units or fewer is low
LOW_STOCK_SHOWN = 30
PACKAGE_LOW = 3  # an active package that can be sold this many times or fewer is about to become unavailable
ATTENTION_SHOWN = 50
SALES_DAYS = 30

# The statuses in which an order scheduled for today still has to be handed over or is on its way.
TODAY_STATUSES = (OrderStatus.PAID, OrderStatus.IN_PREPARATION, OrderStatus.READY_FOR_PICKUP, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class LowStockProduct:
    product: Product
    in_active_package: bool


@dataclass(frozen=True)
class PackageAvailability:
    package: Package
    available: int  # 0: unavailable now


@dataclass
class Dashboard:
    today: date
    status_counts: list[tuple[OrderStatus, int]]
    attention: list[Order]
    pickups: list[Order]
    deliveries: list[Order]
    low_stock: list[LowStockProduct]
    low_stock_total: int
    packages_running_out: list[PackageAvailability]
    review_count: int
    open_shortage_count: int
    sales: list[tuple[date, int, int]] = field(default_factory=list)  # (day, revenue cents, orders)
    chart: SalesChart | None = None

    @property
    def order_total(self) -> int:
        return sum(count for _, count in self.status_counts)


def count_orders_by_status() -> list[tuple[OrderStatus, int]]:
    """Every status in lifecycle order with its number of orders (0 included). One query."""
    counts = dict(db.session.execute(select(Order.status, func.count(Order.id)).group_by(Order.status)).all())
    return [(status, counts.get(status, 0)) for status in OrderStatus]


def list_orders_needing_attention(limit: int = ATTENTION_SHOWN) -> list[Order]:
    """Orders flagged for a person (``Order.needs_attention``), oldest first. One query."""
    return list(db.session.scalars(
        select(Order).where(Order.needs_attention.is_(True)).order_by(Order.placed_at, Order.id).limit(limit)
    ))


def list_todays_shipments(today: date) -> tuple[list[Order], list[Order]]:
    """(pickups, deliveries) scheduled for ``today`` that are paid and not yet completed, by number. One query."""
    orders = db.session.scalars(
        select(Order)
        .join(Order.shipments)
        .where(Shipment.scheduled_date == today, Order.status.in_(TODAY_STATUSES))
        .options(contains_eager(Order.shipments))
        .order_by(Order.number, Shipment.id)
    ).unique().all()
    pickups = [order for order in orders if order.shipment.method == DeliveryMethod.PICKUP]
    deliveries = [order for order in orders if order.shipment.method == DeliveryMethod.DELIVERY]
    return pickups, deliveries


def _in_active_package():
    return exists(
        select(PackageComponent.id)
        .join(Package, Package.id == PackageComponent.package_id)
        .where(PackageComponent.product_id == Product.id, Package.active.is_(True))
    )


def list_low_stock_products(limit: int = LOW_STOCK_SHOWN) -> list[LowStockProduct]:
    """Published products with at most LOW_STOCK units: those in an active package first, then the scarcest.

    One query (the producer joined).
    """
    in_package = _in_active_package().label("in_active_package")
    rows = db.session.execute(
        select(Product, in_package)
        .where(Product.status == ProductStatus.PUBLISHED, Product.stock <= LOW_STOCK)
        .options(joinedload(Product.producer))
        .order_by(in_package.desc(), Product.stock, Product.name, Product.id)
        .limit(limit)
    ).all()
    return [LowStockProduct(product, bool(flag)) for product, flag in rows]


def list_packages_running_out(threshold: int = PACKAGE_LOW) -> list[PackageAvailability]:
    """Active packages that can be sold ``threshold`` times or fewer (0 = unavailable now), scarcest first.

    Two queries: the packages, then their components with product and producer.
    """
    packages = db.session.scalars(
        select(Package)
        .where(Package.active.is_(True))
        .options(selectinload(Package.components).joinedload(PackageComponent.product).joinedload(Product.producer))
        .order_by(Package.name, Package.id)
    ).all()
    running_out = [PackageAvailability(package, available_quantity(package)) for package in packages]
    running_out = [row for row in running_out if row.available <= threshold]
    return sorted(running_out, key=lambda row: (row.available, row.package.name.lower(), row.package.id))


def count_queues() -> tuple[int, int, int]:
    """(products waiting for review, open shortage reports, low-stock products), in one query."""
    review = select(func.count(Product.id)).where(Product.status == ProductStatus.PENDING_REVIEW).scalar_subquery()
    shortages = select(func.count(ShortageReport.id)).where(
        ShortageReport.status == ShortageStatus.OPEN).scalar_subquery()
    low = select(func.count(Product.id)).where(
        Product.status == ProductStatus.PUBLISHED, Product.stock <= LOW_STOCK).scalar_subquery()
    row = db.session.execute(select(review, shortages, low)).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)




def daily_sales(today: date, days: int = SALES_DAYS) -> list[tuple[date, int, int]]:
    """(day, revenue in cents, number of orders) for each of the ``days`` days up to ``today``, oldest first.

    Revenue: the total (goods and delivery, VAT included) of the orders paid that day in shop time that are
    not cancelled, less what was refunded on them. One query; the days are grouped here, in shop time.
    """
    first = today - timedelta(days=days - 1)
    since, until = period_bounds(first, today)
    rows = db.session.execute(
        select(Order.paid_at, Order.total_cents, Order.refunded_cents).where(
            Order.paid_at.is_not(None), Order.paid_at >= since, Order.paid_at < until,
            Order.status != OrderStatus.CANCELLED,
        )
    ).all()
    revenue: dict[date, int] = defaultdict(int)
    orders: dict[date, int] = defaultdict(int)
    for paid_at, total, refunded in rows:
        day = shop_day(paid_at)
        revenue[day] += total - (refunded or 0)
        orders[day] += 1
    return [(first + timedelta(days=i), revenue[first + timedelta(days=i)], orders[first + timedelta(days=i)])
            for i in range(days)]


def get_dashboard(today: date) -> Dashboard:
    """Everything the dashboard shows for ``today`` (shop time), in eight queries."""
    pickups, deliveries = list_todays_shipments(today)
    review_count, shortage_count, low_total = count_queues()
    sales = daily_sales(today)
    return Dashboard(
        today=today,
        status_counts=count_orders_by_status(),
        attention=list_orders_needing_attention(),
        pickups=pickups,
        deliveries=deliveries,
        low_stock=list_low_stock_products(),
        low_stock_total=low_total,
        packages_running_out=list_packages_running_out(),
        review_count=review_count,
        open_shortage_count=shortage_count,
        sales=sales,
        chart=build_sales_chart(sales),
    )
