"""Reads of orders: by secret token, per customer, their VAT per rate, the orders to fulfil on given days, the
pickup hours chosen (and their one wording), and one page of an order's shipments (the customer's and staff's pages)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.core.money import split_over_rates, vat_lines
from shop.extensions import db
from shop.orders.models import DeliveryMethod, Order, OrderLine, OrderStatus, Shipment, ShipmentState
from shop.scheduling.services import pickup_hours_of, pickup_hours_of_shipments

# A fee with no goods to follow (cannot happen for a real order) is taxed at the standard rate.
STANDARD_RATE = 21


def _order_options():
    """What the customer's pages, the pick lists and the slips show of an order: its lines (with package
    components) and shipments, each loaded in one query."""
    return (
        selectinload(Order.shipments),
        selectinload(Order.lines).selectinload(OrderLine.components),
    )


def get_order_by_token(token: str) -> Order | None:
    """The order behind a guest's status link, or None. Tokens are 32 random bytes: guessing is hopeless."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Order).where(Order.status_token == token).options(*_order_options()))


def get_order_by_quote_number(number: str) -> Order | None:
    """The order whose quote has this number (OFF-2026-000001), or None."""
    if not number or len(number) > 20:
        return None
    return db.session.scalar(select(Order).where(Order.quote_number == number).options(*_order_options()))


def list_orders_for_user(user_id: int) -> list[Order]:
    """A customer's orders, newest first, with lines and shipments loaded."""
    return list(
        db.session.scalars(
            select(Order).where(Order.user_id == user_id).order_by(Order.placed_at.desc(), Order.id.desc())
            .options(*_order_options())
        )
    )


def goods_gross_by_rate(order: Order) -> dict[int, int]:
    """The goods' gross amount per VAT rate: loose lines at their rate, packages by their components' shares."""
    by_rate: dict[int, int] = defaultdict(int)
    for line in order.lines:
        if line.components:
            for component in line.components:
                by_rate[component.vat_rate] += component.share_cents * line.quantity
        elif line.vat_rate is not None:
            by_rate[line.vat_rate] += line.total_cents
    return dict(by_rate)


def add_fee_by_rate(goods_by_rate: Mapping[int, int], fee_cents: int) -> dict[int, int]:
    """Add the delivery fee to the gross per rate.

    Belgian practice (the ancillary follows the principal): the delivery fee carries the VAT of the goods it
    delivers. With goods at several rates, the fee is split over those rates in proportion to the goods'
    gross value per rate (largest remainder, so the parts sum exactly to the fee).
    """
    result = {rate: gross for rate, gross in goods_by_rate.items()}
    if not fee_cents:
        return result
    rates = sorted(rate for rate, gross in goods_by_rate.items() if gross > 0)
    if not rates:
        result[STANDARD_RATE] = result.get(STANDARD_RATE, 0) + fee_cents
        return result
    for rate, part in split_over_rates(fee_cents, [(rate, goods_by_rate[rate]) for rate in rates]):
        result[rate] += part
    return result


def order_vat_lines(order: Order) -> list[dict[str, int]]:
    """Base and VAT per rate of the whole order (goods and delivery fee); the gross parts sum to the total."""
    return vat_lines(add_fee_by_rate(goods_gross_by_rate(order), order.delivery_fee_cents))


def priced_cart_vat_lines(priced, fee_cents: int) -> list[dict[str, int]]:
    """The same split for a priced cart (the review step), from its VAT lines per rate."""
    return vat_lines(add_fee_by_rate({line["rate"]: line["gross_cents"] for line in priced.vat_lines}, fee_cents))


# --- orders to fulfil ------------------------------------------------------------------------------------

FULFIL_STATUSES = (OrderStatus.PAID, OrderStatus.IN_PREPARATION)
# Orders that may get a packing slip or gift card: every order that was paid and not cancelled.
SLIP_STATUSES = FULFIL_STATUSES + (OrderStatus.READY_FOR_PICKUP, OrderStatus.SHIPPED, OrderStatus.COMPLETED)
# At most this many orders in one selection (a long query string is a mistake, not a work list).
MAX_SELECTION = 200


# --- loading orders ------------------------------------------------------------------------------------------


def list_orders_for_days(start: date, end: date, statuses: Iterable[OrderStatus] = FULFIL_STATUSES) -> list[Order]:
    """Orders in ``statuses`` with a shipment scheduled from ``start`` to ``end`` (inclusive), by day and number."""
    scheduled = select(Shipment.order_id).where(Shipment.scheduled_date >= start, Shipment.scheduled_date <= end)
    orders = db.session.scalars(
        select(Order)
        .where(Order.status.in_(tuple(statuses)), Order.id.in_(scheduled))
        .order_by(Order.number)
        .options(*_order_options())
    ).all()
    return sorted(orders, key=lambda o: ((o.shipment and o.shipment.scheduled_date) or date.max, o.number))


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


def pickup_windows(orders: Iterable[Order]) -> dict[int, tuple[str, str]]:
    """The pickup hour each order chose, as ("10:00", "11:00"), by order id: for the orders picked up in one
    shipment whose pickup hour is still held and still on the shipment's day (staff may have moved the day since).
    An order without one (placed before pickup hours, delivered, cancelled) is left out: it shows the day only.
    One query for all the orders of a page."""
    pickups = {order.id: order.shipment for order in orders
               if len(order.shipments) == 1 and order.shipment.method == DeliveryMethod.PICKUP
               and order.shipment.scheduled_date is not None}
    return {order_id: (f"{start:%H:%M}", f"{end:%H:%M}")
            for order_id, (day, start, end) in pickup_hours_of(pickups).items()
            if pickups[order_id].scheduled_date == day}


