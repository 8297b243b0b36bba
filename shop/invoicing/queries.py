"""Reads of invoices and credit notes by their order: orders never refer to invoicing, so an order's documents
are asked for here (the order pages, the confirmation mail, the personal-data export, the downloads)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction

from shop.accounts.export import as_iso
from shop.extensions import db
from shop.invoicing.models import CreditNote, Invoice
from shop.orders.models import Order

_ISSUED = "shop.invoices_issued"


def remember_issued(order: Order, invoice: Invoice) -> None:
    """The invoice just issued for ``order`` in the current transaction: get_invoice_of gives it without asking
    the database again (the confirmation mail asks for it right away, while the invoice number's counter row is
    still locked)."""
    db.session.info.setdefault(_ISSUED, {})[order.id] = invoice


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_issued(session: OrmSession, transaction: SessionTransaction) -> None:
    # Any transaction's end, a savepoint's too: one rolled back must not leave an invoice behind that is gone.
    session.info.pop(_ISSUED, None)


def get_invoice_of(order: Order) -> Invoice | None:
    """The order's invoice, or None before it is paid (one query, none for an invoice issued in this transaction
    (remember_issued); an invoice issued in this transaction is found either way)."""
    if order.id is None:
        return None
    issued = db.session.info.get(_ISSUED, {}).get(order.id)
    if issued is not None:
        return issued
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


def export_credit_notes(orders: Sequence[Order]) -> dict[int, list[dict[str, Any]]]:
    """Each exported order's credit notes in the personal-data export (number, date, the invoice it corrects,
    reason, buyer data, total paid back), by order id; one query. An order without any is left out."""
    ids = sorted({order.id for order in orders if order.id is not None})
    if not ids:
        return {}
    exported: dict[int, list[dict[str, Any]]] = {}
    for note in db.session.scalars(select(CreditNote).where(CreditNote.order_id.in_(ids)).order_by(CreditNote.id)):
        exported.setdefault(note.order_id, []).append({
            "number": note.number,
            "issued_at": as_iso(note.issued_at),
            "invoice_id": note.invoice_id,
            "reason": note.reason,
            "buyer": note.buyer,
            "total_cents": note.total_cents,
        })
    return exported


def documents_by_order(order_ids: Iterable[int]) -> dict[int, tuple[Invoice, list[CreditNote]]]:
    """Each given order's invoice and its credit notes (oldest first), by order id, in two queries; an order
    without an invoice is left out (its pages list no documents)."""
    invoices = invoices_by_order(order_ids)
    if not invoices:
        return {}
    notes: dict[int, list[CreditNote]] = {order_id: [] for order_id in invoices}
    for note in db.session.scalars(
        select(CreditNote).where(CreditNote.order_id.in_(list(invoices))).order_by(CreditNote.id)
    ):
        notes.setdefault(note.order_id, []).append(note)
    return {order_id: (invoice, notes[order_id]) for order_id, invoice in invoices.items()}


def get_invoice_by_number(number: str) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.number == number))


def get_credit_note_by_number(number: str) -> CreditNote | None:
    return db.session.scalar(select(CreditNote).where(CreditNote.number == number))
