"""The weekly loop of a producer: what open orders need from it, the weekly confirmation of stock and
availability, and the weekly order list e-mailed at the shop's cut-off (sent once, resent on request).

Week arithmetic is in the shop's time zone (Europe/Brussels). At the cut-off (a weekday and time, read from
the shop settings with defaults until the lead adds them) of week X, each producer with something to deliver
gets the list for the *delivery week* that starts on the next Monday (``ProducerOrderList.week_start``):
every open order line (paid or in preparation) of its products, loose or inside a package, paid by the
cut-off, whose pickup or delivery day falls in that week; plus the lines paid since the previous cut-off for
an earlier day (this week: no earlier list could hold them) or without a day. So each line is on exactly one
list.
What a line needs is the rule of shop.supply.needs: units reported as short (open, substituted or refunded)
are left out of what to deliver, and a substitute's units are asked from the substitute's producer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Producer, Product, ProductStatus
from shop.catalog.producer_queries import recipients_for
from shop.catalog.services import publish_product
from shop.core.clock import SHOP_TIMEZONE, as_utc
from shop.core.db import add_unless_taken, utcnow
from shop.core.errors import DomainError
from shop.core.settings import get_settings
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import StockChanged, set_stock
from shop.orders.models import OrderLine
from shop.outbox.services import enqueue
from shop.supply.models import ProducerOrderList
from shop.supply.needs import Need, list_open_needs

WEEK_NOTE = "weekbevestiging"


class OrderListError(DomainError):
    pass


class WeekConfirmationError(DomainError):
    pass


# --- settings (the lead adds these fields to ShopSettings; until then, these defaults) ----------------------


def cutoff_weekday() -> int:
    """Weekday of the weekly cut-off (Monday is 0); default Thursday."""
    return int(getattr(get_settings(), "producer_cutoff_weekday", 3))


def cutoff_time() -> time:
    """Time of the weekly cut-off; default 12:00."""
    return getattr(get_settings(), "producer_cutoff_time", time(12, 0))


def delivery_weekday() -> int:
    """Weekday of the delivery week by which producers bring their goods to the Groot Vleeshuis; default Monday."""
    return int(getattr(get_settings(), "producer_delivery_weekday", 0))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def cutoff_at(monday: date) -> datetime:
    """The cut-off moment (aware, shop time) in the week starting on ``monday``."""
    return datetime.combine(monday + timedelta(days=cutoff_weekday()), cutoff_time(), tzinfo=SHOP_TIMEZONE)


def deliver_by_for(week_start: date) -> date:
    return week_start + timedelta(days=delivery_weekday())


# --- demand from open orders --------------------------------------------------------------------------------


@dataclass
class DemandItem:
    """Units of one of the producer's products needed for one open order line (a ``Need`` of shop.supply.needs)."""

    line_id: int
    order_number: str
    product_id: int
    name: str
    package_name: str | None  # None for a loose product
    quantity: int  # units as sold (component quantity x package count for packages), or a substitute's units
    short: int  # units of it reported short (open, substituted or refunded): not asked from this producer
    day: date | None  # pickup day or desired delivery day
    method: str
    paid_at: datetime | None
    product_name: str = ""  # the catalogue's name (``name`` is the name as sold)
    unit: str = ""  # the catalogue's unit
    is_substitute: bool = False  # the product went in instead of another producer's (a substituted shortage)

    @property
    def to_deliver(self) -> int:
        return max(self.quantity - self.short, 0)



def list_open_demand(producer_id: int) -> list[DemandItem]:
    """Every open order line (paid or in preparation) that needs one of this producer's products.

    The needs of shop.supply.needs (``list_open_needs``): loose and package units, less the units reported
    short (open, substituted or refunded), plus the units of this producer's products that went in as a
    substitute. Earliest day first. A fixed number of queries whatever the number of lines.
    """
    return demand_items(list_open_needs(producer_id))


def demand_items(needs: list[Need]) -> list[DemandItem]:
    """The needs as the producer's lines (day, order, units to deliver), earliest day first."""

    def shipment_of(line: OrderLine):
        return line.shipment or line.order.shipment

    items = []
    for need in needs:
        line = need.line
        shipment = shipment_of(line)
        items.append(DemandItem(
            line.id, need.order.number, need.product_id, need.name, line.name if need.in_package else None,
            need.ordered + need.substitute, need.removed + need.open_short,
            shipment.scheduled_date if shipment else None, shipment.method.value if shipment else "",
            as_utc(need.order.paid_at) if need.order.paid_at else None, need.product.name, need.product.unit,
            need.ordered == 0,
        ))
    return sorted(items, key=lambda i: (i.day or date.max, i.order_number, i.name, i.line_id))


