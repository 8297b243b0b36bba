"""E-invoices: every invoice and credit note, whatever path issued it, renders as Peppol BIS Billing 3.0 UBL that
the offline validator accepts, stating the document's own figures (VAT per rate, totals) to the cent."""

from __future__ import annotations

import base64
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from shop.core.money import document_vat_lines
from shop.core.structured_reference import is_structured_reference
from shop.extensions import db
from shop.invoicing import validation
from shop.invoicing.models import CreditNote, Invoice
from shop.invoicing.pdf import render_credit_note_pdf
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.services import issue_invoice
from shop.invoicing.ubl import CUSTOMIZATION_ID, PROFILE_ID, render_ubl
from shop.invoicing.validation import validate_ubl
from shop.orders.models import DeliveryMethod, OrderStatus, PaymentStatus
from shop.orders.refunds import request_refund, send_refund
from shop.orders.staff_actions import cancel_by_staff
from shop.payments.services import gateway_for, payment_succeeded
from shop.supply.shortage_resolution import refund_missing, report_shortage_by_staff
from tests.factories import (
    make_locality,
    make_order,
    make_order_data,
    make_package,
    make_product,
    make_refund,
    make_sample_order,
    make_staff,
    make_vat_category,
)

DATA = Path(__file__).parent / "data"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
COMPANY = dict(is_company=True, company_name="Brouwerij Het Anker Gent bv", vat_number="BE0123456749",
               billing_street="Korenmarkt 1", billing_postcode="9000", billing_city="Gent")


# --- helpers ----------------------------------------------------------------------------------------------


def _cents(element: etree._Element | None) -> int:
    assert element is not None
    assert element.get("currencyID") == "EUR"
    assert len(element.text.partition(".")[2]) == 2  # exactly two decimals
    return int(Decimal(element.text) * 100)


def _text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=NS)


def _blocking(xml: bytes) -> list[str]:
    return [str(finding) for finding in validate_ubl(xml) if finding.blocking]


def _lines(root: etree._Element) -> list[etree._Element]:
    return root.findall("cac:InvoiceLine", NS) or root.findall("cac:CreditNoteLine", NS)


def _line_figures(root: etree._Element) -> list[tuple[str, int, int]]:
    """(name, VAT rate, net cents) of each UBL line."""
    return [(_text(line, "cac:Item/cbc:Name"), int(_text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")),
             _cents(line.find("cbc:LineExtensionAmount", NS))) for line in _lines(root)]


def _assert_valid_and_exact(document: Invoice | CreditNote, pdf: bytes | None = None) -> etree._Element:
    """The document's UBL has no finding (not even a warning) and states the document's figures exactly: per rate the
    taxable base and VAT of its vat_lines (what the PDF prints), line nets adding up to each base, quantity ×
    price = net on every line, totals, rounding, prepaid and nothing due."""
    xml = render_ubl(document, pdf)
    assert [str(finding) for finding in validate_ubl(xml)] == []  # not even a warning
    root = etree.fromstring(xml)

    subtotals = [(int(_text(sub, "cac:TaxCategory/cbc:Percent")), _cents(sub.find("cbc:TaxableAmount", NS)),
                  _cents(sub.find("cbc:TaxAmount", NS))) for sub in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)]
    assert subtotals == [(line["rate"], line["base_cents"], line["vat_cents"]) for line in document.vat_lines]
    assert _cents(root.find("cac:TaxTotal/cbc:TaxAmount", NS)) == document.vat_cents

    nets_by_rate: dict[int, int] = {}
    for _name, rate, net in _line_figures(root):
        nets_by_rate[rate] = nets_by_rate.get(rate, 0) + net
    assert nets_by_rate == {line["rate"]: line["base_cents"] for line in document.vat_lines}
    for line in _lines(root):
        quantity = Decimal(_text(line, "cbc:InvoicedQuantity") or _text(line, "cbc:CreditedQuantity"))
        base_quantity = Decimal(_text(line, "cac:Price/cbc:BaseQuantity") or 1)
        price = Decimal(_cents(line.find("cac:Price/cbc:PriceAmount", NS)))
        assert quantity * price / base_quantity == _cents(line.find("cbc:LineExtensionAmount", NS))

    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert _cents(totals.find("cbc:LineExtensionAmount", NS)) == document.base_cents
    assert _cents(totals.find("cbc:TaxExclusiveAmount", NS)) == document.base_cents
    assert _cents(totals.find("cbc:TaxInclusiveAmount", NS)) == document.base_cents + document.vat_cents
    rounding = totals.find("cbc:PayableRoundingAmount", NS)
    assert (_cents(rounding) if rounding is not None else 0) == document.rounding_cents
    assert _cents(totals.find("cbc:PrepaidAmount", NS)) == document.total_cents
    assert _cents(totals.find("cbc:PayableAmount", NS)) == 0
    return root


