"""E-invoices of companies: recorded (validated, queued or invalid) with their invoice or credit note, sent
outside the request's transaction through the mail adapter or the access point (the stand-in on loopback), and
their delivery state polled. The UBL and the validator are the real ones (shop.invoicing.ubl, .validation)."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.invoicing.access_point import CREDIT_NOTE_DOCUMENT_TYPE, INVOICE_DOCUMENT_TYPE
from shop.invoicing.delivery import poll_einvoices, send_queued_einvoices
from shop.invoicing.models import CreditNote, DeliveryStatus, EInvoiceDelivery
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.validation import Finding
from shop.orders.models import OrderStatus
from shop.outbox.models import OutboxMessage
from shop.payments.services import payment_succeeded
from tests.factories import make_refund, make_sample_order

ENTERPRISE_RECEIVER = "0208:0123456749"  # the sample company's default Peppol id


def _paid(company: bool = True, **kwargs):
    """An De Vos's order, paid through the payment service: its invoice (and a company's e-invoice) is issued by
    the lifecycle's effect, in the payment's transaction."""
    order = make_sample_order(company=company, status=OrderStatus.PENDING_PAYMENT, **kwargs)
    payment_succeeded(order, payment_intent_id=None, actor="test")
    db.session.commit()
    return order


def _deliveries() -> list[EInvoiceDelivery]:
    return list(db.session.scalars(select(EInvoiceDelivery).order_by(EInvoiceDelivery.id)))


def _delivery_of_invoice(order) -> EInvoiceDelivery:
    return db.session.scalar(select(EInvoiceDelivery).where(EInvoiceDelivery.invoice_id == get_invoice_of(order).id))


def _einvoice_mails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "einvoice")))


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------------------------------------- recording

def test_a_companys_invoice_is_recorded_valid_and_queued_when_paid_and_nothing_is_sent_yet(db, einvoice_dir):
    order = _paid()

    [delivery] = _deliveries()
    assert delivery.invoice_id == get_invoice_of(order).id
    assert (delivery.status, delivery.receiver, delivery.channel) == (DeliveryStatus.QUEUED, ENTERPRISE_RECEIVER, "mail")
    assert [finding for finding in delivery.findings if finding["blocking"]] == []
    assert delivery.attempts == 0
    assert _einvoice_mails() == []
    assert not einvoice_dir.exists()


def test_a_consumers_invoice_gets_no_einvoice(db):
    order = _paid(company=False)

    assert get_invoice_of(order) is not None
    assert _deliveries() == []


def test_a_refund_on_a_company_order_queues_the_credit_notes_einvoice(db):
    order = _paid()

    refund = make_refund(order, 1000, reason="Pakket beschadigd")

    note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))
    invoice_delivery, note_delivery = _deliveries()
    assert invoice_delivery.invoice_id == get_invoice_of(order).id
    assert (note_delivery.credit_note_id, note_delivery.status) == (note.id, DeliveryStatus.QUEUED)


def test_a_document_with_a_blocking_finding_is_invalid_with_the_rule_and_never_sent(db, app, access_point_config):
    """The shop's own VAT number mistyped (a wrong check digit) makes its enterprise number, and so the e-invoice,
    invalid: an access point would refuse it (PEPPOL-COMMON-R043)."""
    app.config["SHOP_SETTINGS"] = {"seller_vat_number": "BE0207725105"}
    try:
        order = _paid()
    finally:
        app.config.pop("SHOP_SETTINGS")

    delivery = _delivery_of_invoice(order)
    assert delivery.status == DeliveryStatus.INVALID
    assert "PEPPOL-COMMON-R043" in {finding["rule"] for finding in delivery.findings if finding["blocking"]}

    assert send_queued_einvoices() == []
    assert access_point_config.requests == []
    assert _delivery_of_invoice(order).status == DeliveryStatus.INVALID


def test_a_document_that_cannot_be_rendered_is_invalid_and_the_payment_is_still_recorded(db, monkeypatch):
    def broken(document, pdf=None):
        raise ValueError("no template for this")

    monkeypatch.setattr("shop.invoicing.delivery.render_ubl", broken)
    order = _paid()

    assert order.status == OrderStatus.PAID and get_invoice_of(order) is not None
    delivery = _delivery_of_invoice(order)
    assert delivery.status == DeliveryStatus.INVALID
    assert [(f["rule"], f["message"]) for f in delivery.findings] == [("RENDER", "ValueError: no template for this")]


def test_the_sending_run_validates_again_and_sends_nothing_that_fails_now(db, access_point_config, monkeypatch):
    """Queued when recorded, but the check at sending (with the PDF embedded) finds a blocking rule: invalid."""
    order = _paid()
    assert _delivery_of_invoice(order).status == DeliveryStatus.QUEUED
    monkeypatch.setattr("shop.invoicing.delivery.validate_ubl", lambda xml: [
        Finding("BR-CL-24", "fatal", "/Invoice/AdditionalDocumentReference", "mimeCode not allowed", "EN16931")])

    [outcome] = send_queued_einvoices()

    assert (outcome.action, outcome.detail) == ("invalid", "BR-CL-24")
    delivery = _delivery_of_invoice(order)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.INVALID, 0)
    assert [f["rule"] for f in delivery.findings] == ["BR-CL-24"]
    assert access_point_config.requests == []


# ---------------------------------------------------------------------------------------------- mail adapter

def test_mail_adapter_sends_each_einvoice_once_with_its_files_pdf_and_ubl(db, einvoice_dir):
    order = _paid()
    number = get_invoice_of(order).number

    [outcome] = send_queued_einvoices()

    assert (outcome.number, outcome.action) == (number, "sent")
    delivery = _delivery_of_invoice(order)
    assert (delivery.status, delivery.attempts, delivery.channel) == (DeliveryStatus.SENT, 1, "mail")
    xml = (einvoice_dir / f"{number}.xml").read_bytes()
    assert xml.startswith(b"<?xml") and number.encode() in xml
    assert b'mimeCode="application/pdf"' in xml  # the PDF travels inside the UBL too
    assert (einvoice_dir / f"{number}.pdf").read_bytes().startswith(b"%PDF")
    [mail] = _einvoice_mails()
    assert mail.to_address == order.email
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        (f"factuur-{number}.pdf", "application/pdf"), (f"factuur-{number}.xml", "application/xml")]
    assert mail.attachments[1].data == xml

    assert send_queued_einvoices() == []  # nothing queued any more
    assert len(_einvoice_mails()) == 1


# ---------------------------------------------------------------------------------------------- HTTP adapter

def test_access_point_takes_it_then_the_poll_finds_it_delivered(db, access_point_config):
    fake = access_point_config
    order = _paid()
    delivery_id = _delivery_of_invoice(order).id

    [outcome] = send_queued_einvoices()

    assert outcome.action == "sent"
    delivery = db.session.get(EInvoiceDelivery, delivery_id)
    [post] = fake.posts()
    assert post["idempotency_key"] == f"einvoice-{delivery_id}-1"
    assert (post["body"]["receiver"], post["body"]["documentType"]) == (ENTERPRISE_RECEIVER, INVOICE_DOCUMENT_TYPE)
    assert post["body"]["sender"] == "0208:0207725104"
    assert (delivery.status, delivery.channel, delivery.attempts) == (DeliveryStatus.SENT, "access_point", 1)
    assert delivery.provider_reference in fake.documents
    assert get_invoice_of(order).number.encode() in fake.documents[delivery.provider_reference]["xml"]
    assert _einvoice_mails() == []

    assert poll_einvoices() == []  # on its way: nothing changes
    assert db.session.get(EInvoiceDelivery, delivery_id).status == DeliveryStatus.SENT

    fake.deliver(delivery.provider_reference)
    [polled] = poll_einvoices()

    assert polled.action == "delivered"
    assert db.session.get(EInvoiceDelivery, delivery_id).status == DeliveryStatus.DELIVERED
    assert poll_einvoices() == []  # delivered ones are not asked again


def test_a_credit_note_goes_to_the_access_point_as_a_credit_note(db, access_point_config):
    order = _paid()
    make_refund(order, 1000, reason="Pakket beschadigd")

    send_queued_einvoices()

    invoice_post, note_post = access_point_config.posts()
    assert invoice_post["body"]["documentType"] == INVOICE_DOCUMENT_TYPE
    assert note_post["body"]["documentType"] == CREDIT_NOTE_DOCUMENT_TYPE
    assert note_post["body"]["reference"].startswith("CN-")
    assert {d.status for d in _deliveries()} == {DeliveryStatus.SENT}


def test_a_refusal_by_the_access_point_is_rejected_with_its_reason(db, access_point_config):
    access_point_config.refuse_receiver(ENTERPRISE_RECEIVER)
    order = _paid()

    [outcome] = send_queued_einvoices()

    delivery = _delivery_of_invoice(order)
    assert outcome.action == "rejected"
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.reason == "RECEIVER_NOT_FOUND: The receiver is not registered in the Peppol network"
    assert delivery.provider_reference == ""
    assert send_queued_einvoices() == [] and poll_einvoices() == []
    assert len(access_point_config.posts()) == 1


def test_a_rejection_found_by_polling_is_rejected_with_its_reason(db, access_point_config):
    order = _paid()
    send_queued_einvoices()
    delivery = _delivery_of_invoice(order)

    access_point_config.reject(delivery.provider_reference, "Buyer refused: unknown purchase order")
    [outcome] = poll_einvoices()

    assert (outcome.action, outcome.detail) == ("rejected", "Buyer refused: unknown purchase order")
    delivery = _delivery_of_invoice(order)
    assert (delivery.status, delivery.reason) == (DeliveryStatus.REJECTED, "Buyer refused: unknown purchase order")


def test_an_unreachable_access_point_leaves_it_queued_counts_the_attempt_and_it_goes_out_later(
        db, app, access_point_config):
    fake = access_point_config
    order = _paid()
    url = app.config["ACCESS_POINT_URL"]
    app.config["ACCESS_POINT_URL"] = _closed_port_url()

    [outcome] = send_queued_einvoices()

    delivery = _delivery_of_invoice(order)
    assert outcome.action == "queued"
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
    assert "niet bereikbaar" in delivery.reason

    fake.fail_next(status=503)
    app.config["ACCESS_POINT_URL"] = url
    send_queued_einvoices()
    delivery = _delivery_of_invoice(order)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 2)
    assert "503" in delivery.reason

    send_queued_einvoices()

    delivery = _delivery_of_invoice(order)
    assert (delivery.status, delivery.attempts, delivery.reason) == (DeliveryStatus.SENT, 3, "")
    assert len(fake.documents) == 1


def test_a_run_stops_at_the_first_einvoice_the_access_point_cannot_take(db, app, access_point_config):
    first, second = _paid(), _paid(email="jan@example.be")
    url = app.config["ACCESS_POINT_URL"]
    app.config["ACCESS_POINT_URL"] = _closed_port_url()

    [outcome] = send_queued_einvoices()

    assert outcome.number == get_invoice_of(first).number
    assert [(_delivery_of_invoice(order).status, _delivery_of_invoice(order).attempts) for order in (first, second)] == [
        (DeliveryStatus.QUEUED, 1), (DeliveryStatus.QUEUED, 0)]
    app.config["ACCESS_POINT_URL"] = url
    assert [outcome.action for outcome in send_queued_einvoices()] == ["sent", "sent"]


def test_a_time_out_after_the_access_point_took_it_never_sends_it_twice(db, app, access_point_config):
    """The access point took the document but its answer came too late: the next run asks again under the same
    idempotency key and gets the same document back."""
    fake = access_point_config
    app.config["ACCESS_POINT_TIMEOUT_SECONDS"] = 0.3
    order = _paid()
    fake.time_out_next(1.5)

    [outcome] = send_queued_einvoices()

    assert outcome.action == "queued"
    app.config["ACCESS_POINT_TIMEOUT_SECONDS"] = 2
    [outcome] = send_queued_einvoices()
    assert outcome.action == "sent"
    assert len(fake.documents) == 1
    [(document_id, _document)] = fake.documents.items()
    assert _delivery_of_invoice(order).provider_reference == document_id
    keys = {post["idempotency_key"] for post in fake.posts()}
    assert len(fake.posts()) == 2 and len(keys) == 1


def test_polling_when_the_access_point_is_down_changes_nothing_and_stops_asking(db, access_point_config):
    orders = [_paid(), _paid(email="jan@example.be")]
    send_queued_einvoices()
    for order in orders:
        access_point_config.deliver(_delivery_of_invoice(order).provider_reference)
    access_point_config.fail_next(status=503)

    [outcome] = poll_einvoices()

    assert outcome.action == "error"
    assert [_delivery_of_invoice(order).status for order in orders] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert [outcome.action for outcome in poll_einvoices()] == ["delivered", "delivered"]


# ---------------------------------------------------------------------------------------------- commands

def test_the_send_and_poll_commands_report_each_einvoice(app, db, access_point_config):
    order = _paid()
    number = get_invoice_of(order).number
    runner = app.test_cli_runner()

    sent = runner.invoke(args=["send-einvoices"])

    assert sent.exit_code == 0, sent.output
    assert f"{number}: sent" in sent.output
    access_point_config.deliver(_delivery_of_invoice(order).provider_reference)
    polled = runner.invoke(args=["poll-einvoices"])
    assert polled.exit_code == 0, polled.output
    assert f"{number}: delivered" in polled.output


@pytest.mark.parametrize("command", ["send-einvoices", "poll-einvoices"])
def test_the_commands_with_nothing_to_do_say_so(app, db, command):
    result = app.test_cli_runner().invoke(args=[command])
    assert result.exit_code == 0
    assert "0 e-factuur/e-facturen" in result.output
    assert db.session.scalar(select(func.count()).select_from(EInvoiceDelivery)) == 0
