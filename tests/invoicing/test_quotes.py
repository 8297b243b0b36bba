"""The quote PDF (the invoice's layout, the quote's words) and the e-invoice of an order paid by transfer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from shop.core.money import format_eur
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.quotes import quote_document, render_quote_pdf
from shop.invoicing.ubl import render_ubl
from shop.invoicing.validation import validate_ubl
from shop.payments.transfers import accept_quote, mark_transfer_received
from tests.factories import make_product, make_quote_order, make_staff, make_vat_category
from tests.helpers import pdf_rows

BRUSSELS = ZoneInfo("Europe/Brussels")
NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def eur(cents: int) -> str:
    return format_eur(cents)


def _mixed_quote():
    food, alcohol = make_vat_category("food", 6), make_vat_category("alcohol", 21)
    box = make_product("Relatiegeschenk", vat=food, price_cents=4500, stock=20, unit="doos")
    jenever = make_product("Oude graanjenever", vat=alcohol, price_cents=2450, stock=20, unit="50 cl",
                           perishable=False)
    return make_quote_order((box, 10), (jenever, 4))  # 450,00 + 98,00 = 548,00


def test_the_quote_pdf_prints_its_number_validity_parties_lines_vat_per_rate_and_total(db):
    order = _mixed_quote()
    quote = quote_document(order)

    rows = pdf_rows(render_quote_pdf(quote, compress=False))

    assert ["Offerte"] in rows
    assert [f"Offertenummer: {order.quote_number}"] in rows
    assert ["Geldig tot en met: 21 december 2026"] in rows
    assert [f"Bestelling: {order.number}"] in rows
    assert ["Offerte aan"] in rows
    assert ["Brouwerij Het Anker Gent bv"] in rows
    assert ["Btw-nummer: BE0123456749"] in rows
    assert ["Relatiegeschenk (doos)", "10", eur(4500), "6 %", eur(45000)] in rows
    assert ["Oude graanjenever (50 cl)", "4", eur(2450), "21 %", eur(9800)] in rows
    assert ["6 %", eur(42453), eur(2547), eur(45000)] in rows
    assert ["21 %", eur(8099), eur(1701), eur(9800)] in rows
    assert ["Totaal", eur(54800)] in rows
    printed = " ".join(" ".join(row) for row in rows)
    assert "BE71096123456769" in printed
    assert "Factuur" not in printed


def test_the_invoice_of_an_order_paid_by_transfer_states_credit_transfer_with_its_reference(db, ubl_validator):
    order = _mixed_quote()
    accept_quote(order, now=datetime(2026, 12, 9, 15, 0, tzinfo=BRUSSELS))
    mark_transfer_received(order, 54800, by=make_staff())
    db.session.commit()
    invoice = get_invoice_of(order)

    xml = render_ubl(invoice, pdf=b"")

    assert validate_ubl(xml) == []
    root = etree.fromstring(xml)
    means = root.find("cac:PaymentMeans", NS)
    assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == "58"
    assert means.findtext("cbc:PaymentID", namespaces=NS) == order.transfer_reference
    assert means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "BE71096123456769"
    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert totals.findtext("cbc:PrepaidAmount", namespaces=NS) == "548.00"
    assert totals.findtext("cbc:PayableAmount", namespaces=NS) == "0.00"
    assert root.find("cbc:DueDate", NS) is None