def _paid(*items, company: bool = True, purchase_order: str = "", peppol_id: str = "", **data):
    """An order placed through checkout and paid through the payment service: its invoice is issued by the
    lifecycle's effect. A company by default (Brouwerij Het Anker, BE0123456749)."""
    fields = dict(COMPANY) if company else {}
    fields.update(data)
    order = make_order(*items, data=make_order_data(**fields))
    order.purchase_order = purchase_order  # the checkout form for these comes with issue 12's part 1
    order.peppol_id = peppol_id
    payment_succeeded(order, payment_intent_id=f"pi_test_{order.number}", actor="test")
    db.session.commit()
    return order


def _notes(order) -> list[CreditNote]:
    return list(db.session.scalars(select(CreditNote).where(CreditNote.order_id == order.id).order_by(CreditNote.id)))


def _gross_with_rounding(rate: int, rounding: int) -> int:
    """The smallest gross (from 1,00) at ``rate`` whose document VAT line is ``rounding`` cents off."""
    for gross in range(100, 10_000):
        [line] = document_vat_lines({rate: gross})
        if gross - line["base_cents"] - line["vat_cents"] == rounding:
            return gross
    raise AssertionError(f"no gross at {rate} % rounds {rounding}")


@pytest.fixture
def food(db):
    return make_vat_category("food", 6)


@pytest.fixture
def alcohol(db):
    return make_vat_category("alcohol", 21)


# --- invoices, by how the order was made ------------------------------------------------------------------


def test_an_invoice_of_loose_products_is_valid_and_exact(db, ubl_validator, food):
    cheese = make_product("Hoevekaas", vat=food, price_cents=450, unit="500 g")
    order = _paid((cheese, 3))
    invoice = get_invoice_of(order)

    root = _assert_valid_and_exact(invoice)

    assert _text(root, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert _text(root, "cbc:ProfileID") == PROFILE_ID
    assert (_text(root, "cbc:ID"), _text(root, "cbc:InvoiceTypeCode")) == (invoice.number, "380")
    # 3 × 4,50 = 13,50 gross → 12,74 net; 12,74 is not a multiple of 3: the price is for the 3 (R120 exact).
    assert _line_figures(root) == [("Hoevekaas (500 g)", 6, 1274)]
    line = _lines(root)[0]
    assert (_text(line, "cac:Price/cbc:PriceAmount"), _text(line, "cac:Price/cbc:BaseQuantity")) == ("12.74", "3")
    assert _text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "48"
    assert _text(root, "cac:PaymentMeans/cbc:PaymentID") == f"pi_test_{order.number}"
    assert root.find("cac:PaymentMeans/cac:CardAccount", NS) is None


def test_a_package_over_two_rates_becomes_a_line_per_rate_named_for_its_share(db, ubl_validator):
    # The sample: 2 × mokken (6 %), 1 × jenever (21 %), 2 × Kerstpakket (kaas 6 % + jenever 21 %), delivered for
    # 6,95 (split over the goods' rates), to a company.
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True)
    invoice = issue_invoice(order)
    db.session.commit()

    root = _assert_valid_and_exact(invoice)

    names = [name for name, _rate, _net in _line_figures(root)]
    assert names == ["Gentse mokken (250 g)", "Oude graanjenever (50 cl)",
                     "Kerstpakket Groot Vleeshuis (deel aan 6 % btw)", "Kerstpakket Groot Vleeshuis (deel aan 21 % btw)",
                     "Levering (deel aan 6 % btw)", "Levering (deel aan 21 % btw)"]
    package_parts = _lines(root)[2:4]
    assert [_text(line, "cac:Item/cbc:Description") for line in package_parts] == ["2 × Hoevekaas",
                                                                                   "2 × Oude graanjenever"]
    assert [_text(line, "cbc:InvoicedQuantity") for line in package_parts] == ["2", "2"]
    assert [_text(line, "cbc:ID") for line in _lines(root)] == ["1", "2", "3", "4", "5", "6"]


