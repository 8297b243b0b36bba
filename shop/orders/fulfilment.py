"""Fulfilment reads for the back office: the pick list of a day (or a selection of orders) and packing slips.

Only orders to fulfil are picked: paid or in preparation (``FULFIL_STATUSES``). What to pick comes from the
order lines as sold (loose products, and package components times the number of packages), corrected by the
shortage reports of those lines:

- substituted: the missing units of the original product are not picked, the substitute's units are;
- refunded: the missing units are not picked;
- open (not yet handled): the units are not picked either (the producer said it cannot deliver them), but
  they are shown as "open shortage" so that staff see something is still to be decided;
- withdrawn: ignored.

Every read here runs a fixed number of queries whatever the number of orders: orders, shipments, lines,
components, shortage reports, products and their producers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Producer, Product
from shop.core.clock import SHOP_TIMEZONE
from shop.extensions import db
from shop.orders.models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    ShortageReport,
    ShortageStatus,
)

# Orders whose goods still have to be picked and packed.
FULFIL_STATUSES = (OrderStatus.PAID, OrderStatus.IN_PREPARATION)
# Orders that may get a packing slip or gift card: every order that was paid and not cancelled.
SLIP_STATUSES = FULFIL_STATUSES + (OrderStatus.READY_FOR_PICKUP, OrderStatus.SHIPPED, OrderStatus.COMPLETED)
# At most this many orders in one selection (a long query string is a mistake, not a work list).
MAX_SELECTION = 200


# --- loading orders ------------------------------------------------------------------------------------------


def _order_options():
    return (
        selectinload(Order.shipments),
        selectinload(Order.lines).selectinload(OrderLine.components),
    )


def list_orders_for_days(start: date, end: date, statuses: Iterable[OrderStatus] = FULFIL_STATUSES) -> list[Order]:
    """Orders in ``statuses`` with a shipment scheduled from ``start`` to ``end`` (inclusive), by day and number."""
    scheduled = select(Shipment.order_id).where(Shipment.scheduled_date >= start, Shipment.scheduled_date <= end)
    orders = db.session.scalars(
        select(Order)
        .where(Order.status.in_(tuple(statuses)), Order.id.in_(scheduled))
        .order_by(Order.number)
        .options(*_order_options())
    ).all()
    return sorted(orders, key=lambda o: ((_shipment(o) and _shipment(o).scheduled_date) or date.max, o.number))


def list_orders_for_day(day: date, statuses: Iterable[OrderStatus] = FULFIL_STATUSES) -> list[Order]:
    """Orders in ``statuses`` whose shipment is scheduled on ``day``, by number."""
    return list_orders_for_days(day, day, statuses)


@dataclass
class Selection:
    """The orders asked for by id: those that qualify, those whose status does not, and unknown ids."""

    orders: list[Order]
    skipped: list[Order]
    unknown_ids: list[int]


def get_selection(order_ids: Iterable[int], statuses: Iterable[OrderStatus] = FULFIL_STATUSES) -> Selection:
    """Load the orders with these ids (in the order asked, duplicates once); split off wrong statuses and unknowns."""
    wanted = list(dict.fromkeys(order_ids))
    found: dict[int, Order] = {}
    if wanted:
        found = {order.id: order for order in db.session.scalars(
            select(Order).where(Order.id.in_(wanted)).options(*_order_options()))}
    allowed = set(statuses)
    orders = [found[i] for i in wanted if i in found and found[i].status in allowed]
    skipped = [found[i] for i in wanted if i in found and found[i].status not in allowed]
    unknown = [i for i in wanted if i not in found]
    return Selection(orders, skipped, unknown)


def get_order(order_id: int) -> Order | None:
    """One order with its shipments, lines and components (None when unknown)."""
    return db.session.scalar(select(Order).where(Order.id == order_id).options(*_order_options()))


def _shipment(order: Order) -> Shipment | None:
    return order.shipments[0] if order.shipments else None


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


# --- the pick list ------------------------------------------------------------------------------------------


@dataclass
class PickProduct:
    product_id: int
    name: str
    unit: str
    total: int = 0  # units to pick
    loose: int = 0  # of which sold as such
    in_packages: int = 0  # of which for packages
    substitutes: int = 0  # of which substitutes for another product
    removed: int = 0  # units no longer to pick (substituted or refunded shortage)
    open_short: int = 0  # units reported short, not yet handled (not picked)
    orders: list[str] = field(default_factory=list)


@dataclass
class PickProducer:
    producer_id: int
    name: str
    address: str
    phone: str
    products: list[PickProduct] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(product.total for product in self.products)


@dataclass
class PackageComponentRow:
    name: str
    producer_name: str
    per_package: int
    total: int


@dataclass
class PickPackage:
    package_id: int
    name: str
    count: int = 0
    components: list[PackageComponentRow] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)


@dataclass
class PickOrder:
    order: Order
    shipment: Shipment | None

    @property
    def is_pickup(self) -> bool:
        return self.shipment is not None and self.shipment.method == DeliveryMethod.PICKUP


@dataclass
class PickList:
    producers: list[PickProducer]
    packages: list[PickPackage]
    orders: list[PickOrder]
    adjustments: list[Adjustment]

    @property
    def is_empty(self) -> bool:
        return not self.orders


def build_pick_list(orders: list[Order]) -> PickList:
    """Aggregate ``orders`` by producer then product (package components counted in), and per package.

    Products are named and grouped as in the catalogue now (the producer's name, address and phone come
    with them), sorted by producer name and product name. Products with nothing left to pick stay on the
    list with 0 when a shortage took them off, so that staff see why.
    """
    needs, adjustments = collect_needs(orders)
    products = products_by_id(
        [need.product_id for need in needs]
        + [c.product_id for order in orders for line in order.lines for c in line.components]
    )

    producers: dict[int, PickProducer] = {}
    rows: dict[tuple[int, int], PickProduct] = {}
    for need in needs:
        product = products.get(need.product_id)
        producer: Producer | None = product.producer if product is not None else None
        producer_id = producer.id if producer is not None else 0
        if producer_id not in producers:
            producers[producer_id] = PickProducer(
                producer_id, producer.name if producer else "?", producer.address_line if producer else "",
                producer.phone if producer else "")
        row = rows.get((producer_id, need.product_id))
        if row is None:
            row = PickProduct(need.product_id, product.name if product else need.name, product.unit if product else "")
            rows[(producer_id, need.product_id)] = row
            producers[producer_id].products.append(row)
        picked = need.to_pick
        row.total += picked
        row.substitutes += need.substitute
        if need.in_package:
            row.in_packages += picked - need.substitute
        else:
            row.loose += picked - need.substitute
        row.removed += need.removed
        row.open_short += need.open_short
        if need.order.number not in row.orders:
            row.orders.append(need.order.number)

    for producer in producers.values():
        producer.products.sort(key=lambda p: (p.name.lower(), p.product_id))
        for product in producer.products:
            product.orders.sort()
    producer_list = sorted(producers.values(), key=lambda p: (p.name.lower(), p.producer_id))

    # Per package: one group per package and composition as sold (a package changed since has two groups).
    packages: dict[tuple, PickPackage] = {}
    line_groups: dict[int, PickPackage] = {}
    for order in orders:
        for line in order.lines:
            if line.package_id is None:
                continue
            composition = tuple((c.product_id, c.quantity) for c in line.components)
            key = (line.package_id, line.name, composition)
            group = packages.get(key)
            if group is None:
                group = PickPackage(line.package_id, line.name)
                for component in line.components:
                    product = products.get(component.product_id)
                    group.components.append(PackageComponentRow(
                        component.name, product.producer.name if product is not None else "", component.quantity, 0))
                packages[key] = group
            group.count += line.quantity
            if order.number not in group.orders:
                group.orders.append(order.number)
            line_groups[line.id] = group
    for group in packages.values():
        for component in group.components:
            component.total = component.per_package * group.count
    for adjustment in adjustments:
        if adjustment.line_id in line_groups:
            line_groups[adjustment.line_id].adjustments.append(adjustment)
    package_list = sorted(packages.values(), key=lambda p: (p.name.lower(), p.package_id))

    return PickList(producer_list, package_list, [PickOrder(order, _shipment(order)) for order in orders], adjustments)


# --- packing slips ------------------------------------------------------------------------------------------


@dataclass
class SlipLine:
    name: str
    unit: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    components: list[tuple[int, str]] = field(default_factory=list)  # (units for this line, name)
    adjustments: list[Adjustment] = field(default_factory=list)


@dataclass
class PackingSlip:
    order: Order
    shipment: Shipment | None
    lines: list[SlipLine]

    @property
    def is_gift(self) -> bool:
        return self.shipment is not None and self.shipment.is_gift

    @property
    def show_prices(self) -> bool:
        """No prices on a gift slip, whatever else was chosen (UX.md §12); a buyer's own slip shows them."""
        return not self.is_gift

    @property
    def is_pickup(self) -> bool:
        return self.shipment is not None and self.shipment.method == DeliveryMethod.PICKUP

    @property
    def day(self) -> date | None:
        return self.shipment.scheduled_date if self.shipment is not None else None

    @property
    def recipient_name(self) -> str:
        if self.shipment is not None and self.shipment.recipient_name:
            return self.shipment.recipient_name
        return self.order.name

    @property
    def address_lines(self) -> list[str]:
        if self.shipment is None or self.is_pickup:
            return []
        return [text for text in (self.shipment.street, f"{self.shipment.postcode} {self.shipment.city}".strip())
                if text]

    @property
    def gift_message(self) -> str:
        return self.shipment.gift_message if self.shipment is not None and self.is_gift else ""

    @property
    def placed_on(self) -> date:
        placed = self.order.placed_at
        if placed.tzinfo is None:  # SQLite hands back naive datetimes; every stored datetime is UTC
            placed = placed.replace(tzinfo=UTC)
        return placed.astimezone(SHOP_TIMEZONE).date()


def build_packing_slips(orders: list[Order]) -> list[PackingSlip]:
    """One slip per order: its lines, package components (units for the whole line), shortages applied."""
    _, adjustments = collect_needs(orders)
    by_line: dict[int, list[Adjustment]] = defaultdict(list)
    for adjustment in adjustments:
        by_line[adjustment.line_id].append(adjustment)
    slips = []
    for order in orders:
        lines = [
            SlipLine(line.name, line.unit, line.quantity, line.unit_price_cents, line.total_cents,
                     [(c.quantity * line.quantity, c.name) for c in line.components], by_line.get(line.id, []))
            for line in order.lines
        ]
        slips.append(PackingSlip(order, _shipment(order), lines))
    return slips
