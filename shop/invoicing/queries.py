"""Reads of invoices by their order: orders never refer to invoicing, so the order's invoice is asked for here
(the back office's order page, the confirmation mail, the personal-data export)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from shop.accounts.export import as_iso
from shop.extensions import db
from shop.invoicing.models import Invoice
from shop.orders.models import Order


def get_invoice_of(order: Order) -> Invoice | None:
    """The order's invoice, or None before it is paid (one query; an invoice issued in this transaction too)."""
    if order.id is None:
        return None
    return db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))


def invoices_by_order(order_ids: Iterable[int]) -> dict[int, Invoice]:
    """The invoices of the given orders by order id, in one query; an order without one is left out."""
    ids = sorted({order_id for order_id in order_ids if order_id is not None})
    if not ids:
        return {}
    invoices = db.session.scalars(select(Invoice).where(Invoice.order_id.in_(ids)))
    return {invoice.order_id: invoice for invoice in invoices}


def export_invoices(orders: Sequence[Order]) -> dict[int, dict[str, Any]]:
    """Each exported order's invoice in the personal-data export (number, date, buyer data, total), by order id;
    one query (shop.orders.customers.add_export_entry)."""
    return {
        order_id: {
            "number": invoice.number,
            "issued_at": as_iso(invoice.issued_at),
            "buyer": invoice.buyer,
            "total_cents": invoice.total_cents,
        }
        for order_id, invoice in invoices_by_order(order.id for order in orders).items()
    }
