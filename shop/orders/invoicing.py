"""Invoices as data, numbered without gaps per year; the PDF is rendered from the data.

Interface used by shop.orders.lifecycle; the invoicing work fills in the body.
"""

from __future__ import annotations

from shop.orders.models import Invoice, Order


def issue_invoice(order: Order) -> Invoice | None:
    """Create the order's invoice (once) with the next number of the year, in the caller's transaction."""
    return order.invoice
