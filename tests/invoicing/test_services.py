"""Invoices: issued once, numbered without gaps per year (also under 20 concurrent issuers), data and PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import select

from shop.core.numbering import Counter, next_value
from shop.invoicing.models import Invoice
from shop.invoicing.pdf import render_invoice_pdf
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.services import issue_invoice
from shop.orders.models import DeliveryMethod, Order, OrderStatus
from tests.factories import make_sample_order
from tests.helpers import race


def test_issue_invoice_numbers_sequentially_and_once_per_order(db):
    first, second = make_sample_order(), make_sample_order()

    a = issue_invoice(first)
    again = issue_invoice(first)
    b = issue_invoice(second)
    db.session.commit()

    assert again is a
    year = a.year
    assert (a.sequence, b.sequence) == (1, 2)
    assert (a.number, b.number) == (f"{year}-000001", f"{year}-000002")
    assert db.session.get(Counter, f"invoice-{year}").value == 2


def test_a_rolled_back_invoice_leaves_no_gap(db):
    order = make_sample_order()
    db.session.commit()
    issue_invoice(order)
    db.session.rollback()

    order = db.session.get(Order, order.id)
    invoice = issue_invoice(order)
    db.session.commit()

    assert invoice.sequence == 1


def test_twenty_concurrent_issuers_get_sequences_one_to_twenty(app, db):
    """Each thread has its own app context, session and commit; the counter row serialises them."""
    order_ids = [make_sample_order().id for _ in range(20)]
    db.session.commit()

    def issue(order_id: int):
        def step() -> str:
            issue_invoice(db.session.get(Order, order_id))
            return "issued"
        return step

    outcomes = race(app, [issue(order_id) for order_id in order_ids])

    assert outcomes == ["issued"] * 20
    invoices = db.session.scalars(select(Invoice)).all()
    assert sorted(invoice.sequence for invoice in invoices) == list(range(1, 21))
    assert len({invoice.number for invoice in invoices}) == 20
    assert {invoice.order_id for invoice in invoices} == set(order_ids)


def test_counter_row_is_created_when_missing(db):
    assert next_value("invoice-1999") == 1
    assert next_value("invoice-1999") == 2


def test_invoice_data_for_a_company_with_delivery(db):
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True)

    invoice = issue_invoice(order)

    assert invoice.seller == {
        "name": "vzw Lekker Oost-Vlaams – Groot Vleeshuis",
        "address": ["Groentenmarkt 7", "9000 Gent", "België"],
        "street": "Groentenmarkt 7",
        "postcode": "9000",
        "city": "Gent",
        "country": "BE",
        "vat_number": "BE0207725104",
        "enterprise_number": "0207725104",
        "email": "info@lekkeroostvlaams.be",
        "iban": "BE71096123456769",
        "bic": "GKCCBEBB",
    }
    assert invoice.buyer["company_name"] == "Brouwerij Het Anker Gent bv"
    assert invoice.buyer["vat_number"] == "BE0123456749"
    assert invoice.buyer["enterprise_number"] == "0123456749"
    assert invoice.buyer["peppol_id"] == "0208:0123456749"  # none given at checkout: the default
    assert invoice.buyer["address"] == ["Korenmarkt 1", "9000 Gent"]
    assert (invoice.buyer["street"], invoice.buyer["postcode"], invoice.buyer["city"]) == ("Korenmarkt 1", "9000", "Gent")
    # Goods 2×4,50 (6 %) + 24,50 (21 %) + 2×35,00 package; delivery 6,95.
    assert invoice.total_cents == order.total_cents == 900 + 2450 + 7000 + 695
    package = invoice.lines[2]
    assert package["kind"] == "package"
    # One package is 9,00 + 24,50 list price: 35,00 split 940 / 2560 (largest remainder), × 2.
    assert package["vat_split"] == [{"rate": 6, "gross_cents": 1880}, {"rate": 21, "gross_cents": 5120}]
    assert [c["name"] for c in package["components"]] == ["Hoevekaas", "Oude graanjenever"]
    delivery = invoice.lines[3]
    assert delivery["kind"] == "delivery"
    assert delivery["total_cents"] == 695
    # The fee follows the goods' rates: goods 2780 at 6 %, 7570 at 21 % → 187 / 508.
    assert delivery["vat_split"] == [{"rate": 6, "gross_cents": 187}, {"rate": 21, "gross_cents": 508}]
    assert invoice.vat_lines == [
        {"rate": 6, "gross_cents": 2967, "vat_cents": 168, "base_cents": 2799},
        {"rate": 21, "gross_cents": 8078, "vat_cents": 1402, "base_cents": 6676},
    ]
    assert sum(v["gross_cents"] for v in invoice.vat_lines) == invoice.total_cents
    assert invoice.payment["provider"] == "demo"
    assert invoice.payment["reference"] == order.payment_intent_id
    assert invoice.payment["paid_at"] is not None


def test_invoice_buyer_for_pickup_without_company(db):
    invoice = issue_invoice(make_sample_order(method=DeliveryMethod.PICKUP))

    assert invoice.buyer["vat_number"] == ""
    assert invoice.buyer["address"] == []
    assert invoice.buyer["pickup"] is True
    assert [line["kind"] for line in invoice.lines] == ["product", "product", "package"]
    assert sum(v["gross_cents"] for v in invoice.vat_lines) == invoice.total_cents == 10350


def test_a_gift_recipients_address_is_not_the_buyers(db):
    invoice = issue_invoice(make_sample_order(method=DeliveryMethod.DELIVERY, gift_message="Proficiat!"))

    assert invoice.buyer["address"] == []


def test_pdf_shows_number_parties_and_euro_amounts(db):
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True)
    invoice = issue_invoice(order)

    pdf = render_invoice_pdf(invoice, compress=False)

    assert pdf.startswith(b"%PDF")
    assert f"/Title (Factuur {invoice.number})".encode() in pdf
    assert b"/FontName /" in pdf and b"DejaVuSans" in pdf  # the TTF is embedded, not a system font
    assert render_invoice_pdf(invoice).startswith(b"%PDF")  # the compressed one that goes in the mail
    if shutil.which("pdftotext"):  # read the visible text when poppler is around (not a dependency)
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert invoice.number in text
        assert order.number in text
        assert "BE0123456749" in text
        assert "BE0207725104" in text
        assert "110,45 €" in text or "€ 110,45" in text


@pytest.mark.parametrize("status", [OrderStatus.PAID])
def test_paying_through_the_lifecycle_issues_the_invoice(db, status):
    from shop.orders.lifecycle import transition

    order = make_sample_order(status=OrderStatus.PENDING_PAYMENT)
    transition(order, status, actor="test")
    db.session.commit()

    order = db.session.get(Order, order.id)
    invoice = get_invoice_of(order)
    assert invoice is not None
    assert invoice.sequence == 1
