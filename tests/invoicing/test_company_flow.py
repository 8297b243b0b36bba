"""The whole path of issue 12, through the pages: a company orders a mixed package and loose products at checkout,
pays, and receives an invoice (PDF and a UBL that passes the UBL 2.1 XSD, EN 16931 and Peppol BIS 3); staff pay
part of it back and the company receives a credit note whose UBL passes them too; the VAT report of the period
is the invoices minus the credit notes, to the cent."""

from __future__ import annotations

import re
from datetime import timedelta

from lxml import etree
from sqlalchemy import select

from shop.core.clock import shop_day
from shop.extensions import db as _db
from shop.invoicing.delivery import send_queued_einvoices
from shop.invoicing.models import CreditNote, DeliveryStatus, EInvoiceDelivery, Invoice
from shop.invoicing.queries import get_invoice_of
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxAttachment, OutboxMessage
from shop.outbox.rendering import attachment_data
from shop.reporting.reports import vat_report
from tests.factories import (
    log_in_as,
    make_locality,
    make_order_cart,
    make_package,
    make_product,
    make_staff,
    make_vat_category,
)

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"


def _attachments(kind: str, order: Order) -> dict[str, bytes]:
    message = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == kind,
                                                              OutboxMessage.order_id == order.id))
    assert message is not None, f"no {kind} mail"
    return {a.filename: attachment_data(a) for a in _db.session.scalars(
        select(OutboxAttachment).where(OutboxAttachment.message_id == message.id))}


def _blocking(validator, xml: bytes) -> list[str]:
    return [f"{finding.rule}: {finding.message}" for finding in validator.validate(xml) if finding.blocking]


def test_a_company_buys_pays_is_refunded_in_part_and_every_document_is_valid(app, client, db, ubl_validator,
                                                                            einvoice_dir):
    # A mixed package (cheese at 6 %, jenever at 21 %) and loose products at both rates.
    food, alcohol = make_vat_category("food", 6), make_vat_category("alcohol", 21)
    cheese = make_product("Hoevekaas", vat=food, price_cents=990, stock=20)
    jenever = make_product("Oude graanjenever", vat=alcohol, price_cents=2450, stock=20, perishable=False)
    mustard = make_product("Gentse mosterd", vat=food, price_cents=99, stock=20)
    package = make_package([(cheese, 1), (jenever, 1)], name="Kerstpakket", price_cents=3200)
    make_locality("9000", "Gent")
    cart = make_order_cart((package, 2), (mustard, 3), (jenever, 1))
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)

    # Checkout as a company (a guest), with a purchase-order reference; delivery in Gent.
    details = {"email": "aankoop@anker.be", "name": "Els Peeters", "phone": "", "method": "delivery",
               "recipient_name": "Els Peeters", "street": "Veldstraat 1", "postcode": "9000", "city": "Gent",
               "desired_date": "", "is_company": "y", "company_name": "Brouwerij Het Anker bv",
               "vat_number": "BE 0123.456.749", "billing_street": "Korenmarkt 1", "billing_postcode": "9000",
               "billing_city": "Gent", "purchase_order": "PO-2026-118", "peppol_id": ""}
    assert client.post("/afrekenen", data=details).status_code == 303
    review = client.get("/afrekenen/overzicht").get_data(as_text=True)
    assert "PO-2026-118" in review and "herroepingsrecht" in review
    placed = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})
    order = db.session.scalars(select(Order)).one()
    assert (order.purchase_order, order.peppol_id) == ("PO-2026-118", "0208:0123456749")

    # It pays (the demo payment page: the same lifecycle as Stripe's webhook).
    paid = client.post(placed.headers["Location"], data={"action": "pay"})
    assert paid.status_code == 303
    _db.session.expire_all()
    order = _db.session.get(Order, order.id)
    assert order.status == OrderStatus.PAID
    invoice = get_invoice_of(order)
    assert invoice.buyer["purchase_order"] == "PO-2026-118"

    # The confirmation carries the invoice PDF; the e-invoice goes out by mail with the PDF and the UBL.
    assert f"factuur-{invoice.number}.pdf" in _attachments("order_confirmed", order)
    delivery = _db.session.scalar(select(EInvoiceDelivery).where(EInvoiceDelivery.invoice_id == invoice.id))
    assert (delivery.status, delivery.findings) == (DeliveryStatus.QUEUED, [])
    send_queued_einvoices()
    _db.session.expire_all()
    sent = {name: data for name, data in _einvoice_mail(invoice.number).items()}
    invoice_ubl = sent[f"factuur-{invoice.number}.xml"]
    assert _blocking(ubl_validator, invoice_ubl) == []
    assert etree.fromstring(invoice_ubl).findtext(f"{CBC}BuyerReference") == "PO-2026-118"

    # Staff pay part of it back from the back office.
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    page = client.get(f"/beheer/bestellingen/{order.id}").get_data(as_text=True)
    key = re.search(r'name="request_key" value="([0-9a-f]{32})"', page).group(1)
    refunded = client.post(f"/beheer/bestellingen/{order.id}/terugbetalen",
                           data={"request_key": key, "amount": "15,37", "reason": "Eén pakket beschadigd"})
    assert refunded.status_code == 303
    _db.session.expire_all()
    [note] = _db.session.scalars(select(CreditNote).where(CreditNote.order_id == order.id)).all()
    assert (note.total_cents, note.invoice_id) == (1537, invoice.id)
    assert sum(line["gross_cents"] for line in note.vat_lines) == 1537
    assert {line["rate"] for line in note.vat_lines} == {6, 21}  # split over the rates as the sale was

    # The company receives the credit note: its PDF by mail, its UBL valid too.
    assert f"creditnota-{note.number}.pdf" in _attachments("credit_note_issued", order)
    send_queued_einvoices()
    note_ubl = _einvoice_mail(note.number)[f"creditnota-{note.number}.xml"]
    assert _blocking(ubl_validator, note_ubl) == []
    root = etree.fromstring(note_ubl)
    assert root.tag.endswith("CreditNote")
    assert root.findtext(f"{CBC}CreditNoteTypeCode") == "381"

    # The VAT report of the period: the invoice minus the credit note, per rate, to the cent.
    day = shop_day(invoice.issued_at)
    report = vat_report(day - timedelta(days=1), day + timedelta(days=1))
    for line in report.lines:
        invoiced = next(v for v in invoice.vat_lines if v["rate"] == line.rate)
        credited = next((v for v in note.vat_lines if v["rate"] == line.rate),
                        {"gross_cents": 0, "base_cents": 0, "vat_cents": 0})
        assert (line.net.gross_cents, line.net.base_cents, line.net.vat_cents) == (
            invoiced["gross_cents"] - credited["gross_cents"], invoiced["base_cents"] - credited["base_cents"],
            invoiced["vat_cents"] - credited["vat_cents"])
    assert (report.invoice_count, report.credit_note_count) == (1, 1)
    assert report.net.gross_cents == invoice.total_cents - note.total_cents
    assert _db.session.scalar(select(Invoice.id)) == invoice.id


def _einvoice_mail(number: str) -> dict[str, bytes]:
    """The attachments of the mail that carried the e-invoice of document ``number``."""
    for message in _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        attachments = {a.filename: a.data for a in message.attachments}
        if any(name.endswith(f"{number}.xml") for name in attachments):
            return attachments
    raise AssertionError(f"no e-invoice mail for {number}")