def demand_per_product(items: list[DemandItem]) -> dict[int, int]:
    """Units still to deliver per product id."""
    totals: dict[int, int] = defaultdict(int)
    for item in items:
        totals[item.product_id] += item.to_deliver
    return dict(totals)


# --- the weekly confirmation of stock and availability -------------------------------------------------------


def list_week_products(producer_id: int) -> list[Product]:
    """The producer's products that are for sale or hidden (what the weekly confirmation shows)."""
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.producer_id == producer_id,
                   Product.status.in_((ProductStatus.PUBLISHED, ProductStatus.HIDDEN)))
            .order_by(Product.name, Product.id)
            .options(selectinload(Product.vat_category))
        )
    )


@dataclass
class WeekChange:
    name: str
    old_stock: int
    new_stock: int
    was_available: bool
    available: bool


def confirm_week(producer: Producer, changes: dict[int, tuple], *, by=None) -> list[WeekChange]:
    """Apply this week's stock and availability for the producer's products, all or nothing.

    ``changes`` maps product id to (stock, available) or (stock, available, seen_stock), where ``seen_stock``
    is the figure the producer's page showed. With it, an unchanged figure is left alone (a sale that landed
    since the page was loaded is not undone), and a changed figure whose product sold meanwhile is refused
    with StockChanged naming the product. Available means published, not available hidden. Stock goes
    through ``set_stock`` (reason PRODUCER_EDIT, note "weekbevestiging"). Raises WeekConfirmationError for a
    product that is not the producer's or not published/hidden, InvalidStock, StockChanged or
    MissingFoodInformation (cannot be made available); the caller rolls back. Returns what changed.
    """
    products = {p.id: p for p in list_week_products(producer.id)}
    done: list[WeekChange] = []
    for product_id in sorted(changes):
        product = products.get(product_id)
        if product is None:
            raise WeekConfirmationError(_l("Dit product hoort niet bij je bedrijf of is niet te koop."))
        stock, available, *rest = changes[product_id]
        seen = rest[0] if rest else None
        old_stock = product.stock
        was_available = product.status == ProductStatus.PUBLISHED
        if seen is not None and stock == seen:
            stock = old_stock  # not touched on the page: keep what sales left
        elif seen is not None and old_stock != seen:
            raise StockChanged(
                _l("De voorraad van %(name)s is intussen gewijzigd door een verkoop (nu %(stock)s). Kijk het cijfer "
                   "na en bevestig opnieuw."), name=product.name, stock=old_stock)
        set_stock(product, stock, MovementReason.PRODUCER_EDIT, by=by, note=WEEK_NOTE)
        if available and not was_available:
            publish_product(product, by=by)
        elif not available and was_available:
            product.status = ProductStatus.HIDDEN
        if stock != old_stock or available != was_available:
            done.append(WeekChange(product.name, old_stock, stock, was_available, available))
    db.session.flush()
    return done


# --- the weekly order list ----------------------------------------------------------------------------------


def _on_list(item: DemandItem, week_start: date, week_end: date, cutoff: datetime, previous_cutoff: datetime) -> bool:
    """Whether an item belongs on the list of the delivery week ``week_start`` (sent at ``cutoff``).

    Every open item lands on exactly one list: an item paid by the cut-off is on it when its day falls in
    the delivery week; an item paid in the week before the cut-off whose day is earlier (this week, already
    late) or unknown is on it too, since no earlier list could hold it. Items paid after the cut-off wait
    for the next list.
    """
    if item.paid_at is None or item.paid_at > cutoff:
        return False
    if item.day is not None and week_start <= item.day <= week_end:
        return True
    return item.paid_at > previous_cutoff and (item.day is None or item.day < week_start)


def build_order_list(producer: Producer, week_start: date, demand: list[DemandItem] | None = None) -> list[dict]:
    """What the producer delivers for the delivery week starting ``week_start`` (a Monday), from its open
    demand (``list_open_demand``, read here unless the caller has it already).

    Per product: ``{product_id, name, unit, quantity, days: [ISO dates], orders: [numbers]}``, sorted by name;
    products with nothing left to deliver are left out.
    """
    week_end = week_start + timedelta(days=6)
    cutoff = cutoff_at(week_start - timedelta(days=7))
    previous_cutoff = cutoff - timedelta(days=7)
    grouped: dict[int, dict] = {}
    for item in list_open_demand(producer.id) if demand is None else demand:
        if not _on_list(item, week_start, week_end, cutoff, previous_cutoff):
            continue
        if item.to_deliver <= 0:
            continue
        entry = grouped.setdefault(
            item.product_id, {"product_id": item.product_id, "name": item.name, "unit": item.unit, "quantity": 0,
                              "days": [], "orders": []})
        entry["quantity"] += item.to_deliver
        if item.day is not None and item.day.isoformat() not in entry["days"]:
            entry["days"].append(item.day.isoformat())
        if item.order_number not in entry["orders"]:
            entry["orders"].append(item.order_number)
    for entry in grouped.values():
        entry["days"].sort()
    return sorted(grouped.values(), key=lambda e: (e["name"].lower(), e["product_id"]))