def pickup_window(order: Order) -> tuple[str, str] | None:
    """The order's chosen pickup hour ("10:00", "11:00"), or None (see ``pickup_windows``)."""
    return pickup_windows([order]).get(order.id)


def shipment_pickup_windows(shipments: Iterable[Shipment]) -> dict[int, tuple[str, str]]:
    """The pickup hour each shipment picked up chose, as ("10:00", "11:00"), by shipment id, when it is still held
    and still on the shipment's day (as ``pickup_windows``, for a list of shipments). One query."""
    pickups = {shipment.id: shipment for shipment in shipments
               if shipment.method == DeliveryMethod.PICKUP and shipment.scheduled_date is not None}
    return {shipment_id: (f"{start:%H:%M}", f"{end:%H:%M}")
            for shipment_id, (day, start, end) in pickup_hours_of_shipments(pickups).items()
            if pickups[shipment_id].scheduled_date == day}


def with_pickup_hour(day_text: str, window: tuple[str, str] | None) -> str:
    """A pickup day as shown, followed by the hour the customer chose when there is one: "dinsdag 22 december 2026,
    tussen 12:00 en 13:00" (the day alone without one). The one wording of the chosen hour in the back office's
    lists, the packing slips, the mails and the exports; the day is formatted by the caller, as its page writes
    days."""
    if not day_text or window is None:
        return day_text
    return _("%(day)s, tussen %(start)s en %(end)s", day=day_text, start=window[0], end=window[1])


@dataclass
class SummedLine:
    """The lines of an order that sell the same thing at the same price, as one row: a company's gift list sells
    a line per recipient (2,000 recipients of a box of pralines read as one row of 2,000)."""

    name: str
    unit: str
    unit_price_cents: int
    components: list  # the first line's package components (their quantities are per package)
    quantity: int = 0
    total_cents: int = 0


def summed_lines(order: Order) -> list[SummedLine]:
    """The order's lines summed per product or package, name, unit, unit price and VAT rate, in the order of their
    first line. No query: the order's lines are loaded with it."""
    rows: dict[tuple, SummedLine] = {}
    for line in order.lines:
        key = (line.product_id, line.package_id, line.name, line.unit, line.unit_price_cents, line.vat_rate)
        row = rows.get(key)
        if row is None:
            row = rows[key] = SummedLine(line.name, line.unit, line.unit_price_cents, list(line.components))
        row.quantity += line.quantity
        row.total_cents += line.total_cents
    return list(rows.values())


# --- the shipments of one order ----------------------------------------------------------------------------------

SHIPMENTS_PER_PAGE = 50


@dataclass
class ShipmentPage:
    """One page of an order's shipments (in the order they were made), with how many there are in each state: the
    back office's order page and the customer's."""

    shipments: list[Shipment]
    total: int  # matching the state asked for
    page: int
    pages: int
    state: ShipmentState | None
    counts: dict[ShipmentState, int]
    day: date | None = None
    days: list[tuple[date, int]] = field(default_factory=list)  # each delivery day of the order, its shipments

    @property
    def all_count(self) -> int:
        return sum(self.counts.values())


def parse_shipment_state(value: str | None) -> ShipmentState | None:
    """The state asked for (``?stand=shipped``), None for every state or an unknown word."""
    try:
        return ShipmentState(value) if value else None
    except ValueError:
        return None


def parse_day(value: str | None) -> date | None:
    """A day asked for as ``2026-12-22`` (``?dag=``), None when missing or not a date."""
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def list_order_shipments(order_id: int, *, state: ShipmentState | None = None, day: date | None = None,
                         page: int = 1, per_page: int = SHIPMENTS_PER_PAGE) -> ShipmentPage:
    """One page of the order's shipments in ``state`` and on ``day`` (each: every one when None), with their
    lines, the counts per state (of ``day``'s) and the order's delivery days (5 queries). A page past the last
    one shows the last page."""
    on_day = [Shipment.scheduled_date == day] if day is not None else []
    counts = dict.fromkeys(ShipmentState, 0)
    for shipment_state, count in db.session.execute(
            select(Shipment.state, func.count()).where(Shipment.order_id == order_id, *on_day)
            .group_by(Shipment.state)):
        counts[ShipmentState(shipment_state)] = count
    days = [(scheduled, count) for scheduled, count in db.session.execute(
        select(Shipment.scheduled_date, func.count()).where(Shipment.order_id == order_id,
                                                            Shipment.scheduled_date.is_not(None))
        .group_by(Shipment.scheduled_date).order_by(Shipment.scheduled_date))]
    total = counts[state] if state is not None else sum(counts.values())
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    conditions = [Shipment.order_id == order_id, *on_day] + ([Shipment.state == state] if state is not None else [])
    shipments = list(db.session.scalars(
        select(Shipment).where(*conditions).order_by(Shipment.id)
        .limit(per_page).offset((page - 1) * per_page)
        .options(selectinload(Shipment.lines))
    ))
    return ShipmentPage(shipments, total, page, pages, state, counts, day, days)