def test_a_delivery_fee_at_one_rate_is_one_line(db, ubl_validator, food):
    cheese = make_product("Hoevekaas", vat=food, price_cents=450)
    make_locality("9000", "Gent")
    order = _paid((cheese, 2), method="delivery", recipient_name="An", street="Veldstraat 1", postcode="9000",
                  city="Gent")
    invoice = get_invoice_of(order)
    assert order.delivery_fee_cents > 0

    root = _assert_valid_and_exact(invoice)

    assert [(name, rate) for name, rate, _net in _line_figures(root)] == [("Hoevekaas (250 g)", 6), ("Levering", 6)]


def test_free_delivery_has_no_fee_line(db, ubl_validator):
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True, delivery_fee_cents=0)
    invoice = issue_invoice(order)
    db.session.commit()

    root = _assert_valid_and_exact(invoice)

    assert not any(name.startswith("Levering") for name, _rate, _net in _line_figures(root))


def test_three_times_99_cents_at_6_percent_is_stated_exactly(db, ubl_validator, food, alcohol):
    # 3 × 0,99 = 2,97 gross at 6 % → net 2,80, VAT 0,17 (once on the net); with a 21 % bottle beside it.
    sweets = make_product("Babbelaars", vat=food, price_cents=99, unit="")
    beer = make_product("Tripel", vat=alcohol, price_cents=275, unit="33 cl")
    order = _paid((sweets, 3), (beer, 1))
    invoice = get_invoice_of(order)

    root = _assert_valid_and_exact(invoice)

    assert invoice.vat_lines[0] == {"rate": 6, "gross_cents": 297, "base_cents": 280, "vat_cents": 17}
    assert _line_figures(root)[0] == ("Babbelaars", 6, 280)
    assert _text(_lines(root)[0], "cac:Price/cbc:BaseQuantity") == "3"


@pytest.mark.parametrize("roundings", [(1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1)])
def test_an_amount_no_net_reaches_is_stated_with_its_rounding(db, ubl_validator, food, alcohol, roundings):
    # For some gross amounts base + VAT (computed once on the net) is a cent off: the e-invoice states that cent
    # as PayableRoundingAmount, and the prepaid total is still what was charged.
    at_6, at_21 = roundings
    items = [(make_product("Kaas", vat=food, price_cents=_gross_with_rounding(6, at_6)), 1)]
    if at_21:
        items.append((make_product("Jenever", vat=alcohol, price_cents=_gross_with_rounding(21, at_21)), 1))
    order = _paid(*items)
    invoice = get_invoice_of(order)
    assert invoice.rounding_cents == at_6 + at_21

    root = _assert_valid_and_exact(invoice)

    rounding = root.find("cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", NS)
    if invoice.rounding_cents:
        assert _cents(rounding) == invoice.rounding_cents
    else:
        assert rounding is None
    # Paid back in full, the credit note states the same rounding.
    make_refund(order, order.total_cents, reason="Terug")
    [note] = _notes(order)
    assert note.rounding_cents == invoice.rounding_cents
    _assert_valid_and_exact(note, pdf=b"")