def _day_label(value) -> str:
    """A day as the mail shows it ("maandag 30 november"), in the current locale."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "EEEE d MMMM")


def _queue_order_list(order_list: ProducerOrderList, producer: Producer, key_prefix: str) -> int:
    settings = get_settings()
    queued = 0
    for address, locale in recipients_for(producer):
        with force_locale(locale):
            subject = _("Leverlijst week van %(day)s: %(producer)s", day=order_list.week_start.strftime("%d/%m"),
                        producer=producer.name)
            context = dict(subject=subject, producer=producer, order_list=order_list, lines=order_list.lines,
                           settings=settings, day=_day_label, locale=locale)
            text = render_template("emails/producer_order_list.txt", **context)
            html = render_template("emails/producer_order_list.html", **context)
        if enqueue(kind="producer_order_list", to=address, subject=subject, text=text, html=html,
                   dedupe_key=f"{key_prefix}:{address}", reply_to=settings.seller_email) is not None:
            queued += 1
    return queued


def send_weekly_order_lists(now: datetime, *, by=None) -> int:
    """At or after this week's cut-off, e-mail each producer its list for the next delivery week, once.

    Idempotent: a producer whose list for that week was sent is skipped (one ProducerOrderList row per
    producer and week; the mails carry a dedupe key). Before the cut-off nothing happens. Producers with
    nothing to deliver, or without any e-mail address, get no list. Returns the number of lists sent.
    Never commits.
    """
    local = now.astimezone(SHOP_TIMEZONE) if now.tzinfo else now.replace(tzinfo=SHOP_TIMEZONE)
    monday = monday_of(local.date())
    if local < cutoff_at(monday):
        return 0
    week_start = monday + timedelta(days=7)
    # Every producer that open orders need something from (a substitute's producer too), read once for all.
    needs_of: dict[int, list[Need]] = defaultdict(list)
    for need in list_open_needs():
        if need.product is not None:
            needs_of[need.product.producer_id].append(need)
    producer_ids = sorted(pid for pid, needs in needs_of.items() if any(need.to_pick > 0 for need in needs))
    existing = {
        row.producer_id: row
        for row in db.session.scalars(
            select(ProducerOrderList).where(ProducerOrderList.week_start == week_start)
        )
    }
    sent = 0
    for producer_id in producer_ids:
        row = existing.get(producer_id)
        if row is not None and row.sent_at is not None:
            continue
        producer = db.session.get(Producer, producer_id)
        if producer is None or not producer.active:
            continue
        lines = build_order_list(producer, week_start, demand_items(needs_of[producer_id]))
        if not lines or not recipients_for(producer):
            continue
        if row is None:
            row = ProducerOrderList(producer_id=producer_id, week_start=week_start,
                                    deliver_by=deliver_by_for(week_start), times_sent=0, lines=[])
            if not add_unless_taken(row):
                continue  # another run is sending this producer's list right now
        row.lines = lines
        row.deliver_by = deliver_by_for(week_start)
        row.sent_at = utcnow()
        row.times_sent = 1
        db.session.flush()
        _queue_order_list(row, producer, f"producer-order-list:{producer_id}:{week_start.isoformat()}")
        sent += 1
    return sent


def request_resend(order_list: ProducerOrderList, *, by=None) -> int:
    """Queue the recorded list again (same lines as sent), on the producer's request.

    Sets ``resend_requested_at``, adds one to ``times_sent`` and queues the mail with a new dedupe key.
    Raises OrderListError when the list was never sent. Returns the number of mails queued.
    """
    if order_list.sent_at is None:
        raise OrderListError(_l("Deze leverlijst is nog niet verstuurd."))
    order_list.resend_requested_at = utcnow()
    order_list.times_sent = (order_list.times_sent or 0) + 1
    db.session.flush()
    return _queue_order_list(order_list, order_list.producer,
                             f"producer-order-list:{order_list.id}:resend-{order_list.times_sent}")


def list_order_lists(producer_id: int, limit: int = 4) -> list[ProducerOrderList]:
    """The producer's most recent order lists, newest week first."""
    return list(db.session.scalars(
        select(ProducerOrderList).where(ProducerOrderList.producer_id == producer_id)
        .order_by(ProducerOrderList.week_start.desc()).limit(limit)
    ))


def get_order_list_for_producer(order_list_id: int, producer_id: int) -> ProducerOrderList | None:
    """An order list only when it is this producer's (None otherwise: the view answers 404)."""
    return db.session.scalar(
        select(ProducerOrderList).where(ProducerOrderList.id == order_list_id,
                                        ProducerOrderList.producer_id == producer_id)
    )
