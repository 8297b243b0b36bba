"""Credit notes: one for every refund the provider made, in their own gap-free series, correcting the invoice
with lines and VAT per rate split the way the sale was."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.core.money import document_vat_lines
from shop.extensions import db
from shop.invoicing.models import CreditNote, ImmutableDocument, Invoice
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.services import issue_credit_note, issue_invoice, left_by_rate
from shop.orders.models import DeliveryMethod, OrderStatus, PaymentStatus, Refund
from shop.orders.refunds import refund_made, request_refund, send_refund
from shop.payments.services import gateway_for, record_refunds
from tests.factories import make_refund, make_sample_order


def _invoiced_order(**kwargs):
    """An De Vos's company order with delivery: 2 × mokken (6 %), jenever (21 %), 2 × mixed package, fee 6,95;
    invoiced. Gross per rate: 2967 at 6 %, 8078 at 21 % (total 11045)."""
    order = make_sample_order(method=DeliveryMethod.DELIVERY, company=True, **kwargs)
    issue_invoice(order)
    db.session.commit()
    return order


def _notes(order) -> list[CreditNote]:
    return list(db.session.scalars(select(CreditNote).where(CreditNote.order_id == order.id).order_by(CreditNote.id)))


def _gross(note) -> dict[int, int]:
    return {line["rate"]: line["gross_cents"] for line in note.vat_lines}


def test_a_partial_refund_gets_a_credit_note_split_over_the_rates_as_the_sale(db):
    order = _invoiced_order()
    invoice = get_invoice_of(order)

    refund = make_refund(order, 1000, reason="Pakket beschadigd")

    [note] = _notes(order)
    assert note.number == f"CN-{note.year}-000001"
    assert (note.invoice_id, note.refund_id, note.total_cents) == (invoice.id, refund.id, 1000)
    # 1000 over 2967 : 8078 → 268.6.. / 731.3.. → 269 / 731 (largest remainder).
    assert _gross(note) == {6: 269, 21: 731}
    assert [line["name"] for line in note.lines] == ["Pakket beschadigd", "Pakket beschadigd"]
    assert sum(line["total_cents"] for line in note.lines) == 1000
    assert note.vat_lines == document_vat_lines({6: 269, 21: 731})
    assert note.buyer == invoice.buyer
    assert note.payment["reference"] == refund.provider_refund_id


def test_cancelling_a_paid_order_credits_the_whole_invoice_line_by_line(db):
    order = _invoiced_order()
    invoice = get_invoice_of(order)

    make_refund(order, order.total_cents, reason="Geannuleerd door de winkel")

    [note] = _notes(order)
    assert note.lines == invoice.lines
    assert note.vat_lines == invoice.vat_lines
    assert note.total_cents == invoice.total_cents
    assert left_by_rate(invoice) == {6: 0, 21: 0}


def test_the_last_refund_brings_every_rate_to_zero_exactly(db):
    order = _invoiced_order()
    invoice = get_invoice_of(order)

    make_refund(order, 333, reason="Gebaar")
    make_refund(order, 1)
    make_refund(order, order.total_cents - 334, reason="Rest")

    notes = _notes(order)
    assert [note.sequence for note in notes] == [1, 2, 3]
    assert sum(note.total_cents for note in notes) == invoice.total_cents
    assert left_by_rate(invoice) == {6: 0, 21: 0}
    for note in notes:
        assert sum(line["gross_cents"] for line in note.vat_lines) == note.total_cents


def test_a_refund_with_its_own_split_is_credited_at_that_rate(db):
    order = _invoiced_order()

    refund = request_refund(order, 450, reason="Tekort: 1 × Hoevekaas", vat_split={6: 450})
    db.session.commit()
    send_refund(refund, gateway_for(order))
    db.session.commit()

    [note] = _notes(order)
    assert _gross(note) == {6: 450}
    assert [(line["name"], line["vat_rate"], line["total_cents"]) for line in note.lines] == [
        ("Tekort: 1 × Hoevekaas", 6, 450)]


def test_a_split_beyond_what_is_left_at_that_rate_falls_back_to_the_sale_split(db):
    order = _invoiced_order()
    make_refund(order, 2967 + 78, reason="eerst")  # takes 6 % nearly to zero
    left_6 = left_by_rate(get_invoice_of(order))[6]

    refund = request_refund(order, left_6 + 100, reason="tweede", vat_split={6: left_6 + 100})
    db.session.commit()
    send_refund(refund, gateway_for(order))
    db.session.commit()

    second = _notes(order)[1]
    assert _gross(second)[6] <= left_6
    assert sum(_gross(second).values()) == left_6 + 100


def test_a_refused_refund_gets_no_credit_note(db):
    order = _invoiced_order()
    refund = request_refund(order, 500, reason="geweigerd")
    db.session.commit()

    refund.status = "failed"
    refund_made(refund)

    assert _notes(order) == []


def test_recording_the_same_refund_twice_issues_one_credit_note(db):
    order = _invoiced_order()
    refund = make_refund(order, 500, reason="dubbel")

    refund_made(refund)
    issue_credit_note(refund)
    db.session.commit()

    assert len(_notes(order)) == 1


def test_a_refund_made_in_the_stripe_dashboard_is_credited(db):
    order = _invoiced_order()

    record_refunds(order, amount_refunded=700,
                   refunds=[{"id": "re_dashboard_1", "amount": 700, "status": "succeeded", "metadata": {}}])
    db.session.commit()

    [note] = _notes(order)
    dashboard = db.session.get(Refund, note.refund_id)
    assert (dashboard.provider_refund_id, note.total_cents) == ("re_dashboard_1", 700)


def test_a_payment_after_cancellation_is_invoiced_and_credited(db):
    order = make_sample_order(status=OrderStatus.CANCELLED)
    order.payment_status = PaymentStatus.PAID_AFTER_CANCELLATION
    refund = request_refund(order, order.total_cents, reason="Betaling na annulering: automatisch terugbetaald")
    db.session.commit()

    send_refund(refund, gateway_for(order))
    db.session.commit()

    invoice = get_invoice_of(order)
    [note] = _notes(order)
    assert invoice is not None and note.invoice_id == invoice.id
    assert note.total_cents == invoice.total_cents == order.total_cents


def test_credit_notes_have_their_own_gap_free_series(db):
    first = _invoiced_order()
    second = _invoiced_order(email="tweede@example.be")

    make_refund(first, 100)
    make_refund(second, 200)

    numbers = [note.number for note in db.session.scalars(select(CreditNote).order_by(CreditNote.id))]
    year = _notes(first)[0].year
    assert numbers == [f"CN-{year}-000001", f"CN-{year}-000002"]
    invoices = [invoice.number for invoice in db.session.scalars(select(Invoice).order_by(Invoice.id))]
    assert invoices == [f"{year}-000001", f"{year}-000002"]


@pytest.mark.parametrize("field, value", [("total_cents", 1), ("lines", []), ("buyer", {"name": "iemand"}),
                                          ("number", "2026-999999")])
def test_an_issued_invoice_cannot_be_changed(db, field, value):
    order = _invoiced_order()
    invoice = get_invoice_of(order)

    setattr(invoice, field, value)
    with pytest.raises(ImmutableDocument):
        db.session.flush()
    db.session.rollback()


def test_an_issued_credit_note_cannot_be_changed(db):
    order = _invoiced_order()
    make_refund(order, 100)
    note = _notes(order)[0]

    note.total_cents = 50
    with pytest.raises(ImmutableDocument):
        db.session.flush()
    db.session.rollback()


def test_document_vat_is_computed_once_per_rate_on_the_net():
    # 3 × 0,99 at 6 %: gross 297 → net 280, VAT 280 × 6 % = 16,8 → 17; 280 + 17 = 297.
    assert document_vat_lines({6: 297}) == [{"rate": 6, "gross_cents": 297, "base_cents": 280, "vat_cents": 17}]
    # 21 % on 1,21 → net 1,00, VAT 0,21.
    assert document_vat_lines({21: 121}) == [{"rate": 21, "gross_cents": 121, "base_cents": 100, "vat_cents": 21}]


def test_an_amount_no_net_can_reach_keeps_its_gross_and_rounds_a_cent():
    # For about one amount in ten no net gives the gross back (net + VAT on the net): the document keeps the
    # gross it charged and states a rounding of one cent.
    for rate in (6, 12, 21):
        for gross in range(1, 5000):
            [line] = document_vat_lines({rate: gross})
            assert line["gross_cents"] == gross
            assert abs(gross - line["base_cents"] - line["vat_cents"]) <= 1
            # The VAT is always the net × rate, rounded half up: the rule the e-invoice is checked against.
            assert line["vat_cents"] == (line["base_cents"] * rate * 2 + 100) // 200