def test_many_prices_and_quantities_stay_exact_per_rate(db, ubl_validator, food, alcohol):
    # Lines at one rate whose gross shares do not divide the base evenly: the nets still add up to the base.
    products = [make_product(f"Product {price}", vat=food if price % 2 else alcohol, price_cents=price)
                for price in (99, 101, 115, 132, 149, 1999)]
    order = _paid(*[(product, quantity) for product, quantity in zip(products, (3, 7, 1, 2, 5, 1), strict=True)])

    _assert_valid_and_exact(get_invoice_of(order))


# --- buyers -------------------------------------------------------------------------------------------------


def test_a_company_with_a_purchase_order_gets_it_as_buyer_and_order_reference(db, ubl_validator, food):
    cheese = make_product("Hoevekaas", vat=food)
    order = _paid((cheese, 1), purchase_order="PO-2026-0417")

    root = _assert_valid_and_exact(get_invoice_of(order))

    assert _text(root, "cbc:BuyerReference") == "PO-2026-0417"
    assert _text(root, "cac:OrderReference/cbc:ID") == "PO-2026-0417"
    party = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert (_text(party, "cbc:EndpointID"), party.find("cbc:EndpointID", NS).get("schemeID")) == ("0123456749", "0208")
    assert _text(party, "cac:PartyTaxScheme/cbc:CompanyID") == "BE0123456749"
    assert _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") == "Brouwerij Het Anker Gent bv"
    assert _text(party, "cac:PartyLegalEntity/cbc:CompanyID") == "0123456749"
    assert _text(party, "cac:PostalAddress/cbc:StreetName") == "Korenmarkt 1"


def test_a_company_without_a_purchase_order_is_referred_to_by_the_orderers_name(db, ubl_validator, food):
    cheese = make_product("Hoevekaas", vat=food)
    order = _paid((cheese, 1), name="Els Van Damme")

    root = _assert_valid_and_exact(get_invoice_of(order))

    assert _text(root, "cbc:BuyerReference") == "Els Van Damme"  # PEPPOL-EN16931-R003
    assert root.find("cac:OrderReference", NS) is None


def test_a_company_reached_by_its_vat_number_gets_scheme_9925(db, ubl_validator, food):
    cheese = make_product("Hoevekaas", vat=food)
    order = _paid((cheese, 1), peppol_id="9925:BE0123456749")

    root = _assert_valid_and_exact(get_invoice_of(order))

    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (endpoint.text, endpoint.get("schemeID")) == ("BE0123456749", "9925")


def test_a_consumer_invoice_has_no_peppol_endpoint_and_only_that_finding(db, ubl_validator, food):
    # Peppol has no scheme for a consumer's address (EM, e-mail, is in EN 16931's list but PEPPOL-EN16931-CL008
    # refuses it): a consumer's e-invoice is for information, and says so by this one finding.
    cheese = make_product("Hoevekaas", vat=food)
    order = _paid((cheese, 2), company=False, name="An Peeters")
    invoice = get_invoice_of(order)

    xml = render_ubl(invoice)

    assert [(finding.rule, finding.flag) for finding in validate_ubl(xml)] == [("PEPPOL-EN16931-R010", "fatal")]
    root = etree.fromstring(xml)
    party = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert party.find("cbc:EndpointID", NS) is None
    assert _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") == "An Peeters"
    assert party.find("cac:PartyTaxScheme", NS) is None
    assert _text(party, "cac:Contact/cbc:ElectronicMail") == "an@voorbeeld.be"
    assert _text(root, "cbc:BuyerReference") == "An Peeters"


def test_the_e_invoice_is_built_from_the_invoice_not_the_live_order(db, ubl_validator, food):
    cheese = make_product("Hoevekaas", vat=food)
    order = _paid((cheese, 1))
    invoice = get_invoice_of(order)

    order.company_name, order.name, order.billing_street = "Iemand Anders nv", "Iemand", "Andere straat 2"
    db.session.flush()
    root = etree.fromstring(render_ubl(invoice))

    party = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") == "Brouwerij Het Anker Gent bv"
    assert _text(party, "cac:PostalAddress/cbc:StreetName") == "Korenmarkt 1"


