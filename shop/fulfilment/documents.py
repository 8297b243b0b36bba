"""Fulfilment reads for the back office: the pick list of a day (or a selection of orders) and packing slips.

Only orders to fulfil are picked: paid or in preparation (``FULFIL_STATUSES`` in shop.orders.queries). What to
pick is the orders' needs after their shortage reports (shop.supply.needs).

Every read here runs a fixed number of queries whatever the number of orders: orders, shipments, lines,
components, shortage reports, products and their producers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from shop.catalog.models import Producer
from shop.core.clock import shop_day
from shop.orders.models import DeliveryMethod, Order, OrderLine, Shipment, ShipmentState
from shop.orders.queries import pickup_windows

# Orders whose goods still have to be picked and packed.
from shop.supply.needs import Adjustment, collect_needs, products_by_id

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
    shipment: Shipment | None  # the order's one shipment (on the day); None when several are picked
    shipment_count: int = 1  # shipments of the order on the pick list
    pickup_window: tuple[str, str] | None = None  # the pickup hour the customer chose ("10:00", "11:00")

    @property
    def is_pickup(self) -> bool:
        return self.shipment is not None and self.shipment.method == DeliveryMethod.PICKUP


def shipments_to_pick(order: Order, day: date | None = None) -> list[Shipment]:
    """The order's shipments still to prepare (scheduled on ``day`` when given): the parcels a pick list or a
    day's packing slips are about. A shipment already shipped or delivered is no longer picked."""
    return [shipment for shipment in order.shipments
            if shipment.state == ShipmentState.TO_PREPARE and (day is None or shipment.scheduled_date == day)]


def _line_shipment(order: Order, line: OrderLine) -> Shipment | None:
    """The shipment a line travels in: its own, or the order's only one (older orders' lines name none)."""
    if line.shipment_id is not None:
        return next((s for s in order.shipments if s.id == line.shipment_id), None)
    return order.shipment if len(order.shipments) <= 1 else None


@dataclass
class PickList:
    producers: list[PickProducer]
    packages: list[PickPackage]
    orders: list[PickOrder]
    adjustments: list[Adjustment]

    @property
    def is_empty(self) -> bool:
        return not self.orders


def build_pick_list(orders: list[Order], *, day: date | None = None) -> PickList:
    """Aggregate ``orders`` by producer then product (package components counted in), and per package.

    Only the lines of shipments still to prepare are picked, and with ``day`` only those of the shipments
    scheduled that day (an order for many recipients may spread over several delivery days). Products are
    named and grouped as in the catalogue now (the producer's name, address and phone come with them), sorted
    by producer name and product name. Products with nothing left to pick stay on the list with 0 when a
    shortage took them off, so that staff see why.
    """
    to_pick = {order.id: {s.id for s in shipments_to_pick(order, day)} for order in orders}
    order_of = {line.id: order for order in orders for line in order.lines}
    line_by_id = {line.id: line for order in orders for line in order.lines}

    def is_picked(line: OrderLine) -> bool:
        order = order_of[line.id]
        shipment = _line_shipment(order, line)
        if shipment is None:  # a line of no shipment: picked with the order when no day is asked
            return day is None and not order.shipments
        return shipment.id in to_pick[order.id]

    orders = [order for order in orders if to_pick[order.id] or not order.shipments]
    needs, adjustments = collect_needs(orders)
    needs = [need for need in needs if is_picked(need.line)]
    adjustments = [adjustment for adjustment in adjustments
                   if adjustment.line_id in line_by_id and is_picked(line_by_id[adjustment.line_id])]
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
            if line.package_id is None or not is_picked(line):
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

    windows = pickup_windows(orders)
    rows = []
    for order in orders:
        shipments = shipments_to_pick(order, day) if order.shipments else []
        rows.append(PickOrder(order, shipments[0] if len(shipments) == 1 else None, len(shipments) or 1,
                              windows.get(order.id)))
    return PickList(producer_list, package_list, rows, adjustments)


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
    """The slip of one shipment (an order sent to many recipients has one per recipient)."""

    order: Order
    shipment: Shipment | None
    lines: list[SlipLine]
    # An order from a company's gift list: the message and logo on every card, and the company as the sender.
    common_message: str = ""
    logo_key: str | None = None
    from_gift_list: bool = False
    pickup_window: tuple[str, str] | None = None  # the pickup hour the customer chose ("10:00", "11:00")

    @property
    def sender(self) -> str:
        """Who the card says the gift is from: the company for a company's gift list, else the buyer."""
        return (self.order.company_name or self.order.name) if self.from_gift_list else self.order.name

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
        return shop_day(self.order.placed_at)


def _shipment_lines(order: Order, shipment: Shipment | None) -> list:
    """The lines that travel in ``shipment``: all of them when the order has one shipment (older orders' lines
    may not name it), else the lines that name it."""
    if shipment is None or len(order.shipments) <= 1:
        return list(order.lines)
    return [line for line in order.lines if line.shipment_id == shipment.id]


def build_packing_slips(orders: list[Order], *, day: date | None = None,
                        to_prepare: bool = False) -> list[PackingSlip]:
    """One slip per shipment (one per order today, one per recipient for a company's gift list): its lines,
    package components (units for the whole line), shortages applied; for a gift list, its card's common
    message and logo. With ``day`` only the shipments scheduled that day, with ``to_prepare`` only those not
    yet shipped (a day's slips)."""
    from shop.gifts.queries import gift_orders_by_order

    _, adjustments = collect_needs(orders)
    by_line: dict[int, list[Adjustment]] = defaultdict(list)
    for adjustment in adjustments:
        by_line[adjustment.line_id].append(adjustment)
    gifts = gift_orders_by_order(order.id for order in orders)
    windows = pickup_windows(orders)
    slips = []
    for order in orders:
        gift = gifts.get(order.id)
        for shipment in order.shipments or [None]:
            if shipment is not None and ((day is not None and shipment.scheduled_date != day)
                                         or (to_prepare and shipment.state != ShipmentState.TO_PREPARE)):
                continue
            lines = [
                SlipLine(line.name, line.unit, line.quantity, line.unit_price_cents, line.total_cents,
                         [(c.quantity * line.quantity, c.name) for c in line.components], by_line.get(line.id, []))
                for line in _shipment_lines(order, shipment)
            ]
            slips.append(PackingSlip(order, shipment, lines, common_message=gift.common_message if gift else "",
                                     logo_key=gift.logo_key if gift else None, from_gift_list=gift is not None,
                                     pickup_window=windows.get(order.id)))
    return slips
