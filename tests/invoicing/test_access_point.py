"""The access-point adapters on their own, with plain data in and out: the mail adapter (files and one mail with
both attachments) and the HTTP adapter against the stand-in access point on loopback (tests/fakes/access_point.py)."""

from __future__ import annotations

import base64
import socket

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.invoicing.access_point import (
    CREDIT_NOTE_DOCUMENT_TYPE,
    DELIVERED,
    HTTP,
    INVOICE_DOCUMENT_TYPE,
    MAIL,
    REJECTED,
    SENT,
    AccessPointUnavailable,
    HttpAccessPoint,
    MailAccessPoint,
    OutgoingEInvoice,
    get_access_point,
)
from shop.outbox.models import OutboxMessage

XML = b'<?xml version="1.0" encoding="UTF-8"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'


def _outgoing(**overrides) -> OutgoingEInvoice:
    fields = dict(key="einvoice-7-1", kind="invoice", number="2026-000042", document_type=INVOICE_DOCUMENT_TYPE,
                  sender="0208:0207725104", receiver="0208:0123456749", xml=XML, pdf=b"%PDF-1.7 fake",
                  buyer_name="An De Vos", buyer_email="an.devos@example.be", order_number="LOV-2026-00042", locale="nl")
    fields.update(overrides)
    return OutgoingEInvoice(**fields)