def test_the_seller_is_the_shop_with_its_enterprise_number(db, ubl_validator, food):
    order = _paid((make_product("Hoevekaas", vat=food), 1))

    root = etree.fromstring(render_ubl(get_invoice_of(order)))

    party = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    endpoint = party.find("cbc:EndpointID", NS)
    assert (endpoint.text, endpoint.get("schemeID")) == ("0207725104", "0208")
    assert _text(party, "cac:PartyTaxScheme/cbc:CompanyID") == "BE0207725104"
    assert _text(party, "cac:PostalAddress/cbc:CityName") == "Gent"


# --- the embedded PDF -----------------------------------------------------------------------------------------


def test_the_invoice_pdf_is_embedded(db, ubl_validator, food):
    order = _paid((make_product("Hoevekaas", vat=food), 1))
    invoice = get_invoice_of(order)

    root = etree.fromstring(render_ubl(invoice))

    reference = root.find("cac:AdditionalDocumentReference", NS)
    assert _text(reference, "cbc:ID") == invoice.number
    attachment = reference.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
    assert (attachment.get("mimeCode"), attachment.get("filename")) == ("application/pdf",
                                                                        f"factuur-{invoice.number}.pdf")
    assert base64.b64decode(attachment.text).startswith(b"%PDF-")


def test_a_credit_note_embeds_its_own_pdf_or_the_one_given_or_none(db, ubl_validator):
    order = make_sample_order(company=True)
    issue_invoice(order)
    db.session.commit()
    make_refund(order, 500, reason="Gebaar")
    [note] = _notes(order)

    given = etree.fromstring(render_ubl(note, pdf=b"%PDF-1.4 credit note"))
    own = etree.fromstring(render_ubl(note))
    without = etree.fromstring(render_ubl(note, pdf=b""))

    path = "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject"
    attachment = given.find(path, NS)
    assert base64.b64decode(attachment.text) == b"%PDF-1.4 credit note"
    assert attachment.get("filename") == f"creditnota-{note.number}.pdf"
    embedded = base64.b64decode(own.find(path, NS).text)
    # The credit note's own PDF (rendered again it differs only in its creation time).
    assert embedded.startswith(b"%PDF") and len(embedded) == len(render_credit_note_pdf(note))
    assert without.find("cac:AdditionalDocumentReference", NS) is None
    assert _blocking(etree.tostring(given)) == _blocking(etree.tostring(own)) == _blocking(etree.tostring(without)) == []


# --- credit notes, by how the money went back ---------------------------------------------------------------


def test_partial_refunds_give_valid_exact_credit_notes_that_name_their_invoice(db, ubl_validator):
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True)
    invoice = issue_invoice(order)
    db.session.commit()

    make_refund(order, 1000, reason="Pakket beschadigd")
    make_refund(order, 1, reason="Een cent")
    make_refund(order, 333, reason="Gebaar")

    notes = _notes(order)
    assert len(notes) == 3
    for note in notes:
        root = _assert_valid_and_exact(note)
        assert (_text(root, "cbc:ID"), _text(root, "cbc:CreditNoteTypeCode")) == (note.number, "381")
        reference = root.find("cac:BillingReference/cac:InvoiceDocumentReference", NS)
        assert _text(reference, "cbc:ID") == invoice.number
        assert _text(reference, "cbc:IssueDate") == _text(etree.fromstring(render_ubl(invoice, pdf=b"")),
                                                          "cbc:IssueDate")
        assert _text(root, "cbc:Note").startswith(note.reason)  # then the legal mention (a company order)
        assert _text(root, "cac:PaymentMeans/cbc:PaymentID") == note.payment["reference"]
    assert [name for name, _rate, _net in _line_figures(etree.fromstring(render_ubl(notes[0])))] == [
        "Pakket beschadigd", "Pakket beschadigd"]


