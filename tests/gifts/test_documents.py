"""The documents of a gift order: a packing slip and a gift card per shipment without prices, texts as written,
and the invoice's annex of recipients."""

import io

from PIL import Image

from shop.extensions import db
from shop.fulfilment.documents import build_packing_slips
from shop.fulfilment.pdf import render_gift_cards_pdf, render_packing_slips_pdf
from shop.gifts import services
from shop.invoicing.pdf import render_invoice_pdf
from shop.invoicing.services import issue_invoice
from shop.payments.services import payment_succeeded
from tests.gifts.conftest import row
from tests.helpers import pdf_rows


def _order(gift_shop, *, logo: bool = False):
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [
        row(name="=HYPERLINK(\"http://x\")", item="kerstpakket", message="<script>alert(1)</script>"),
        row(name="Bo", company="<b>Anker</b>", item="pralines", quantity="2", message="Proost!")])
    picture = None
    if logo:
        buffer = io.BytesIO()
        Image.new("RGB", (120, 60), "red").save(buffer, "PNG")
        buffer.seek(0)
        picture = buffer
    services.set_card(gift, "Fijne feesten van iedereen bij Anker", logo=picture)
    order = services.place_gift_order(gift, by=company)
    db.session.flush()
    return order


def _text(rows) -> str:
    return "\n".join(" ".join(cells) for cells in rows)


def test_each_shipment_has_its_slip_without_prices_and_texts_as_written(gift_shop):
    order = _order(gift_shop)

    slips = build_packing_slips([order])
    text = _text(pdf_rows(render_packing_slips_pdf(slips, compress=False)))

    assert [(s.recipient_name, [line.name for line in s.lines], s.show_prices) for s in slips] == [
        ('=HYPERLINK("http://x")', ["Kerstpakket"], False), ("Bo, <b>Anker</b>", ["Pralines"], False)]
    assert '=HYPERLINK("http://x")' in text and "<script>alert(1)</script>" in text and "Bo, <b>Anker</b>" in text
    assert "€" not in text and "Totaal" not in text


def test_each_card_has_the_personal_and_the_common_message_and_the_logo(gift_shop):
    order = _order(gift_shop, logo=True)

    data = render_gift_cards_pdf(build_packing_slips([order]), compress=False)
    rows = pdf_rows(data)

    assert rows.count(["Fijne feesten van iedereen bij Anker"]) == 2
    assert ["<script>alert(1)</script>"] in rows and ["Proost!"] in rows
    assert rows.count(["Van Brouwerij Het Anker Gent bv"]) == 2
    assert data.count(b"/Subtype /Image") == 1  # one logo, drawn on both cards
    assert "€" not in _text(rows)


def test_the_invoice_has_an_annex_listing_the_recipients(gift_shop, first_day):
    order = _order(gift_shop)
    payment_succeeded(order, payment_intent_id="pi_gift", actor="stripe")
    invoice = issue_invoice(order)

    rows = pdf_rows(render_invoice_pdf(invoice, compress=False))
    annex = rows[next(i for i, r in enumerate(rows) if r[0].startswith("Bijlage bij factuur")):]

    assert annex[0] == [f"Bijlage bij factuur {invoice.number}: ontvangers"]
    assert any(r[:3] == ["1", '=HYPERLINK("http://x")', "Veldstraat 1, 9000 Gent"] and r[-1] == "1 × Kerstpakket"
               for r in annex)
    assert any(r[:2] == ["2", "Bo, <b>Anker</b>"] and r[-1] == "2 × Pralines" for r in annex)
    assert "€" not in _text(annex)


def test_the_invoice_of_a_gift_order_is_valid_peppol_ubl_with_the_annex_embedded(gift_shop, ubl_validator):
    from lxml import etree

    from shop.invoicing.ubl import render_ubl
    from shop.invoicing.validation import validate_ubl

    order = _order(gift_shop)
    payment_succeeded(order, payment_intent_id="pi_gift", actor="stripe")
    invoice = issue_invoice(order)
    pdf = render_invoice_pdf(invoice)

    xml = render_ubl(invoice, pdf)

    assert [str(finding) for finding in validate_ubl(xml)] == []  # not even a warning
    root = etree.fromstring(xml)
    ns = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
          "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    inclusive = root.findtext("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", namespaces=ns)
    assert round(float(inclusive) * 100) == order.total_cents == invoice.total_cents
    assert root.xpath("//cbc:EmbeddedDocumentBinaryObject/@mimeCode", namespaces=ns) == ["application/pdf"]
    assert "Bijlage bij factuur" in _text(pdf_rows(render_invoice_pdf(invoice, compress=False)))
