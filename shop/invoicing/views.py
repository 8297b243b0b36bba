"""The buyer's invoice and credit notes as PDF downloads, and the lists of them on the order pages.

Who may download a document is who may see its order:

- behind the order's secret status link (the guest's status page, /bestelling/<token>/...): whoever has the link,
  like the status page itself; a document of another order is 404;
- from the account (/account/documenten/...): the signed-in customer whose order it is (the orders the order
  history lists, ``Order.user_id``); anyone else's document is 404, not 403, so its existence is not revealed.

Staff download every document from the back office's order page (shop.backoffice.document_views).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.core.clock import shop_day
from shop.core.downloads import pdf_response
from shop.invoicing.models import CreditNote, Invoice
from shop.invoicing.queries import (
    documents_by_order,
    get_credit_note_by_number,
    get_invoice_by_number,
    get_invoice_of,
)
from shop.invoicing.quotes import quote_document, quote_filename, render_quote_pdf
from shop.invoicing.services import (
    credit_note_filename,
    invoice_filename,
    render_credit_note_pdf,
    render_invoice_pdf,
)
from shop.orders.models import Order
from shop.orders.queries import get_order_by_quote_number, get_order_by_token
from shop.orders.views import add_page_context

bp = Blueprint("invoicing", __name__)


@dataclass(frozen=True)
class DocumentLink:
    """One document as the order pages list it (templates/orders/_documents.html)."""

    label: str  # "Factuur" or "Creditnota", in the page's language
    number: str
    issued_on: date
    amount_cents: int
    reason: str
    url: str


# --- downloads behind the status link ---------------------------------------------------------------------------


def _order_of_link(token: str) -> Order:
    order = get_order_by_token(token)
    if order is None:
        abort(404)
    return order


@bp.get("/bestelling/<token>/factuur.pdf")
def invoice_by_link(token: str):
    invoice = get_invoice_of(_order_of_link(token))
    if invoice is None:
        abort(404)
    return pdf_response(render_invoice_pdf(invoice), invoice_filename(invoice))


@bp.get("/bestelling/<token>/offerte.pdf")
def quote_by_link(token: str):
    quote = quote_document(_order_of_link(token))
    if quote is None:
        abort(404)
    return pdf_response(render_quote_pdf(quote), quote_filename(quote))


@bp.get("/bestelling/<token>/creditnota/<number>.pdf")
def credit_note_by_link(token: str, number: str):
    order = _order_of_link(token)
    note = get_credit_note_by_number(number)
    if note is None or note.order_id != order.id:
        abort(404)
    return pdf_response(render_credit_note_pdf(note), credit_note_filename(note))


# --- downloads from the account ---------------------------------------------------------------------------------


def _mine(document: Invoice | CreditNote | None) -> Invoice | CreditNote:
    if document is None or document.order.user_id is None or document.order.user_id != current_user.id:
        abort(404)
    return document


@bp.get("/account/documenten/factuur/<number>.pdf")
@login_required
def my_invoice(number: str):
    invoice = _mine(get_invoice_by_number(number))
    return pdf_response(render_invoice_pdf(invoice), invoice_filename(invoice))


@bp.get("/account/documenten/offerte/<number>.pdf")
@login_required
def my_quote(number: str):
    order = get_order_by_quote_number(number)
    if order is None or order.user_id is None or order.user_id != current_user.id:
        abort(404)
    quote = quote_document(order)
    return pdf_response(render_quote_pdf(quote), quote_filename(quote))


@bp.get("/account/documenten/creditnota/<number>.pdf")
@login_required
def my_credit_note(number: str):
    note = _mine(get_credit_note_by_number(number))
    return pdf_response(render_credit_note_pdf(note), credit_note_filename(note))


# --- the lists on the order pages -------------------------------------------------------------------------------


def _links(orders: Sequence[Order], invoice_url, note_url, quote_url) -> dict[str, dict[int, list[DocumentLink]]]:
    documents: dict[int, list[DocumentLink]] = {}
    by_order = {order.id: order for order in orders}
    for order in orders:
        if order.quote_number:
            documents[order.id] = [DocumentLink(_("Offerte"), order.quote_number, shop_day(order.placed_at),
                                                order.total_cents, "", quote_url(order))]
    for order_id, (invoice, notes) in documents_by_order(by_order).items():
        order = by_order[order_id]
        links = [DocumentLink(_("Factuur"), invoice.number, shop_day(invoice.issued_at), invoice.total_cents, "",
                              invoice_url(order, invoice))]
        links += [DocumentLink(_("Creditnota"), note.number, shop_day(note.issued_at), note.total_cents,
                               note.reason, note_url(order, note)) for note in notes]
        documents[order_id] = documents.get(order_id, []) + links
    return {"documents": documents}


def status_page_documents(orders: Sequence[Order]) -> dict[str, dict[int, list[DocumentLink]]]:
    """The status page's documents, downloaded through its secret link."""
    return _links(orders,
                  lambda order, invoice: url_for("invoicing.invoice_by_link", token=order.status_token),
                  lambda order, note: url_for("invoicing.credit_note_by_link", token=order.status_token,
                                              number=note.number),
                  lambda order: url_for("invoicing.quote_by_link", token=order.status_token))


def history_documents(orders: Sequence[Order]) -> dict[str, dict[int, list[DocumentLink]]]:
    """The order history's documents, downloaded from the account."""
    return _links(orders,
                  lambda order, invoice: url_for("invoicing.my_invoice", number=invoice.number),
                  lambda order, note: url_for("invoicing.my_credit_note", number=note.number),
                  lambda order: url_for("invoicing.my_quote", number=order.quote_number))


def connect_to_order_pages() -> None:
    """The status page and the order history list each order's invoice and credit notes (called by create_app)."""
    add_page_context("status", status_page_documents)
    add_page_context("history", history_documents)
