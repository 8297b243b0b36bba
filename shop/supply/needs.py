"""What is still needed from the producers for open orders: the one rule, per order line and product.

Open orders are those paid or being prepared (``OPEN_STATUSES``, the orders to fulfil of shop.orders.queries).
The needs come from their order lines as sold (loose products, and package components times the number of
packages), corrected by the shortage reports of those lines:

- substituted: the missing units of the original product are not needed, the substitute's units are;
- refunded: the missing units are not needed;
- open (not yet handled): the units are not counted either (the producer said it cannot deliver them), but
  they are shown as "open shortage" so that staff see something is still to be decided;
- withdrawn: ignored.

A need belongs to the producer of its product (the substitute's product for a substitute). Every reader builds
on ``collect_needs`` (for orders it has loaded) or ``list_open_needs`` (open orders, for one producer or all, in
a period of scheduled days or not): the portal's demand (shop.supply.demand), the weekly order lists and the
portal's week page (shop.supply.producer_lists), the purchase lists (shop.supply.purchase_lists), the pick list
and packing slips (shop.fulfilment). Each reader chooses only its window (all open orders, the delivery week of
a cut-off, a period of days, the orders of a day or a selection); the figures per line and product are these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderLineComponent
from shop.orders.queries import FULFIL_STATUSES, list_orders_for_days
from shop.supply.models import ShortageReport, ShortageStatus

# Orders whose goods the producers still have to supply and staff still have to pick and pack: paid, and
# being prepared at the Groot Vleeshuis. The same orders as shop.orders.queries.FULFIL_STATUSES, by definition.
OPEN_STATUSES = FULFIL_STATUSES


def _line_ids(orders: Iterable[Order]) -> list[int]:
    return [line.id for order in orders for line in order.lines]


def _shortage_reports(orders: Iterable[Order]) -> list[ShortageReport]:
    line_ids = _line_ids(orders)
    if not line_ids:
        return []
    return list(db.session.scalars(
        select(ShortageReport)
        .where(ShortageReport.order_line_id.in_(line_ids), ShortageReport.status != ShortageStatus.WITHDRAWN)
        .order_by(ShortageReport.id)
    ))


def products_by_id(product_ids: Iterable[int]) -> dict[int, Product]:
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    return {
        product.id: product
        for product in db.session.scalars(
            select(Product).where(Product.id.in_(ids)).options(selectinload(Product.producer))
        )
    }


# --- what to pick, per order line and product ------------------------------------------------------------------


@dataclass
class Need:
    """Units of one product for one order line after the line's shortage reports."""

    order: Order
    line: OrderLine
    product_id: int
    name: str  # as sold (or the substitute's name)
    ordered: int  # units as sold (loose, or component quantity x packages); 0 for a substitute
    removed: int = 0  # units taken off by a substituted or refunded shortage
    open_short: int = 0  # units reported short and not yet handled
    substitute: int = 0  # units of a substitute that went in instead of another product
    product: Product | None = None  # the catalogue product (with its producer), set by list_open_needs

    @property
    def in_package(self) -> bool:
        return self.line.package_id is not None

    @property
    def to_pick(self) -> int:
        return max(self.ordered - self.removed - self.open_short, 0) + self.substitute


@dataclass
class Adjustment:
    """A shortage that changes what goes in an order line (shown on the pick list and the packing slip)."""

    order_number: str
    line_id: int
    status: ShortageStatus
    name: str
    quantity: int
    substitute_name: str = ""
    substitute_quantity: int = 0

    def describe(self) -> str:
        """What happened, in the current language ("1 × Hoevekaas vervangen door 1 × Brugse kaas")."""
        if self.status == ShortageStatus.SUBSTITUTED:
            return _("%(quantity)s × %(name)s vervangen door %(substitute_quantity)s × %(substitute)s",
                     quantity=self.quantity, name=self.name, substitute_quantity=self.substitute_quantity,
                     substitute=self.substitute_name)
        if self.status == ShortageStatus.REFUNDED:
            return _("%(quantity)s × %(name)s niet geleverd (terugbetaald)", quantity=self.quantity, name=self.name)
        return _("%(quantity)s × %(name)s gemeld als tekort, nog niet opgelost", quantity=self.quantity,
                 name=self.name)


