"""Reads of orders for the back office: the filtered, paginated list and one order with all it shows.

Each read uses a fixed number of queries whatever the page size (select + selectinload, no lazy loads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Producer, Product
from shop.core.ids import parse_id, parse_whole_number
from shop.core.query_string import MAX_PAGE
from shop.extensions import db
from shop.orders.models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    Shipment,
)

PER_PAGE = 50
Q_MAX = 100

STATUS_LABELS = {status: status.label for status in OrderStatus}
METHOD_LABELS = {DeliveryMethod.PICKUP: _l("Afhalen"), DeliveryMethod.DELIVERY: _l("Levering")}


@dataclass
class OrderFilters:
    status: OrderStatus | None = None
    method: DeliveryMethod | None = None
    date_from: date | None = None
    date_to: date | None = None
    producer_id: int | None = None
    q: str = ""
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any((self.status, self.method, self.date_from, self.date_to, self.producer_id, self.q))

    def query_args(self, **changes) -> dict[str, str]:
        """The URL parameters of these filters (for links to other pages of the list)."""
        args = {
            "status": self.status.value if self.status else None,
            "methode": self.method.value if self.method else None,
            "van": self.date_from.isoformat() if self.date_from else None,
            "tot": self.date_to.isoformat() if self.date_to else None,
            "producent": str(self.producer_id) if self.producer_id else None,
            "q": self.q or None,
            "pagina": str(self.page) if self.page > 1 else None,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value}


def _date(value: str, label, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(str(_l("%(field)s is geen geldige datum (JJJJ-MM-DD); die filter is genegeerd.", field=label)))
        return None


def parse_order_filters(args: Mapping[str, str]) -> OrderFilters:
    """Read the list's URL parameters; an invalid value gets a message in ``errors`` and is ignored."""
    filters = OrderFilters()
    errors = filters.errors
    status = (args.get("status") or "").strip()
    if status:
        try:
            filters.status = OrderStatus(status)
        except ValueError:
            errors.append(str(_l("Onbekende status; die filter is genegeerd.")))
    method = (args.get("methode") or "").strip()
    if method:
        try:
            filters.method = DeliveryMethod(method)
        except ValueError:
            errors.append(str(_l("Onbekende leverwijze; die filter is genegeerd.")))
    van, tot = (args.get("van") or "").strip(), (args.get("tot") or "").strip()
    if van:
        filters.date_from = _date(van, _l("Van"), errors)
    if tot:
        filters.date_to = _date(tot, _l("Tot"), errors)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors.append(str(_l("De begindatum ligt na de einddatum; de datums zijn genegeerd.")))
        filters.date_from = filters.date_to = None
    producer = (args.get("producent") or "").strip()
    if producer:
        filters.producer_id = parse_id(producer)
        if filters.producer_id is None:
            errors.append(str(_l("Onbekende producent; die filter is genegeerd.")))
    q = (args.get("q") or "").strip()
    if len(q) > Q_MAX:
        errors.append(str(_l("De zoekterm is ingekort tot %(max)s tekens.", max=Q_MAX)))
        q = q[:Q_MAX]
    filters.q = q
    page = (args.get("pagina") or "").strip()
    if page:
        number = parse_whole_number(page, minimum=1, maximum=MAX_PAGE)
        if number is not None:
            filters.page = number
        else:
            errors.append(str(_l("Ongeldig paginanummer; pagina 1 wordt getoond.")))
    return filters


def _conditions(filters: OrderFilters) -> list:
    conditions = []
    if filters.status:
        conditions.append(Order.status == filters.status)
    shipment_conditions = []
    if filters.method:
        shipment_conditions.append(Shipment.method == filters.method)
    if filters.date_from:
        shipment_conditions.append(Shipment.scheduled_date >= filters.date_from)
    if filters.date_to:
        shipment_conditions.append(Shipment.scheduled_date <= filters.date_to)
    if shipment_conditions:
        conditions.append(Order.id.in_(select(Shipment.order_id).where(*shipment_conditions)))
    if filters.producer_id:
        loose = (select(OrderLine.order_id).join(Product, Product.id == OrderLine.product_id)
                 .where(Product.producer_id == filters.producer_id))
        in_package = (select(OrderLine.order_id).join(OrderLineComponent, OrderLineComponent.order_line_id == OrderLine.id)
                      .where(OrderLineComponent.producer_id == filters.producer_id))
        conditions.append(or_(Order.id.in_(loose), Order.id.in_(in_package)))
    if filters.q:
        needle = filters.q.lower()
        conditions.append(or_(*(func.lower(column).contains(needle, autoescape=True)
                                for column in (Order.number, Order.name, Order.email))))
    return conditions


@dataclass
class OrderPage:
    orders: list[Order]
    total: int
    page: int
    pages: int
    per_page: int


def list_orders(filters: OrderFilters, *, per_page: int = PER_PAGE) -> OrderPage:
    """One page of the orders matching ``filters``, newest first, with their shipments (2 queries + count).

    A page past the last one shows the last page."""
    conditions = _conditions(filters)
    total = db.session.scalar(select(func.count(Order.id)).where(*conditions)) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(filters.page, pages)
    orders = list(db.session.scalars(
        select(Order).where(*conditions)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
        .options(selectinload(Order.shipments))
    ))
    return OrderPage(orders, total, page, pages, per_page)


def list_producer_choices() -> list[tuple[int, str]]:
    """Every producer (id, name) by name, for the producer filter."""
    return [(row.id, row.name) for row in db.session.execute(select(Producer.id, Producer.name).order_by(Producer.name))]


def get_order_for_staff(order_id: int) -> Order | None:
    """The order with everything the detail page shows: lines and components, shipments, transitions,
    refunds and notes."""
    return db.session.scalar(
        select(Order).where(Order.id == order_id).options(
            selectinload(Order.lines).selectinload(OrderLine.components),
            selectinload(Order.shipments),
            selectinload(Order.transitions),
            selectinload(Order.refunds),
            selectinload(Order.notes),
        )
    )


def user_emails(user_ids) -> dict[int, str]:
    """E-mail addresses of the given users (who made a refund), in one query."""
    from shop.accounts.models import User

    ids = {user_id for user_id in user_ids if user_id}
    if not ids:
        return {}
    return {row.id: row.email for row in db.session.execute(select(User.id, User.email).where(User.id.in_(ids)))}