def _mails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _closed_port_url() -> str:
    """A loopback URL where nothing listens: the access point is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------------------------------------- choice

def test_without_an_access_point_url_the_mail_adapter_is_used(app):
    with app.app_context():
        assert get_access_point().channel == MAIL


def test_with_an_access_point_url_the_http_adapter_is_used(app, access_point_config):
    with app.app_context():
        assert get_access_point().channel == HTTP


# ---------------------------------------------------------------------------------------------- mail

def test_mail_adapter_writes_the_files_and_queues_one_mail_with_both_attachments(db, einvoice_dir):
    answer = MailAccessPoint().send(_outgoing())
    db.session.commit()

    assert answer.refused == ""
    assert (einvoice_dir / "2026-000042.xml").read_bytes() == XML
    assert (einvoice_dir / "2026-000042.pdf").read_bytes() == b"%PDF-1.7 fake"
    [mail] = _mails()
    assert (mail.kind, mail.to_address) == ("einvoice", "an.devos@example.be")
    assert mail.subject == "Factuur 2026-000042 van vzw Lekker Oost-Vlaams – Groot Vleeshuis"
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [
        ("factuur-2026-000042.pdf", "application/pdf", b"%PDF-1.7 fake"),
        ("factuur-2026-000042.xml", "application/xml", XML),
    ]
    assert "In de bijlage vind je factuur 2026-000042 van je bestelling LOV-2026-00042." in mail.body_text
    assert "factuur-2026-000042.xml is het document als elektronische factuur (UBL)" in mail.body_text


def test_mail_adapter_sending_again_under_the_same_key_queues_no_second_mail(db, einvoice_dir):
    MailAccessPoint().send(_outgoing())
    db.session.commit()
    MailAccessPoint().send(_outgoing())
    db.session.commit()
    assert len(_mails()) == 1

    MailAccessPoint().send(_outgoing(key="einvoice-7-2"))  # a resend by staff is a new sending
    db.session.commit()
    assert len(_mails()) == 2


def test_mail_adapter_a_credit_note_without_pdf_gets_only_the_ubl_in_the_buyers_language(db, einvoice_dir):
    MailAccessPoint().send(_outgoing(kind="credit_note", number="CN-2026-000003",
                                     document_type=CREDIT_NOTE_DOCUMENT_TYPE, pdf=None, locale="fr"))
    db.session.commit()

    assert (einvoice_dir / "CN-2026-000003.xml").exists()
    assert not (einvoice_dir / "CN-2026-000003.pdf").exists()
    [mail] = _mails()
    assert [(a.content_type, a.data) for a in mail.attachments] == [("application/xml", XML)]
    assert "CN-2026-000003" in mail.subject


def test_mail_adapter_that_cannot_write_its_folder_is_unavailable(db, app, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    saved = app.config["EINVOICE_DIR"]
    app.config["EINVOICE_DIR"] = str(blocked)
    try:
        with pytest.raises(AccessPointUnavailable):
            MailAccessPoint().send(_outgoing())
    finally:
        app.config["EINVOICE_DIR"] = saved
    assert _mails() == []


def test_mail_has_no_delivery_receipt_so_it_stays_sent(app):
    with app.app_context():
        assert MailAccessPoint().get_status("2026-000042.xml").status == SENT


# ---------------------------------------------------------------------------------------------- HTTP

def test_http_adapter_posts_the_ubl_with_receiver_and_document_type_and_gets_an_id(app, access_point_config):
    fake = access_point_config
    with app.app_context():
        answer = HttpAccessPoint().send(_outgoing())

    assert answer.refused == ""
    document = fake.documents[answer.reference]
    assert document["xml"] == XML
    assert (document["receiver"], document["sender"]) == ("0208:0123456749", "0208:0207725104")
    assert document["documentType"] == INVOICE_DOCUMENT_TYPE
    assert document["processId"] == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    [post] = fake.posts()
    assert post["idempotency_key"] == "einvoice-7-1"
    assert post["authorization"] == f"Bearer {fake.api_key}"
    assert base64.b64decode(post["body"]["document"]) == XML


def test_http_adapter_sending_again_under_the_same_key_gets_the_same_document(app, access_point_config):
    fake = access_point_config
    with app.app_context():
        first = HttpAccessPoint().send(_outgoing())
        again = HttpAccessPoint().send(_outgoing())

    assert again.reference == first.reference
    assert len(fake.documents) == 1


def test_http_adapter_a_refused_document_comes_back_with_the_reason(app, access_point_config):
    access_point_config.refuse_receiver("0208:0123456749")
    with app.app_context():
        answer = HttpAccessPoint().send(_outgoing())

    assert answer.reference == ""
    assert answer.refused == "RECEIVER_NOT_FOUND: The receiver is not registered in the Peppol network"


@pytest.mark.parametrize("status", [503, 500, 429, 401])
def test_http_adapter_an_answer_that_says_nothing_of_the_document_is_unavailable(app, access_point_config, status):
    access_point_config.fail_next(status=status)
    with app.app_context(), pytest.raises(AccessPointUnavailable, match=str(status)):
        HttpAccessPoint().send(_outgoing())
    assert access_point_config.documents == {}


def test_http_adapter_with_a_wrong_key_is_unavailable_not_refused(app, access_point_config):
    app.config["ACCESS_POINT_KEY"] = "wrong"
    with app.app_context(), pytest.raises(AccessPointUnavailable, match="401"):
        HttpAccessPoint().send(_outgoing())


def test_http_adapter_when_the_access_point_is_down_is_unavailable(app, access_point_config):
    app.config["ACCESS_POINT_URL"] = _closed_port_url()
    with app.app_context(), pytest.raises(AccessPointUnavailable, match="niet bereikbaar"):
        HttpAccessPoint().send(_outgoing())


def test_http_adapter_gives_up_waiting_after_its_time_out(app, access_point_config):
    app.config["ACCESS_POINT_TIMEOUT_SECONDS"] = 0.2
    access_point_config.time_out_next(1.0)
    with app.app_context(), pytest.raises(AccessPointUnavailable, match="niet bereikbaar"):
        HttpAccessPoint().send(_outgoing())


def test_http_adapter_reads_the_delivery_state(app, access_point_config):
    fake = access_point_config
    with app.app_context():
        adapter = HttpAccessPoint()
        delivered = adapter.send(_outgoing()).reference
        rejected = adapter.send(_outgoing(key="einvoice-8-1", number="2026-000043")).reference
        assert adapter.get_status(delivered).status == SENT

        fake.deliver(delivered)
        fake.reject(rejected, "Buyer reference missing")

        assert adapter.get_status(delivered).status == DELIVERED
        state = adapter.get_status(rejected)
        assert (state.status, state.reason) == (REJECTED, "Buyer reference missing")
        with pytest.raises(AccessPointUnavailable, match="404"):
            adapter.get_status("doc_unknown")


def test_http_adapter_without_a_url_cannot_be_made(app):
    with app.app_context(), pytest.raises(AccessPointUnavailable):
        HttpAccessPoint()
