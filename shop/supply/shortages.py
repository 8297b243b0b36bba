"""Shortages: a producer reports that it cannot deliver (all of) a product for an open order line.

Staff handle the report later (substitute the component or refund); that is the back office's work.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product
from shop.core.errors import DomainError
from shop.core.settings import get_settings
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.outbox.services import enqueue
from shop.supply.models import ShortageReport, ShortageStatus
from shop.supply.needs import OPEN_STATUSES

NOTE_MAX_LENGTH = 1000


class ShortageError(DomainError):
    pass


def units_needed(order_line: OrderLine, product_id: int) -> int:
    """Units of the product the line needs: loose, or as package components times the number of packages."""
    units = order_line.quantity if order_line.product_id == product_id else 0
    for component in order_line.components:
        if component.product_id == product_id:
            units += component.quantity * order_line.quantity
    return units


def report_shortage(order_line: OrderLine, product: Product, quantity: int, note: str, *, by=None) -> ShortageReport:
    """Record that ``quantity`` units of ``product`` cannot be delivered for ``order_line`` (status open).

    Raises ShortageError when the order is no longer open (paid or in preparation), the line does not hold
    the product, the product is not the reporting producer's, the quantity is not 1..needed, the note is
    too long, or an open report for the same line and product exists. Queues a mail to the shop's address
    for staff. Never commits.
    """
    if order_line.order.status not in OPEN_STATUSES:
        raise ShortageError(_l("Deze bestelling is niet meer open; een tekort melden kan niet meer."))
    producer_id = getattr(by, "producer_id", None)
    if producer_id is not None and product.producer_id != producer_id:
        raise ShortageError(_l("Dit product hoort niet bij je bedrijf."))
    needed = units_needed(order_line, product.id)
    if needed <= 0:
        raise ShortageError(_l("Dit product zit niet in deze bestellijn."))
    if quantity < 1 or quantity > needed:
        raise ShortageError(_l("Geef een aantal van 1 tot %(needed)s."), needed=needed)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ShortageError(_l("De toelichting mag hoogstens %(max)s tekens lang zijn."), max=NOTE_MAX_LENGTH)
    duplicate = db.session.scalar(
        select(ShortageReport.id).where(
            ShortageReport.order_line_id == order_line.id,
            ShortageReport.product_id == product.id,
            ShortageReport.status == ShortageStatus.OPEN,
        )
    )
    if duplicate is not None:
        raise ShortageError(_l("Voor dit product in deze bestelling is al een tekort gemeld."))
    report = ShortageReport(
        order_line_id=order_line.id,
        product_id=product.id,
        producer_id=product.producer_id,
        quantity=quantity,
        note=note,
        status=ShortageStatus.OPEN,
        reported_by_user_id=getattr(by, "id", None),
    )
    db.session.add(report)
    db.session.flush()
    _tell_staff(report, order_line, product)
    return report


def _tell_staff(report: ShortageReport, order_line: OrderLine, product: Product) -> None:
    """Queue a mail to the shop (its seller e-mail) so that staff can substitute or refund in time."""
    settings = get_settings()
    with force_locale("nl"):
        subject = _("Tekort gemeld door %(producer)s voor bestelling %(number)s", producer=product.producer.name,
                    number=order_line.order.number)
        context = dict(subject=subject, report=report, line=order_line, order=order_line.order, product=product,
                       settings=settings)
        text = render_template("emails/producer_shortage_reported.txt", **context)
        html = render_template("emails/producer_shortage_reported.html", **context)
    enqueue(kind="shortage_reported", to=settings.seller_email, subject=subject, text=text, html=html,
            order=order_line.order, dedupe_key=f"shortage-reported:{report.id}")


def get_open_line_for_producer(line_id: int, producer_id: int) -> OrderLine | None:
    """An order line of an open order that holds one of the producer's products (loose or in a package);
    None otherwise, so that the view answers 404 for another producer's line."""
    line = db.session.scalar(
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.id == line_id, Order.status.in_(OPEN_STATUSES))
        .options(selectinload(OrderLine.components), selectinload(OrderLine.order).selectinload(Order.shipments))
    )
    if line is None:
        return None
    if not my_products_in_line(line, producer_id):
        return None
    return line


def my_products_in_line(line: OrderLine, producer_id: int) -> list[tuple[Product, int]]:
    """(product, units needed) for each of the producer's products in the line."""
    ids = {c.product_id for c in line.components if c.producer_id == producer_id}
    if line.product_id is not None:
        ids.add(line.product_id)
    if not ids:
        return []
    products = db.session.scalars(
        select(Product).where(Product.id.in_(ids), Product.producer_id == producer_id).order_by(Product.name)
    ).all()
    return [(product, units_needed(line, product.id)) for product in products]


@dataclass
class ShortageRow:
    report: ShortageReport
    order_number: str
    line_name: str
    order_status: OrderStatus


def list_shortage_reports(producer_id: int) -> list[ShortageRow]:
    """The producer's shortage reports, newest first, with their order number (one query)."""
    rows = db.session.execute(
        select(ShortageReport, Order.number, OrderLine.name, Order.status)
        .join(OrderLine, OrderLine.id == ShortageReport.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(ShortageReport.producer_id == producer_id)
        .order_by(ShortageReport.created_at.desc(), ShortageReport.id.desc())
        .options(selectinload(ShortageReport.product))
    ).all()
    return [ShortageRow(report, number, name, status) for report, number, name, status in rows]


STATUS_LABELS = {status: status.producer_label for status in ShortageStatus}