def test_a_shortage_refund_gives_a_valid_credit_note_at_the_missing_products_rate(db, ubl_validator, food, alcohol):
    cheese = make_product("Hoevekaas", vat=food, price_cents=900)
    jenever = make_product("Graanjenever", vat=alcohol, price_cents=2450)
    package = make_package([(cheese, 1), (jenever, 1)], price_cents=3500, name="Kerstpakket")
    order = _paid((package, 2))
    [line] = order.lines
    staff = make_staff()
    report = report_shortage_by_staff(line, cheese, 1, "", by=staff)
    refund_missing(report, by=staff)
    db.session.commit()
    send_refund(report.refund, gateway_for(order))
    db.session.commit()

    [note] = _notes(order)
    root = _assert_valid_and_exact(note)

    assert [(name, rate) for name, rate, _net in _line_figures(root)] == [("Tekort: 1 × Hoevekaas", 6)]


def test_cancelling_a_paid_order_credits_every_line_in_a_valid_credit_note(db, ubl_validator):
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True)
    issue_invoice(order)
    db.session.commit()
    staff = make_staff()

    result = cancel_by_staff(order, reason="Klant belde af", expected_status="paid", by=staff)
    db.session.commit()
    send_refund(result.refund, gateway_for(order))
    db.session.commit()

    [note] = _notes(order)
    root = _assert_valid_and_exact(note)
    invoice_root = etree.fromstring(render_ubl(get_invoice_of(order), pdf=b""))
    assert _line_figures(root) == _line_figures(invoice_root)


def test_a_payment_after_cancellation_is_invoiced_and_credited_validly(db, ubl_validator):
    order = make_sample_order(status=OrderStatus.CANCELLED, company=True)
    order.payment_status = PaymentStatus.PAID_AFTER_CANCELLATION
    refund = request_refund(order, order.total_cents, reason="Betaling na annulering: automatisch terugbetaald")
    db.session.commit()
    send_refund(refund, gateway_for(order))
    db.session.commit()

    _assert_valid_and_exact(get_invoice_of(order))
    [note] = _notes(order)
    _assert_valid_and_exact(note)


# --- payment by transfer (issue 13 brings the documents; the e-invoice is ready for them) ---------------------


def test_an_invoice_to_pay_by_transfer_asks_for_the_total_on_the_shops_account(db, ubl_validator):
    order = make_sample_order(company=True)
    issued = issue_invoice(order)
    db.session.commit()
    # The same invoice as issue 13 will issue it, unpaid (a copy that is never stored).
    invoice = Invoice(number=issued.number, year=issued.year, sequence=issued.sequence, issued_at=issued.issued_at,
                      seller=issued.seller, buyer=issued.buyer, lines=issued.lines, vat_lines=issued.vat_lines,
                      total_cents=issued.total_cents,
                      payment={"method": "transfer", "due_date": "2027-01-05"})

    xml = render_ubl(invoice, pdf=b"")

    assert validate_ubl(xml) == []
    root = etree.fromstring(xml)
    means = root.find("cac:PaymentMeans", NS)
    assert _text(means, "cbc:PaymentMeansCode") == "58"
    assert is_structured_reference(_text(means, "cbc:PaymentID"))
    assert _text(means, "cac:PayeeFinancialAccount/cbc:ID") == "BE71096123456769"
    assert _text(root, "cbc:DueDate") == "2027-01-05"
    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert totals.find("cbc:PrepaidAmount", NS) is None
    assert _cents(totals.find("cbc:PayableAmount", NS)) == invoice.total_cents


# --- the validator ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, rules", [
    ("03-bad-BE-enterprise-number.xml", ["PEPPOL-COMMON-R043", "PEPPOL-COMMON-R043"]),
    ("04-vat-category-AA.xml", ["BR-CL-17", "BR-CL-18"]),
    ("05-xsd-element-order.xml", ["UBL-XSD"]),
])
def test_the_validator_flags_the_kits_broken_examples(ubl_validator, name, rules):
    findings = validate_ubl((DATA / name).read_bytes())

    assert sorted(finding.rule for finding in findings if finding.blocking) == rules


