"""The credit-note mail: queued where the credit note is issued (once the provider made the refund), exactly once
per credit note whichever path recorded the refund, with the PDF attached and its number named; the refund
mails, queued before the refund is made, say that it follows."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shop.extensions import db
from shop.invoicing.models import CreditNote
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.services import issue_credit_note
from shop.orders.models import OrderStatus, PaymentStatus
from shop.orders.refunds import refund_made, request_refund, send_refund
from shop.orders.staff_actions import cancel_by_staff, refund_by_staff
from shop.outbox.models import OutboxMessage
from shop.outbox.rendering import attachment_data
from shop.payments.services import gateway_for, record_refunds, send_requested_refunds
from tests.factories import make_paid_order, make_product, make_refund, make_sample_order, make_staff


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def _note_of(refund) -> CreditNote:
    return db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))


def _paid_order(**kwargs):
    """A paid order of 2 × Oude Brugge (12,50), confirmed by mail with its invoice (the lifecycle's mails)."""
    cheese = make_product("Oude Brugge", price_cents=1250, stock=10)
    order = make_paid_order((cheese, 2), **kwargs)
    db.session.commit()
    return order


def test_a_staff_refund_mails_the_credit_note_once_it_is_made(db):
    order = _paid_order()
    staff = make_staff()

    refund = refund_by_staff(order, 1250, reason="Eén kaas was beschimmeld", request_key=uuid.uuid4().hex, by=staff)
    db.session.commit()

    # Step 1 queued the refund mail; no credit note, no credit-note mail yet.
    [refund_mail] = _mails("order_refunded")
    assert "De creditnota volgt in een aparte e-mail zodra de terugbetaling vertrokken is." in refund_mail.body_text
    assert _mails("credit_note_issued") == []

    send_requested_refunds(order)
    db.session.commit()

    note = _note_of(refund)
    invoice = get_invoice_of(order)
    [mail] = _mails("credit_note_issued")
    assert (mail.to_address, mail.order_id, mail.dedupe_key) == (order.email, order.id, f"credit-note:{note.id}")
    assert mail.subject == f"Creditnota {note.number} voor je bestelling {order.number}"
    text = _plain(mail.body_text)
    assert f"De terugbetaling van € 12,50 voor je bestelling {order.number} is vertrokken" in text
    assert "Reden: Eén kaas was beschimmeld" in text
    assert f"In de bijlage vind je de creditnota {note.number} als pdf; ze corrigeert factuur {invoice.number}." in text
    assert "Die factuur zit er ook bij." not in text  # the confirmation carried it
    assert f"/bestelling/{order.status_token}" in text
    assert note.number in mail.body_html and invoice.number in mail.body_html
    [attachment] = mail.attachments
    assert (attachment.filename, attachment.content_type) == (f"creditnota-{note.number}.pdf", "application/pdf")
    assert attachment_data(attachment).startswith(b"%PDF")  # drawn when the mail is delivered


def test_every_path_that_records_the_refund_again_leaves_one_mail_per_credit_note(db):
    order = _paid_order()
    first = make_refund(order, 500, reason="Gebaar")

    refund_made(first)  # the webhook records it again
    issue_credit_note(first)
    db.session.commit()
    second = make_refund(order, 300, reason="Nog een gebaar")

    mails = _mails("credit_note_issued")
    assert [mail.dedupe_key for mail in mails] == [f"credit-note:{_note_of(first).id}",
                                                  f"credit-note:{_note_of(second).id}"]


def test_a_refund_made_in_the_stripe_dashboard_gets_its_credit_note_mailed(db):
    order = _paid_order()

    record_refunds(order, amount_refunded=700,
                   refunds=[{"id": "re_dashboard_9", "amount": 700, "status": "succeeded", "metadata": {}}])
    db.session.commit()

    [mail] = _mails("credit_note_issued")
    assert "€ 7,00" in _plain(mail.body_text)
    assert "Reden: Terugbetaald via het Stripe-dashboard" in mail.body_text


def test_a_refused_refund_mails_no_credit_note(db):
    order = _paid_order()
    refund = request_refund(order, 500, reason="geweigerd")
    db.session.commit()

    refund.status = "failed"
    refund_made(refund)
    db.session.commit()

    assert _mails("credit_note_issued") == []


def test_a_cancellation_after_payment_says_the_credit_note_follows_and_then_sends_it(db):
    order = _paid_order()
    staff = make_staff()

    result = cancel_by_staff(order, reason="Klant kan niet komen", expected_status="paid", by=staff)
    db.session.commit()
    [cancelled] = _mails("order_cancelled")
    assert "De creditnota volgt in een aparte e-mail" in cancelled.body_text
    send_refund(result.refund, gateway_for(order))
    db.session.commit()

    [mail] = _mails("credit_note_issued")
    assert _note_of(result.refund).total_cents == order.total_cents
    assert "€ 25,00" in _plain(mail.body_text)


def test_a_payment_after_cancellation_gets_both_documents_since_no_confirmation_carried_the_invoice(db):
    order = make_sample_order(status=OrderStatus.CANCELLED)
    order.payment_status = PaymentStatus.PAID_AFTER_CANCELLATION
    refund = request_refund(order, order.total_cents, reason="Betaling na annulering: automatisch terugbetaald")
    db.session.commit()

    send_refund(refund, gateway_for(order))
    db.session.commit()

    invoice, note = get_invoice_of(order), _note_of(refund)
    [mail] = _mails("credit_note_issued")
    assert [a.filename for a in mail.attachments] == [f"creditnota-{note.number}.pdf", f"factuur-{invoice.number}.pdf"]
    assert "Die factuur zit er ook bij." in mail.body_text


def test_the_mail_is_in_the_orders_language(db):
    order = _paid_order(locale="fr")

    make_refund(order, 1250, reason="abîmé")

    [mail] = _mails("credit_note_issued")
    assert '<html lang="fr">' in mail.body_html
    assert "12,50 €" in _plain(mail.body_text)  # French money format
    assert "abîmé" in mail.body_text