def collect_needs(orders: list[Order], reports: list[ShortageReport] | None = None) -> tuple[list[Need], list[Adjustment]]:
    """Every (order line, product) to pick for ``orders`` with the shortage reports applied (see module doc)."""
    if reports is None:
        reports = _shortage_reports(orders)
    needs: dict[tuple[int, int], Need] = {}
    for order in orders:
        for line in order.lines:
            if line.product_id is not None:
                needs[(line.id, line.product_id)] = Need(order, line, line.product_id, line.name, line.quantity)
            for component in line.components:
                key = (line.id, component.product_id)
                units = component.quantity * line.quantity
                if key in needs:  # the same product twice in one package: add up
                    needs[key].ordered += units
                else:
                    needs[key] = Need(order, line, component.product_id, component.name, units)
    lines = {line.id: (order, line) for order in orders for line in order.lines}
    adjustments: list[Adjustment] = []
    for report in reports:
        if report.order_line_id not in lines:
            continue
        order, line = lines[report.order_line_id]
        need = needs.get((line.id, report.product_id))
        name = need.name if need is not None else report.product.name
        adjustments.append(Adjustment(order.number, line.id, report.status, name, report.quantity,
                                      report.substitute_name, report.substitute_quantity))
        if need is not None:
            left = need.ordered - need.removed - need.open_short
            if report.status == ShortageStatus.OPEN:
                need.open_short += min(report.quantity, left)
            else:
                need.removed += min(report.quantity, left)
        if report.status == ShortageStatus.SUBSTITUTED and report.substitute_product_id and report.substitute_quantity:
            key = (line.id, report.substitute_product_id)
            if key not in needs:
                needs[key] = Need(order, line, report.substitute_product_id, report.substitute_name, 0)
            needs[key].substitute += report.substitute_quantity
    return list(needs.values()), adjustments


# --- what open orders need from a producer ---------------------------------------------------------------------


def _open_orders(*conditions) -> list[Order]:
    """The open orders (that meet ``conditions``) with their shipments, lines and components, by number."""
    return list(db.session.scalars(
        select(Order)
        .where(Order.status.in_(OPEN_STATUSES), *conditions)
        .order_by(Order.number)
        .options(selectinload(Order.shipments), selectinload(Order.lines).selectinload(OrderLine.components))
    ))


def _needing(producer_id: int):
    """Orders with a product of the producer: loose, in a package, or as the substitute of a shortage."""
    products = select(Product.id).where(Product.producer_id == producer_id)
    loose = select(OrderLine.order_id).where(OrderLine.product_id.in_(products))
    packed = (select(OrderLine.order_id)
              .join(OrderLineComponent, OrderLineComponent.order_line_id == OrderLine.id)
              .where(OrderLineComponent.product_id.in_(products)))
    substituted = (select(OrderLine.order_id)
                   .join(ShortageReport, ShortageReport.order_line_id == OrderLine.id)
                   .where(ShortageReport.status == ShortageStatus.SUBSTITUTED,
                          ShortageReport.substitute_product_id.in_(products)))
    return or_(Order.id.in_(loose), Order.id.in_(packed), Order.id.in_(substituted))


def list_open_needs(producer_id: int | None = None, *, start: date | None = None,
                    end: date | None = None) -> list[Need]:
    """The needs (``collect_needs``) of the open orders, with their catalogue product and its producer.

    Only the needs of ``producer_id``'s products when given; only the orders with a shipment scheduled from
    ``start`` to ``end`` (inclusive) when a period is given, else every open order whatever its day. Needs
    with nothing left (a shortage took all units off) are kept: readers show or skip them. A fixed number of
    queries whatever the number of orders.
    """
    if start is not None or end is not None:
        orders = list_orders_for_days(start or date.min, end or date.max, OPEN_STATUSES)
    elif producer_id is not None:
        orders = _open_orders(_needing(producer_id))
    else:
        orders = _open_orders()
    needs, _adjustments = collect_needs(orders)
    products = products_by_id(need.product_id for need in needs)
    found = []
    for need in needs:
        need.product = products.get(need.product_id)
        if producer_id is None or (need.product is not None and need.product.producer_id == producer_id):
            found.append(need)
    return found
