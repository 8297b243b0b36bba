"""Back office: e-invoices. The UBL of any invoice or credit note to download, sending a company's e-invoice
again, and the list of e-invoices that need staff (invalid or rejected). The rules are in
shop.invoicing.delivery; the order page shows each document's e-invoice (templates/backoffice/_einvoices.html).
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.views import bp
from shop.core.errors import DomainError
from shop.extensions import db
from shop.invoicing.delivery import list_einvoices_needing_attention, render_einvoice, resend_einvoice
from shop.invoicing.models import CreditNote, DeliveryStatus, EInvoiceDelivery, Invoice


def _xml_download(document) -> Response:
    """The document's UBL as it is validated and sent, saved as ``<number>.xml``."""
    return Response(render_einvoice(document), content_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{document.number}.xml"'})


@bp.get("/facturen/<int:invoice_id>.xml")
@staff_required
def invoice_xml(invoice_id: int):
    return _xml_download(db.get_or_404(Invoice, invoice_id))


@bp.get("/creditnotas/<int:credit_note_id>.xml")
@staff_required
def credit_note_xml(credit_note_id: int):
    return _xml_download(db.get_or_404(CreditNote, credit_note_id))


@bp.post("/e-facturen/<int:delivery_id>/opnieuw")
@staff_required
def einvoice_resend(delivery_id: int):
    """Validate the e-invoice again and queue it in a new round (the next sending run sends it); CSRF-protected
    like every POST, audited by the service."""
    delivery = db.get_or_404(EInvoiceDelivery, delivery_id)
    document = delivery.document
    target = url_for("backoffice.order_detail", order_id=document.order_id, _anchor="e-facturen")
    try:
        resend_einvoice(delivery, by=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(target, code=303)
    if delivery.status == DeliveryStatus.INVALID:
        rules = ", ".join(sorted({finding["rule"] for finding in delivery.findings if finding.get("blocking")}))
        flash(_("De e-factuur van %(number)s is nog altijd ongeldig (%(rules)s) en wordt niet verstuurd.",
                number=document.number, rules=rules), "error")
    else:
        flash(_("De e-factuur van %(number)s wordt opnieuw verstuurd bij de volgende verzendronde.",
                number=document.number), "success")
    return redirect(target, code=303)


@bp.get("/e-facturen")
@staff_required
def einvoice_list():
    """The e-invoices that were not sent and will not be without staff: invalid or rejected."""
    return render_template("backoffice/einvoice_list.html", deliveries=list_einvoices_needing_attention())
