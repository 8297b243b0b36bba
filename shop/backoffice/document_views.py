"""Back office: an order's invoice and credit notes as PDF downloads (listed on the order's page,
templates/backoffice/_order_documents.html)."""

from __future__ import annotations

from flask import abort

from shop.accounts.auth import staff_required
from shop.backoffice.views import bp
from shop.core.downloads import pdf_response
from shop.extensions import db
from shop.invoicing.models import CreditNote, Invoice
from shop.invoicing.services import (
    credit_note_filename,
    invoice_filename,
    render_credit_note_pdf,
    render_invoice_pdf,
)


@bp.get("/facturen/<int:invoice_id>/pdf")
@staff_required
def invoice_pdf(invoice_id: int):
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        abort(404)
    return pdf_response(render_invoice_pdf(invoice), invoice_filename(invoice))


@bp.get("/creditnotas/<int:credit_note_id>/pdf")
@staff_required
def credit_note_pdf(credit_note_id: int):
    note = db.session.get(CreditNote, credit_note_id)
    if note is None:
        abort(404)
    return pdf_response(render_credit_note_pdf(note), credit_note_filename(note))
