"""The invoice and credit-note PDFs print the document's figures: every line, base/VAT/gross per rate, base +
VAT (+ rounding) = total, and a company buyer's identifiers. Read back from the PDF's own text (tests.helpers.
pdf_rows), compared with the document's data."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import format_date
from sqlalchemy import select

from shop.core.clock import shop_day
from shop.core.money import format_eur
from shop.extensions import db
from shop.invoicing.models import CreditNote
from shop.invoicing.pdf import render_credit_note_pdf, render_invoice_pdf
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.services import issue_invoice
from shop.orders.models import DeliveryMethod
from shop.orders.refunds import request_refund, send_refund
from shop.payments.services import gateway_for
from tests.factories import make_order_paid_at, make_product, make_refund, make_sample_order
from tests.helpers import pdf_rows

eur = format_eur


def _company_order():
    """An De Vos's company order with delivery and a purchase-order reference, invoiced (total 110,45)."""
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True)
    order.purchase_order = "PO-2026-77"
    issue_invoice(order)
    db.session.commit()
    return order


def _line_rows(document) -> list[list[str]]:
    """The table row each of the document's lines must print: description (unit), quantity, unit price, rate,
    total."""
    rows = []
    for line in document.lines:
        name = line["name"] + (f" ({line['unit']})" if line["unit"] else "")
        rate = [f"{line['vat_rate']} %"] if line["vat_rate"] is not None else []
        rows.append([name, str(line["quantity"]), eur(line["unit_price_cents"]), *rate, eur(line["total_cents"])])
    return rows


def _vat_rows(document) -> list[list[str]]:
    return [[f"{v['rate']} %", eur(v["base_cents"]), eur(v["vat_cents"]), eur(v["gross_cents"])]
            for v in document.vat_lines]


def _after(rows: list[list[str]], heading: list[str]) -> list[list[str]]:
    return rows[rows.index(heading) + 1:]


VAT_HEADING = ["Btw-tarief", "Maatstaf", "Btw", "Totaal incl. btw"]
LINE_HEADING = ["Omschrijving", "Aantal", "Eenheidsprijs", "Btw", "Totaal"]


def test_the_invoice_pdf_prints_every_line_each_rate_and_the_total(db):
    order = _company_order()
    invoice = get_invoice_of(order)

    rows = pdf_rows(render_invoice_pdf(invoice, compress=False))

    assert ["Factuur"] in rows
    assert [f"Factuurnummer: {invoice.number}"] in rows
    for expected in _line_rows(invoice):
        assert expected in rows
    assert ["Gentse mokken (250 g)", "2", eur(450), "6 %", eur(900)] in rows  # the figures, spelled out once
    vat = _after(rows, VAT_HEADING)
    assert vat[:2] == _vat_rows(invoice) == [["6 %", eur(2799), eur(168), eur(2967)],
                                              ["21 %", eur(6676), eur(1402), eur(8078)]]
    assert vat[2:5] == [["Totaal maatstaf", eur(invoice.base_cents)], ["Totaal btw", eur(invoice.vat_cents)],
                        ["Totaal", eur(invoice.total_cents)]]
    assert invoice.base_cents + invoice.vat_cents == invoice.total_cents == 11045
    assert not any(row[0] == "Afronding" for row in rows)


def test_a_company_buyer_is_printed_with_its_identifiers(db):
    order = _company_order()
    invoice = get_invoice_of(order)
    refund = make_refund(order, 500, reason="Gebaar")
    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))

    for data in (render_invoice_pdf(invoice, compress=False), render_credit_note_pdf(note, compress=False)):
        rows = pdf_rows(data)
        assert ["Brouwerij Het Anker Gent bv"] in rows
        assert ["Btw-nummer: BE0123456749"] in rows
        assert ["Ondernemingsnummer: 0123456749"] in rows
        assert ["Peppol-id: 0208:0123456749"] in rows
        assert ["Uw referentie (bestelbon): PO-2026-77"] in rows


def test_a_private_buyer_has_no_company_identifiers(db):
    invoice = issue_invoice(make_sample_order(method=DeliveryMethod.PICKUP))

    printed = " ".join(" ".join(row) for row in pdf_rows(render_invoice_pdf(invoice, compress=False)))

    assert "Afhaling in het Groot Vleeshuis" in printed
    assert "Ondernemingsnummer" not in printed and "Peppol" not in printed and "bestelbon" not in printed


