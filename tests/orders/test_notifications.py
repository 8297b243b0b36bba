"""Order e-mails: queued in the caller's transaction, in the order's language, with prices only for the buyer."""

from __future__ import annotations

import email
from email import policy

from sqlalchemy import delete, select

from shop.extensions import db
from shop.invoicing.queries import get_invoice_of
from shop.invoicing.services import issue_invoice
from shop.orders import notifications
from shop.orders.lifecycle import transition
from shop.orders.models import DeliveryMethod, Order, OrderStatus
from shop.outbox.models import OutboxMessage
from shop.outbox.rendering import attachment_data
from shop.outbox.worker import deliver_pending
from shop.scheduling.models import SlotBooking
from tests.factories import SAMPLE_DAY, SAMPLE_PLACED_AT, make_order, make_order_data, make_product, make_sample_order


def _plain(text: str) -> str:
    """Babel puts (narrow) no-break spaces in amounts; compare with plain spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _messages(kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _confirm(order: Order) -> OutboxMessage:
    issue_invoice(order)
    notifications.order_confirmed(order)
    db.session.commit()
    [message] = _messages("order_confirmed")
    return message


def test_confirmation_in_dutch_for_pickup(app, db):
    order = make_sample_order(locale="nl", method=DeliveryMethod.PICKUP)

    message = _confirm(order)

    assert message.to_address == "an.devos@example.be"
    assert message.reply_to == "info@lekkeroostvlaams.be"
    assert message.subject == f"Bevestiging van je bestelling {order.number}"
    assert message.dedupe_key == f"order-confirmed:{order.id}"
    assert message.order_id == order.id
    text = _plain(message.body_text)
    assert "2 × Gentse mokken (250 g) — € 9,00 (€ 4,50 per stuk)" in text
    assert "1 × Oude graanjenever (50 cl) — € 24,50" in text
    assert "2 × Kerstpakket Groot Vleeshuis — € 70,00 (€ 35,00 per stuk)" in text
    assert "    - 2 × Hoevekaas" in text
    assert "Totaal: € 103,50" in text
    assert "waarvan btw 6%: € 1,57 (maatstaf € 26,23)" in text
    assert "waarvan btw 21%: € 13,14 (maatstaf € 62,56)" in text
    assert "Leveringskosten" not in text
    assert "Groot Vleeshuis, Groentenmarkt 7, 9000 Gent" in text
    assert "Wanneer: dinsdag 22 december 2026, tussen 10:00 en 11:00" in text  # the first hour, taken when placed
    assert "Breng je bestelnummer mee" in text
    assert f"http://127.0.0.1:5000/bestelling/{order.status_token}" in text
    assert f"De factuur {get_invoice_of(order).number} zit als pdf in de bijlage." in text
    assert f'href="http://127.0.0.1:5000/bestelling/{order.status_token}"' in _plain(message.body_html)
    assert "€ 103,50" in _plain(message.body_html)
    [attachment] = message.attachments
    assert attachment.filename == f"factuur-{get_invoice_of(order).number}.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.data == b""  # drawn when the mail is delivered, outside the transaction that issued it
    assert attachment_data(attachment).startswith(b"%PDF")


def test_confirmation_names_the_pickup_hour_the_customer_chose(app, db):
    data = make_order_data(pickup_date=SAMPLE_DAY, pickup_time="14:00")
    order = make_order((make_product(stock=5), 1), data=data, now=SAMPLE_PLACED_AT)
    transition(order, OrderStatus.PAID, actor="stripe")
    db.session.commit()

    [message] = _messages("order_confirmed")

    assert "Wanneer: dinsdag 22 december 2026, tussen 14:00 en 15:00" in _plain(message.body_text)
    assert "Wanneer: dinsdag 22 december 2026, tussen 14:00 en 15:00" in _plain(message.body_html)


def test_confirmation_of_an_order_without_a_pickup_hour_gives_the_opening_hours(app, db):
    order = make_sample_order(method=DeliveryMethod.PICKUP)
    db.session.execute(delete(SlotBooking).where(SlotBooking.order_id == order.id))  # placed before pickup hours

    message = _confirm(order)

    assert "Wanneer: dinsdag 22 december 2026, tussen 10:00 en 18:00" in _plain(message.body_text)


def test_confirmation_in_french_for_a_gift_delivery(app, db):
    order = make_sample_order(locale="fr", method=DeliveryMethod.DELIVERY, gift_message="Zalig kerstfeest, <Marie>!")

    message = _confirm(order)

    text = _plain(message.body_text)
    assert '<html lang="fr">' in _plain(message.body_html)
    assert "2 × Gentse mokken (250 g) — 9,00 €" in text  # French money format
    assert "6,95 €" in text  # the delivery fee
    assert "110,45 €" in text  # total = what was charged
    assert order.total_cents == 11045
    assert "mardi 22 décembre 2026" in text  # French date
    assert "Marie Claes" in text and "Veldstraat 10" in text and "9000 Gent" in text
    assert '"Zalig kerstfeest, <Marie>!"' in text
    assert "Zalig kerstfeest, &lt;Marie&gt;!" in _plain(message.body_html)  # escaped in HTML
    assert "<Marie>" not in _plain(message.body_html)


def test_confirmation_before_the_invoice_names_and_attaches_none(app, db):
    order = make_sample_order()

    notifications.order_confirmed(order)
    db.session.commit()

    [message] = _messages("order_confirmed")
    assert "De factuur" not in message.body_text and "De factuur" not in message.body_html
    assert message.attachments == []


def test_confirmation_names_the_company_on_the_invoice(app, db):
    order = make_sample_order(company=True)

    message = _confirm(order)

    assert "Brouwerij Het Anker Gent bv (BE0123456749)" in _plain(message.body_text)
    line = (f"De factuur {get_invoice_of(order).number} zit als pdf in de bijlage."
            " Ze staat op naam van Brouwerij Het Anker Gent bv (BE0123456749).")
    assert line in _plain(message.body_text)
    assert f"<p>{line}</p>" in _plain(message.body_html)


def test_confirmation_of_a_company_order_gives_the_po_reference_and_says_no_withdrawal_right(app, db):
    order = make_sample_order(company=True)
    order.purchase_order = "PO 2026/17"

    message = _confirm(order)

    text = _plain(message.body_text)
    note = "Je bestelde als bedrijf: het herroepingsrecht geldt niet, want dat is er alleen voor consumenten."
    assert f"\nJe bestelbonnummer: PO 2026/17\n{note}\n\nVolg je bestelling hier:" in text
    assert f"<p>{note}</p>" in _plain(message.body_html)
    assert "<p>Je bestelbonnummer: PO 2026/17</p>" in _plain(message.body_html)


def test_confirmation_of_a_consumer_order_says_nothing_about_companies(app, db):
    message = _confirm(make_sample_order())
    for body in (message.body_text, message.body_html):
        assert "bedrijf" not in body and "bestelbon" not in body
    assert ".\n\nVolg je bestelling hier:" in _plain(message.body_text)


def test_confirmation_is_queued_once(app, db):
    order = make_sample_order()
    _confirm(order)
    notifications.order_confirmed(order)
    db.session.commit()
    assert len(_messages()) == 1


def test_paying_through_the_lifecycle_queues_confirmation_with_invoice(app, db):
    order = make_sample_order(status=OrderStatus.PENDING_PAYMENT)
    db.session.commit()

    transition(order, OrderStatus.PAID, actor="test")
    db.session.commit()

    [message] = _messages()
    assert message.kind == "order_confirmed"
    assert [a.filename for a in message.attachments] == [f"factuur-{get_invoice_of(order).number}.pdf"]


def test_cancelling_an_unpaid_order_says_nothing_was_charged(app, db):
    order = make_sample_order(status=OrderStatus.PENDING_PAYMENT)

    transition(order, OrderStatus.CANCELLED, actor="test")
    db.session.commit()

    [message] = _messages()
    assert message.kind == "order_cancelled"
    assert message.subject == f"Je bestelling {order.number} is geannuleerd"
    assert "Er werd niets aangerekend." in _plain(message.body_text)
    assert "terug" not in _plain(message.body_text)


def test_cancelling_a_paid_order_says_how_much_is_paid_back(app, db):
    order = make_sample_order(status=OrderStatus.PAID, method=DeliveryMethod.DELIVERY)

    notifications.order_cancelled(order, was_paid=True)
    db.session.commit()

    [message] = _messages()
    assert "We betalen € 110,45 terug" in _plain(message.body_text)
    assert "niets aangerekend" not in _plain(message.body_text)
    assert "€ 110,45" in _plain(message.body_html)


def test_ready_for_pickup_and_shipped(app, db):
    pickup = make_sample_order(method=DeliveryMethod.PICKUP)
    delivery = make_sample_order(method=DeliveryMethod.DELIVERY)
    delivery.shipment.tracking_reference = "BPOST-3SABCD123456"

    notifications.order_ready_for_pickup(pickup)
    notifications.order_shipped(delivery)
    db.session.commit()

    ready, shipped = _messages()
    assert ready.subject == f"Je bestelling {pickup.number} ligt klaar"
    assert "Groot Vleeshuis, Groentenmarkt 7, 9000 Gent" in _plain(ready.body_text)
    assert "Wanneer: dinsdag 22 december 2026, tussen 10:00 en 11:00" in _plain(ready.body_text)
    assert f"/bestelling/{pickup.status_token}" in _plain(ready.body_text)
    assert shipped.subject == f"Je bestelling {delivery.number} is onderweg"
    assert "Zendingsnummer: BPOST-3SABCD123456" in _plain(shipped.body_text)
    assert "Veldstraat 10" in _plain(shipped.body_text)


def test_payment_after_cancellation_tells_the_customer_it_is_refunded(app, db):
    order = make_sample_order(status=OrderStatus.CANCELLED, method=DeliveryMethod.DELIVERY)

    notifications.payment_after_cancellation(order)
    notifications.payment_after_cancellation(order)  # a replayed webhook
    db.session.commit()

    [message] = _messages()
    assert message.dedupe_key == f"payment-after-cancellation:{order.id}"
    assert "We ontvingen een betaling van € 110,45" in _plain(message.body_text)
    assert "je hoeft niets te doen" in _plain(message.body_text)


def test_confirmation_lands_as_eml_with_its_invoice(app, db, tmp_path):
    saved = app.config["SMTP_URL"], app.config["MAIL_DIR"]
    app.config.update(SMTP_URL=None, MAIL_DIR=str(tmp_path))
    try:
        order = make_sample_order()
        _confirm(order)
        assert deliver_pending() == (1, 0)
    finally:
        app.config["SMTP_URL"], app.config["MAIL_DIR"] = saved

    [path] = list(tmp_path.glob("*.eml"))
    mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["Subject"] == f"Bevestiging van je bestelling {order.number}"
    assert "Totaal: € 103,50" in _plain(mail.get_body(("plain",)).get_content())
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF")


def test_a_mail_listing_several_shipments_gives_each_pickup_s_chosen_hour(app, db):
    from shop.orders.models import Shipment

    data = make_order_data(pickup_date=SAMPLE_DAY, pickup_time="12:00")
    order = make_order((make_product(stock=5), 1), data=data, now=SAMPLE_PLACED_AT)
    # A second parcel picked up the same day without an hour of its own: its day alone.
    order.shipments.append(Shipment(method=DeliveryMethod.PICKUP, scheduled_date=SAMPLE_DAY, recipient_name="Bo Claes"))
    db.session.flush()

    message = _confirm(order)

    text = _plain(message.body_text)
    assert "- An Peeters, Afhalen (dinsdag 22 december 2026, tussen 12:00 en 13:00)" in text
    assert "- Bo Claes, Afhalen (dinsdag 22 december 2026)" in text
    assert "<td>dinsdag 22 december 2026, tussen 12:00 en 13:00</td>" in _plain(message.body_html)


def test_the_personal_data_export_gives_the_chosen_pickup_hour(app, db):
    from shop.accounts.export import export_personal_data
    from tests.factories import make_user

    user = make_user("an@voorbeeld.be")
    data = make_order_data(pickup_date=SAMPLE_DAY, pickup_time="15:00")
    make_order((make_product(stock=5), 1), data=data, now=SAMPLE_PLACED_AT, by=user)
    make_order((make_product(stock=5), 1), data=make_order_data("delivery"), now=SAMPLE_PLACED_AT, by=user)

    exported = export_personal_data(user)["orders"]

    assert [[(s["method"], s["pickup_window"]) for s in order["shipments"]] for order in exported] == [
        [("pickup", ["15:00", "16:00"])], [("delivery", None)]]
