"""E-invoices: every invoice and credit note renders as Peppol BIS Billing 3.0 UBL that the offline validator
accepts, with the document's own figures (VAT per rate, totals) to the cent."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from shop.extensions import db
from shop.invoicing.models import CreditNote
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.services import issue_invoice
from shop.invoicing.ubl import render_ubl
from shop.invoicing.validation import validate_ubl
from shop.orders.models import DeliveryMethod
from tests.factories import make_refund, make_sample_order

DATA = Path(__file__).parent / "data"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _blocking(xml: bytes) -> list[str]:
    return [str(finding) for finding in validate_ubl(xml) if finding.blocking]


def _notes(order) -> list[CreditNote]:
    return list(db.session.scalars(select(CreditNote).where(CreditNote.order_id == order.id).order_by(CreditNote.id)))


def _invoiced(**kwargs):
    order = make_sample_order(**kwargs)
    invoice = issue_invoice(order)
    db.session.commit()
    return order, invoice


def test_a_company_invoice_is_valid_peppol(db, ubl_validator):
    order, invoice = _invoiced(method=DeliveryMethod.DELIVERY, company=True)

    xml = render_ubl(invoice)

    assert _blocking(xml) == []
    root = etree.fromstring(xml)
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS).attrib == {"schemeID": "0208"}


def test_a_credit_note_is_valid_peppol_and_names_its_invoice(db, ubl_validator):
    order, invoice = _invoiced(method=DeliveryMethod.DELIVERY, company=True)
    make_refund(order, 1000, reason="Pakket beschadigd")
    [note] = _notes(order)

    xml = render_ubl(note)

    assert _blocking(xml) == []
    root = etree.fromstring(xml)
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == invoice.number


def test_a_consumer_invoice_has_no_peppol_endpoint_and_only_that_finding(db, ubl_validator):
    order, invoice = _invoiced(method=DeliveryMethod.DELIVERY)

    assert [finding.rule for finding in validate_ubl(render_ubl(invoice)) if finding.blocking] == [
        "PEPPOL-EN16931-R010"]


@pytest.mark.parametrize("name, rules", [
    ("03-bad-BE-enterprise-number.xml", ["PEPPOL-COMMON-R043", "PEPPOL-COMMON-R043"]),
    ("04-vat-category-AA.xml", ["BR-CL-17", "BR-CL-18"]),
    ("05-xsd-element-order.xml", ["UBL-XSD"]),
])
def test_the_validator_flags_the_kits_broken_examples(ubl_validator, name, rules):
    findings = validate_ubl((DATA / name).read_bytes())

    assert sorted(finding.rule for finding in findings if finding.blocking) == rules