def test_the_credit_note_pdf_names_the_invoice_it_corrects_the_reason_and_the_amount_paid_back(db):
    order = _company_order()
    invoice = get_invoice_of(order)
    refund = make_refund(order, 1000, reason="Pakket beschadigd")
    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))

    rows = pdf_rows(render_credit_note_pdf(note, compress=False))

    assert ["Creditnota"] in rows and ["Creditnota aan"] in rows
    assert [f"Creditnotanummer: {note.number}"] in rows
    assert [f"Datum: {format_date(shop_day(note.issued_at), 'long')}"] in rows
    assert [f"Corrigeert factuur {invoice.number} van {format_date(shop_day(invoice.issued_at), 'long')}"] in rows
    assert [f"Bestelling: {order.number}"] in rows
    assert ["Reden: Pakket beschadigd"] in rows
    lines = _after(rows, LINE_HEADING)
    assert lines[:2] == _line_rows(note) == [["Pakket beschadigd", "1", eur(269), "6 %", eur(269)],
                                             ["Pakket beschadigd", "1", eur(731), "21 %", eur(731)]]
    vat = _after(rows, VAT_HEADING)
    assert vat[:2] == _vat_rows(note) == [["6 %", eur(254), eur(15), eur(269)], ["21 %", eur(604), eur(127), eur(731)]]
    assert vat[2:5] == [["Totaal maatstaf", eur(858)], ["Totaal btw", eur(142)], ["Totaal terugbetaald", eur(1000)]]
    assert note.total_cents == 1000


def test_a_full_credit_note_prints_the_invoices_own_lines(db):
    order = _company_order()
    invoice = get_invoice_of(order)
    refund = make_refund(order, order.total_cents, reason="Geannuleerd door de winkel")
    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))

    rows = pdf_rows(render_credit_note_pdf(note, compress=False))

    for expected in _line_rows(invoice):
        assert expected in rows
    assert _after(rows, VAT_HEADING)[:2] == _vat_rows(invoice)
    assert ["Totaal terugbetaald", eur(11045)] in rows


def test_an_invoice_with_a_rounding_cent_prints_it_so_base_vat_and_rounding_make_the_total(db):
    # 0,97 at 6 %: net 0,92, VAT 0,92 x 6 % = 0,0552 -> 0,06; 0,92 + 0,06 = 0,98: a rounding of -0,01.
    product = make_product("Snoepje", price_cents=97, stock=10)
    order = make_order_paid_at((product, 1), at=datetime(2026, 11, 5, 10, tzinfo=UTC))
    invoice = get_invoice_of(order)

    rows = pdf_rows(render_invoice_pdf(invoice, compress=False))

    assert invoice.rounding_cents == -1
    assert _after(rows, VAT_HEADING)[:5] == [["6 %", eur(92), eur(6), eur(97)], ["Totaal maatstaf", eur(92)],
                                             ["Totaal btw", eur(6)], ["Afronding", eur(-1)], ["Totaal", eur(97)]]


def test_a_credit_note_with_a_rounding_cent_prints_it(db):
    # 0,09 at 6 %: net 0,08, VAT 0,0048 -> 0,00; 0,08 + 0,00 = 0,08: a rounding of +0,01.
    order = _company_order()
    refund = request_refund(order, 9, reason="Kleine fout", vat_split={6: 9})
    db.session.commit()
    send_refund(refund, gateway_for(order))
    db.session.commit()
    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))

    rows = pdf_rows(render_credit_note_pdf(note, compress=False))

    assert note.rounding_cents == 1
    assert _after(rows, VAT_HEADING)[:5] == [["6 %", eur(8), eur(0), eur(9)], ["Totaal maatstaf", eur(8)],
                                             ["Totaal btw", eur(0)], ["Afronding", eur(1)],
                                             ["Totaal terugbetaald", eur(9)]]


def test_the_compressed_credit_note_is_a_pdf_with_its_title(db):
    order = _company_order()
    refund = make_refund(order, 500, reason="Gebaar")
    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))

    assert render_credit_note_pdf(note).startswith(b"%PDF")
    assert f"/Title (Creditnota {note.number})".encode() in render_credit_note_pdf(note, compress=False)


MENTION = "Btw terug te storten aan de Staat in de mate waarin ze oorspronkelijk in aftrek werd gebracht."


def test_a_credit_note_to_a_company_carries_the_legal_mention_on_the_pdf_and_in_the_e_invoice(db):
    from lxml import etree

    from shop.invoicing.ubl import render_ubl

    order = _company_order()
    refund = make_refund(order, 1000, reason="Pakket beschadigd")
    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))

    text = " ".join(" ".join(row) for row in pdf_rows(render_credit_note_pdf(note, compress=False)))
    ubl_note = etree.fromstring(render_ubl(note, pdf=b"")).findtext(
        "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}Note")

    assert MENTION in text
    assert ubl_note == f"Pakket beschadigd {MENTION}"


def test_a_consumers_credit_note_has_no_mention(db):
    order = make_sample_order()
    issue_invoice(order)
    db.session.commit()
    refund = make_refund(order, 500, reason="Gebaar")
    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))

    text = " ".join(" ".join(row) for row in pdf_rows(render_credit_note_pdf(note, compress=False)))

    assert MENTION not in text