def _broken(xml: bytes, path: str, change) -> bytes:
    root = etree.fromstring(xml)
    change(root.find(path, NS))
    return etree.tostring(root)


def test_the_validator_catches_a_wrong_vat_total_or_a_missing_buyer_reference(db, ubl_validator):
    order = make_sample_order(company=True)
    xml = render_ubl(issue_invoice(order), pdf=b"")

    def add_a_cent(element):
        element.text = str(Decimal(element.text) + Decimal("0.01"))

    wrong_vat = _broken(xml, "cac:TaxTotal/cbc:TaxAmount", add_a_cent)
    no_reference = _broken(xml, "cbc:BuyerReference", lambda element: element.getparent().remove(element))

    assert "BR-CO-14" in {finding.rule for finding in validate_ubl(wrong_vat) if finding.blocking}
    assert [finding.rule for finding in validate_ubl(no_reference) if finding.blocking] == ["PEPPOL-EN16931-R003"]


@pytest.mark.parametrize("xml, rule", [
    (b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>',
     "XML-DOCTYPE"),
    (b'<!DOCTYPE Invoice SYSTEM "http://example.com/ubl.dtd"><Invoice/>', "XML-DOCTYPE"),
    (b"<Invoice><cbc:ID>", "XML-WELLFORMED"),
    (b"", "XML-WELLFORMED"),
    (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "UBL-ROOT"),
])
def test_the_validator_refuses_what_is_not_a_plain_ubl_document(ubl_validator, xml, rule):
    [finding] = validate_ubl(xml)

    assert (finding.rule, finding.flag, finding.blocking) == (rule, "fatal", True)


def test_threads_share_one_validator_and_get_the_same_findings(db, ubl_validator):
    order = make_sample_order(company=True)
    xml = render_ubl(issue_invoice(order), pdf=b"")
    broken = _broken(xml, "cbc:BuyerReference", lambda element: element.getparent().remove(element))
    results: list[list[str]] = []

    def check(document: bytes) -> None:
        results.append(sorted(finding.rule for finding in validate_ubl(document) if finding.blocking))

    threads = [threading.Thread(target=check, args=(document,)) for document in (xml, broken) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [[]] * 4 + [["PEPPOL-EN16931-R003"]] * 4


def test_the_rules_are_loaded_once_when_threads_ask_at_the_same_time(monkeypatch):
    loaded = []

    class SlowValidator:
        def __init__(self):
            time.sleep(0.05)  # loading takes a while: the other threads ask meanwhile
            loaded.append(self)

    monkeypatch.setattr(validation, "_validator", None)
    monkeypatch.setattr(validation, "UblValidator", SlowValidator)
    got = []
    threads = [threading.Thread(target=lambda: got.append(validation.get_validator())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loaded) == 1
    assert got == loaded * 8


def test_the_cli_validates_files_and_fails_on_a_blocking_finding(app, db, ubl_validator, tmp_path):
    order = make_sample_order(company=True)
    valid = tmp_path / "valid.xml"
    valid.write_bytes(render_ubl(issue_invoice(order), pdf=b""))
    runner = app.test_cli_runner()

    ok = runner.invoke(args=["validate-ubl", str(valid)])
    refused = runner.invoke(args=["validate-ubl", str(valid), str(DATA / "04-vat-category-AA.xml")])

    assert ok.exit_code == 0
    assert ok.output == f"{valid}: VALID (0 fatal/error, 0 warning)\n"
    assert refused.exit_code == 1
    assert "04-vat-category-AA.xml: INVALID (2 fatal/error, 0 warning)" in refused.output
    assert "  BR-CL-17 [fatal] /Invoice[1]/TaxTotal[1]/TaxSubtotal[1]/TaxCategory[1]/ID[1]" in refused.output
