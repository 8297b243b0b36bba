"""Invoices as data, numbered without gaps per year; the PDF (shop.invoicing.pdf) is rendered from the data.

The sequence comes from the ``invoice-<year>`` row of ``counters`` (shop.core.numbering.next_value:
``UPDATE ... SET value = value + 1 ... RETURNING value``, the row created on first use inside a savepoint),
in the caller's transaction: the row lock serialises
concurrent issuers on PostgreSQL (SQLite serialises writers), and a rolled-back transaction gives its number
back, so the numbers have no gaps.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from shop.core.clock import SHOP_TIMEZONE
from shop.core.db import utcnow
from shop.core.numbering import next_value
from shop.core.settings import get_settings
from shop.extensions import db
from shop.invoicing.models import Invoice
from shop.invoicing.queries import export_invoices, get_invoice_of
from shop.orders.customers import add_export_entry
from shop.orders.lifecycle import add_effect
from shop.orders.models import DeliveryMethod, Order, OrderStatus
from shop.orders.notifications import add_attachments, add_mail_context
from shop.orders.queries import add_fee_by_rate, goods_gross_by_rate, order_vat_lines


def delivery_fee_by_rate(order: Order) -> dict[int, int]:
    """The delivery fee per VAT rate: it follows the goods' rates (shop.orders.queries.add_fee_by_rate)."""
    goods = goods_gross_by_rate(order)
    with_fee = add_fee_by_rate(goods, order.delivery_fee_cents or 0)
    return {rate: with_fee[rate] - goods.get(rate, 0) for rate in sorted(with_fee) if with_fee[rate] != goods.get(rate, 0)}


def _buyer(order: Order) -> dict:
    shipment = order.shipment
    buyer = {
        "name": order.name,
        "email": order.email,
        "company_name": order.company_name or "",
        "vat_number": order.vat_number or "",
        "address": [],
        "pickup": False,
    }
    if order.billing_street:
        buyer["address"] = [order.billing_street, f"{order.billing_postcode} {order.billing_city}".strip()]
    elif shipment is not None and shipment.method == DeliveryMethod.DELIVERY and not shipment.is_gift:
        # A gift's delivery address is the recipient's, not the buyer's: it does not go on the invoice.
        buyer["address"] = [shipment.street, f"{shipment.postcode} {shipment.city}".strip()]
    elif shipment is not None and shipment.method == DeliveryMethod.PICKUP:
        buyer["pickup"] = True
    return buyer


def _lines(order: Order) -> list[dict]:
    lines = []
    for line in order.lines:
        entry = {
            "kind": "package" if line.components else "product",
            "name": line.name,
            "unit": line.unit or "",
            "quantity": line.quantity,
            "unit_price_cents": line.unit_price_cents,
            "total_cents": line.total_cents,
            "vat_rate": line.vat_rate,
            "components": [],
            "vat_split": [],
        }
        if line.components:
            by_rate: dict[int, int] = defaultdict(int)
            for component in line.components:
                by_rate[component.vat_rate] += component.share_cents * line.quantity
                entry["components"].append(
                    {"name": component.name, "quantity": component.quantity * line.quantity, "vat_rate": component.vat_rate}
                )
            entry["vat_split"] = [{"rate": rate, "gross_cents": by_rate[rate]} for rate in sorted(by_rate)]
            if len(by_rate) == 1:
                entry["vat_rate"] = next(iter(by_rate))
        lines.append(entry)
    fee_split = delivery_fee_by_rate(order)
    if order.delivery_fee_cents:
        lines.append(
            {
                "kind": "delivery",
                "name": _("Levering"),
                "unit": "",
                "quantity": 1,
                "unit_price_cents": order.delivery_fee_cents,
                "total_cents": order.delivery_fee_cents,
                "vat_rate": next(iter(fee_split)) if len(fee_split) == 1 else None,
                "components": [],
                "vat_split": [{"rate": rate, "gross_cents": fee_split[rate]} for rate in sorted(fee_split)],
            }
        )
    return lines


def _payment(order: Order) -> dict:
    paid_at: datetime | None = order.paid_at
    return {
        "provider": order.payment_provider.value if order.payment_provider else "",
        "reference": order.payment_intent_id or order.payment_session_id or "",
        "paid_at": paid_at.isoformat() if paid_at else None,
    }


def issue_invoice(order: Order) -> Invoice:
    """Create the order's invoice (once: an existing one is returned) with the next number of the year.

    Runs in the caller's transaction and never commits; the number is only used when the caller commits.
    """
    existing = get_invoice_of(order)
    if existing is not None:
        return existing
    settings = get_settings()
    issued_at = utcnow()
    year = issued_at.astimezone(SHOP_TIMEZONE).year
    with force_locale(order.locale or "nl"):
        lines = _lines(order)
    vat = order_vat_lines(order)
    if sum(line["gross_cents"] for line in vat) != order.total_cents:
        current_app.logger.error("invoice of order %s: VAT lines do not add up to the total", order.number)
    # Take the number last: on PostgreSQL the counter's row lock is held until the caller commits.
    sequence = next_value(f"invoice-{year}")
    invoice = Invoice(
        order=order,
        year=year,
        sequence=sequence,
        number=f"{year}-{sequence:06d}",
        issued_at=issued_at,
        seller={
            "name": settings.seller_name,
            "address": list(settings.seller_address),
            "vat_number": settings.seller_vat_number,
            "email": settings.seller_email,
        },
        buyer=_buyer(order),
        lines=lines,
        vat_lines=vat,
        total_cents=order.total_cents,
        payment=_payment(order),
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF (see shop.invoicing.pdf)."""
    from shop.invoicing.pdf import render_invoice_pdf as render

    return render(invoice)


def invoice_attachments(order: Order) -> list[tuple[str, str, bytes]]:
    """The order's invoice PDF, to attach to its confirmation (nothing before it is invoiced)."""
    invoice = get_invoice_of(order)
    if invoice is None:
        return []
    filename = _("factuur-%(number)s.pdf", number=invoice.number)
    return [(filename, "application/pdf", render_invoice_pdf(invoice))]


def invoice_mail_context(order: Order) -> dict[str, Invoice | None]:
    """The confirmation names the invoice it attaches: ``invoice`` (None before the order is invoiced)."""
    return {"invoice": get_invoice_of(order)}


def _invoice_when_paid(order: Order, from_status: OrderStatus, **_context) -> None:
    issue_invoice(order)


def connect_to_orders() -> None:
    """An order that is paid gets its invoice, its confirmation mail attaches it and names its number, and the
    personal-data export gives it with its order (called by create_app). Orders know nothing of invoices."""
    add_effect(OrderStatus.PAID, _invoice_when_paid)
    add_attachments("order_confirmed", invoice_attachments)
    add_mail_context("order_confirmed", invoice_mail_context)
    add_export_entry("invoice", export_invoices)
