"""E-invoices in the back office through the test client: their state on the order page, sending one again,
the UBL download of any invoice or credit note, and the list of those that need staff."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop.core.audit import AuditEntry
from shop.extensions import db as _db
from shop.invoicing.delivery import poll_einvoices, send_queued_einvoices
from shop.invoicing.models import CreditNote, DeliveryStatus, EInvoiceDelivery
from shop.invoicing.queries import get_invoice_of
from shop.orders.models import OrderStatus
from shop.payments.services import payment_succeeded
from tests.factories import log_in_as, make_refund, make_sample_order, make_staff, make_user

BAD_SELLER_VAT = {"seller_vat_number": "BE0207725105"}  # a wrong check digit: PEPPOL-COMMON-R043


@pytest.fixture
def staff(db, client):
    user = make_staff("els@grootvleeshuis.be")
    db.session.commit()
    log_in_as(client, user)
    return user


def _paid(company: bool = True):
    order = make_sample_order(company=company, status=OrderStatus.PENDING_PAYMENT)
    payment_succeeded(order, payment_intent_id=None, actor="test")
    _db.session.commit()
    return order


def _delivery(order) -> EInvoiceDelivery:
    _db.session.expire_all()
    return _db.session.scalar(select(EInvoiceDelivery).where(EInvoiceDelivery.invoice_id == get_invoice_of(order).id))


def _page(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


def _invalid_order(app):
    app.config["SHOP_SETTINGS"] = BAD_SELLER_VAT
    try:
        return _paid()
    finally:
        app.config.pop("SHOP_SETTINGS")


# ---------------------------------------------------------------------------------------------- order page

def test_order_page_shows_a_queued_einvoice_with_its_download(db, client, staff):
    order = _paid()
    invoice = get_invoice_of(order)

    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))

    assert 'id="e-facturen"' in html
    assert f"Factuur {invoice.number}" in html
    assert "Wacht om verstuurd te worden" in html
    assert f'href="/beheer/facturen/{invoice.id}.xml"' in html
    assert f"/beheer/e-facturen/{_delivery(order).id}/opnieuw" not in html  # queued: nothing to send again


def test_order_page_shows_an_invalid_einvoice_with_its_rule_ids_and_a_resend_button(db, app, client, staff):
    order = _invalid_order(app)

    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))

    assert "Ongeldig, niet verstuurd" in html
    assert "<code>PEPPOL-COMMON-R043</code> Belgian enterprise number MUST be stated in the correct format." in html
    assert f'action="/beheer/e-facturen/{_delivery(order).id}/opnieuw"' in html


def test_order_page_shows_a_rejection_with_its_reason(db, client, staff, access_point_config):
    access_point_config.refuse_receiver("0208:0123456749", "RECEIVER_NOT_FOUND", "Unknown participant")
    order = _paid()
    send_queued_einvoices()

    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))

    assert "Geweigerd" in html
    assert "Reden: RECEIVER_NOT_FOUND: Unknown participant" in html
    assert "Via het Peppol-toegangspunt aan 0208:0123456749" in html


def test_order_page_of_a_consumer_offers_the_ubl_but_sends_nothing(db, client, staff):
    order = _paid(company=False)
    invoice = get_invoice_of(order)

    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))

    assert "Niet verstuurd: geen bedrijf met btw-nummer" in html
    assert f'href="/beheer/facturen/{invoice.id}.xml"' in html
    assert "Opnieuw versturen" not in html


def test_order_page_lists_the_credit_notes_einvoice_too(db, client, staff):
    order = _paid()
    make_refund(order, 1000, reason="Pakket beschadigd")
    note = db.session.scalar(select(CreditNote).where(CreditNote.order_id == order.id))

    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))

    assert f"Creditnota {note.number}" in html
    assert f'href="/beheer/creditnotas/{note.id}.xml"' in html


# ---------------------------------------------------------------------------------------------- resend

def test_resend_of_a_rejected_einvoice_queues_a_new_sending_that_the_access_point_takes_as_new(
        db, client, staff, access_point_config):
    fake = access_point_config
    order = _paid()
    send_queued_einvoices()
    delivery = _delivery(order)
    fake.reject(delivery.provider_reference, "Buyer refused")
    poll_einvoices()

    response = client.post(f"/beheer/e-facturen/{delivery.id}/opnieuw")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/beheer/bestellingen/{order.id}#e-facturen")
    delivery = _delivery(order)
    assert (delivery.status, delivery.sending_round, delivery.attempts, delivery.reason) == (
        DeliveryStatus.QUEUED, 2, 0, "")
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "einvoice.resend"))
    assert (entry.actor, entry.subject_type, entry.subject_id) == ("els@grootvleeshuis.be", "order", order.id)
    assert "wordt opnieuw verstuurd bij de volgende verzendronde" in _page(client.get(response.headers["Location"]))

    send_queued_einvoices()

    assert [post["idempotency_key"] for post in fake.posts()] == [f"einvoice-{delivery.id}-1",
                                                                  f"einvoice-{delivery.id}-2"]
    assert len(fake.documents) == 2
    assert _delivery(order).status == DeliveryStatus.SENT


def test_resend_validates_again_an_invoice_whose_data_is_wrong_stays_invalid(db, app, client, staff):
    """An issued invoice keeps the seller and buyer as issued: sending it again does not make it valid."""
    order = _invalid_order(app)

    response = client.post(f"/beheer/e-facturen/{_delivery(order).id}/opnieuw", follow_redirects=True)

    assert "is nog altijd ongeldig (PEPPOL-COMMON-R043) en wordt niet verstuurd" in _page(response)
    assert _delivery(order).status == DeliveryStatus.INVALID
    assert send_queued_einvoices() == []


def test_resend_of_one_found_invalid_earlier_queues_it_when_it_passes_now(db, client, staff, einvoice_dir):
    """Found invalid by an earlier rule set (stored as it was): validated again now, it passes and goes out."""
    order = _paid()
    delivery = _delivery(order)
    delivery.status = DeliveryStatus.INVALID
    delivery.findings = [{"rule": "BR-OLD-1", "flag": "fatal", "location": "/Invoice", "message": "old rule",
                          "ruleset": "EN16931", "blocking": True}]
    db.session.commit()

    client.post(f"/beheer/e-facturen/{delivery.id}/opnieuw")

    delivery = _delivery(order)
    assert delivery.status == DeliveryStatus.QUEUED
    assert [finding for finding in delivery.findings if finding["blocking"]] == []
    [outcome] = send_queued_einvoices()
    assert outcome.action == "sent"


def test_resend_of_an_einvoice_still_queued_is_refused(db, client, staff):
    order = _paid()
    delivery = _delivery(order)

    response = client.post(f"/beheer/e-facturen/{delivery.id}/opnieuw", follow_redirects=True)

    assert "Deze e-factuur wacht al om verstuurd te worden." in _page(response)
    assert (_delivery(order).sending_round, db.session.scalar(select(AuditEntry.id))) == (1, None)


def test_resend_needs_staff_and_a_csrf_token(db, app, client):
    order = _paid()
    send_queued_einvoices()
    delivery_id = _delivery(order).id
    url = f"/beheer/e-facturen/{delivery_id}/opnieuw"

    assert client.post(url).status_code == 302  # to the log-in page
    customer = make_user()
    db.session.commit()
    log_in_as(client, customer)
    assert client.post(url).status_code == 403

    log_in_as(client, make_staff())
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(url).status_code == 400
        assert _delivery(order).sending_round == 1
        html = client.get(f"/beheer/bestellingen/{order.id}").get_data(as_text=True)
        token = re.search(rf'action="{url}">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', html).group(1)
        assert client.post(url, data={"csrf_token": token}).status_code == 303
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _delivery(order).sending_round == 2


def test_resend_of_an_unknown_einvoice_is_404(db, client, staff):
    assert client.post("/beheer/e-facturen/999999/opnieuw").status_code == 404


# ---------------------------------------------------------------------------------------------- download

def test_ubl_of_an_invoice_downloads_as_xml(db, client, staff):
    order = _paid(company=False)  # a consumer's invoice too
    invoice = get_invoice_of(order)

    response = client.get(f"/beheer/facturen/{invoice.id}.xml")

    assert response.status_code == 200
    assert response.content_type == "application/xml"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{invoice.number}.xml"'
    body = response.get_data()
    assert body.startswith(b"<?xml") and b"<Invoice" in body and invoice.number.encode() in body


def test_ubl_of_a_credit_note_downloads_as_xml(db, client, staff):
    order = _paid()
    make_refund(order, 1000, reason="Pakket beschadigd")
    note = db.session.scalar(select(CreditNote).where(CreditNote.order_id == order.id))

    response = client.get(f"/beheer/creditnotas/{note.id}.xml")

    assert response.status_code == 200
    assert response.content_type == "application/xml"
    assert b"<CreditNote" in response.get_data() and note.number.encode() in response.get_data()


def test_ubl_download_is_for_staff_only_and_404_for_an_unknown_document(db, client):
    order = _paid()
    url = f"/beheer/facturen/{get_invoice_of(order).id}.xml"

    assert client.get(url).status_code == 302
    log_in_as(client, make_user())
    db.session.commit()
    assert client.get(url).status_code == 403
    log_in_as(client, make_staff())
    db.session.commit()
    assert client.get(url).status_code == 200
    assert client.get("/beheer/facturen/999999.xml").status_code == 404
    assert client.get("/beheer/creditnotas/999999.xml").status_code == 404


# ---------------------------------------------------------------------------------------------- attention

def test_invalid_and_rejected_einvoices_are_counted_on_the_dashboard_and_listed(db, app, client, staff,
                                                                               access_point_config):
    invalid = _invalid_order(app)
    access_point_config.refuse_receiver("0208:0123456749", "RECEIVER_NOT_FOUND", "Unknown participant")
    rejected = _paid()
    send_queued_einvoices()
    _paid(company=False)

    dashboard = _page(client.get("/beheer/"))
    assert re.search(r'aria-label="2 e-facturen die aandacht vragen">2</a>', dashboard)

    listing = _page(client.get("/beheer/e-facturen"))
    assert f"Factuur {get_invoice_of(invalid).number}" in listing
    assert f"Factuur {get_invoice_of(rejected).number}" in listing
    assert "PEPPOL-COMMON-R043" in listing
    assert "RECEIVER_NOT_FOUND: Unknown participant" in listing
    assert f'href="/beheer/bestellingen/{rejected.id}#e-facturen"' in listing
