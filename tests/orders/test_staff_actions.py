"""Staff actions on orders (no HTTP): transitions, cancel with refund, refunds with a one-time key, notes,
resending mails; and the lifecycle rule that pickup orders are never shipped and deliveries never wait for pickup."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.core.audit import AuditEntry
from shop.extensions import db as _db
from shop.invoicing.queries import get_invoice_of
from shop.orders import staff_actions
from shop.orders.lifecycle import InvalidTransition, allowed_transitions, transition
from shop.orders.models import Order, OrderNote, OrderStatus, OrderTransition, Refund
from shop.orders.refunds import RefundRefused, request_refund
from shop.orders.staff_actions import (
    InvalidNote,
    OrderChangedMeanwhile,
    ReasonRequired,
    RefundAlreadyDone,
    ResendNotPossible,
    TrackingReferenceRequired,
    add_note,
    cancel_by_staff,
    refund_by_staff,
    resend_customer_email,
    staff_transition,
    staff_transitions,
)
from shop.outbox.models import OutboxMessage
from shop.payments.services import end_payment_session, record_refunds, send_requested_refunds
from tests.factories import (
    make_order,
    make_order_data,
    make_paid_order,
    make_product,
    make_staff,
    place,
    start_stripe_checkout,
)
from tests.helpers import send_stripe_event

S = OrderStatus


def _key() -> str:
    return uuid.uuid4().hex


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _mails(kind: str) -> list[OutboxMessage]:
    return list(_db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def _actions(db, action: str) -> list[tuple[str, str]]:
    return [(e.action, e.actor) for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


@pytest.fixture
def staff(db):
    return make_staff("els@grootvleeshuis.be")


@pytest.fixture
def cheese(db):
    return make_product("Oude Brugge", price_cents=1250, stock=10)


def _paid(cheese, quantity=2, method="pickup"):
    return make_paid_order((cheese, quantity), data=make_order_data(method))


# --- lifecycle: the shipment decides between ready for pickup and shipped ---------------------------------------

def test_pickup_order_can_be_ready_for_pickup_but_not_shipped(db, cheese):
    order = _paid(cheese)
    transition(order, S.IN_PREPARATION)

    assert allowed_transitions(order) == (S.READY_FOR_PICKUP, S.CANCELLED)
    with pytest.raises(InvalidTransition, match="geleverd"):
        transition(order, S.SHIPPED)
    assert order.status == S.IN_PREPARATION


def test_delivery_order_can_be_shipped_but_not_ready_for_pickup(db, cheese):
    order = _paid(cheese, method="delivery")
    transition(order, S.IN_PREPARATION)

    assert allowed_transitions(order) == (S.SHIPPED, S.CANCELLED)
    with pytest.raises(InvalidTransition, match="afgehaald"):
        transition(order, S.READY_FOR_PICKUP)


# --- transitions ---------------------------------------------------------------------------------------------

def test_staff_transitions_leave_out_paid_and_cancelled(db, cheese):
    pending = make_order((cheese, 1))
    paid = _paid(cheese)

    assert staff_transitions(pending) == ()
    assert staff_transitions(paid) == (S.IN_PREPARATION,)


def test_staff_cannot_mark_an_order_paid_by_hand(db, cheese, staff):
    order = make_order((cheese, 1))

    with pytest.raises(InvalidTransition):
        staff_transition(order, S.PAID, expected_status="pending_payment", by=staff)
    assert order.status == S.PENDING_PAYMENT


def test_staff_transition_records_who_and_the_audit_entry(db, cheese, staff):
    order = _paid(cheese)

    record = staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)
    db.session.commit()

    assert (record.from_status, record.to_status, record.by_user_id, record.actor) == (
        S.PAID, S.IN_PREPARATION, staff.id, "els@grootvleeshuis.be")
    assert _actions(db, "order.transition") == [("order.transition", "els@grootvleeshuis.be")]


def test_a_stale_form_changes_nothing(db, cheese, staff):
    order = _paid(cheese)
    staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)
    db.session.commit()

    with pytest.raises(OrderChangedMeanwhile, match="Deze bestelling is intussen gewijzigd"):
        staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OrderTransition)
                             .where(OrderTransition.to_status == S.IN_PREPARATION)) == 1


def test_shipping_needs_a_tracking_reference_that_goes_in_the_mail(db, cheese, staff):
    order = _paid(cheese, method="delivery")
    staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)

    with pytest.raises(TrackingReferenceRequired):
        staff_transition(order, S.SHIPPED, expected_status="in_preparation", by=staff, tracking_reference="  ")
    staff_transition(order, S.SHIPPED, expected_status="in_preparation", by=staff,
                     tracking_reference=" BPOST-3SABC123 ")
    db.session.commit()

    assert order.shipment.tracking_reference == "BPOST-3SABC123"
    [mail] = _mails("order_shipped")
    assert "Zendingsnummer: BPOST-3SABC123" in mail.body_text


def test_ready_for_pickup_queues_the_mail(db, cheese, staff):
    order = _paid(cheese)
    staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)
    staff_transition(order, S.READY_FOR_PICKUP, expected_status="in_preparation", by=staff)
    staff_transition(order, S.COMPLETED, expected_status="ready_for_pickup", by=staff)
    db.session.commit()

    assert order.status == S.COMPLETED
    assert len(_mails("order_ready_for_pickup")) == 1


def test_bulk_start_preparation_reports_done_and_skipped(db, cheese, staff):
    first, second = _paid(cheese, 1), _paid(cheese, 1)
    pending = make_order((cheese, 1))
    db.session.commit()

    result = staff_actions.start_preparation([first.id, second.id, pending.id, 999999], by=staff)
    db.session.commit()

    assert result.done == [first.number, second.number]
    assert result.skipped == [(pending.number, "niet betaald maar wacht op betaling"), ("#999999", "bestaat niet")]
    assert (first.status, second.status, pending.status) == (S.IN_PREPARATION, S.IN_PREPARATION, S.PENDING_PAYMENT)


# --- cancel --------------------------------------------------------------------------------------------------

def test_cancelling_a_paid_order_returns_stock_refunds_and_tells_the_customer(db, cheese, staff):
    order = _paid(cheese, 2)
    db.session.commit()
    assert cheese.stock == 8

    result = cancel_by_staff(order, reason="Klant belde af", expected_status="paid", by=staff)
    db.session.commit()

    db.session.refresh(cheese)
    assert (order.status, cheese.stock, order.refunded_cents) == (S.CANCELLED, 10, 2500)
    assert (result.refund.amount_cents, result.refund.reason, result.refund.by_user_id) == (2500, "Klant belde af", staff.id)
    assert order.transitions[-1].note == "Klant belde af"
    [mail] = _mails("order_cancelled")
    assert "We betalen € 25,00 terug" in _plain(mail.body_text)
    assert _actions(db, "order.cancel") == [("order.cancel", "els@grootvleeshuis.be")]


def test_cancelling_after_a_partial_refund_refunds_only_the_rest(db, cheese, staff):
    order = _paid(cheese, 2)
    refund_by_staff(order, 500, reason="Beschadigd", request_key=_key(), by=staff)

    result = cancel_by_staff(order, reason="Toch niet", expected_status="paid", by=staff)

    assert (result.refund.amount_cents, order.refunded_cents) == (2000, 2500)


def test_cancelling_a_pending_order_refunds_nothing(db, cheese, staff):
    order = make_order((cheese, 3))

    result = cancel_by_staff(order, reason="Dubbele bestelling", expected_status="pending_payment", by=staff)
    db.session.commit()

    db.session.refresh(cheese)
    assert (order.status, result.refund, cheese.stock, order.refunded_cents) == (S.CANCELLED, None, 10, 0)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_cancel_needs_a_reason(db, cheese, staff, reason):
    order = _paid(cheese)

    with pytest.raises(ReasonRequired):
        cancel_by_staff(order, reason=reason, expected_status="paid", by=staff)
    assert order.status == S.PAID


def test_a_shipped_order_cannot_be_cancelled(db, cheese, staff):
    order = _paid(cheese, method="delivery")
    staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)
    staff_transition(order, S.SHIPPED, expected_status="in_preparation", by=staff, tracking_reference="T1")

    with pytest.raises(InvalidTransition, match="kan niet meer geannuleerd"):
        cancel_by_staff(order, reason="te laat", expected_status="shipped", by=staff)


# --- refunds -------------------------------------------------------------------------------------------------

def test_partial_refund_tells_the_customer_what_and_why(db, cheese, staff):
    order = _paid(cheese, 2)

    refund = refund_by_staff(order, 1250, reason="Eén kaas was beschimmeld", request_key=_key(), by=staff)
    db.session.commit()
    assert refund.status == "requested"  # recorded before the provider is asked
    assert send_requested_refunds(order) == []

    assert (order.refunded_cents, refund.amount_cents, refund.status, refund.by_user_id) == (1250, 1250, "succeeded", staff.id)
    [mail] = _mails("order_refunded")
    assert mail.dedupe_key == f"order-refunded:{refund.id}"
    text = _plain(mail.body_text)
    assert "We betalen € 12,50 terug" in text
    assert "Reden: Eén kaas was beschimmeld" in text
    assert "Van het totaal van € 25,00 is nu € 12,50 terugbetaald; € 12,50 blijft betaald." in text


def test_refund_mail_goes_to_the_buyer_with_the_status_link(db, cheese, staff):
    order = make_paid_order((cheese, 2), locale="fr")

    refund_by_staff(order, 1250, reason="abîmé", request_key=_key(), by=staff)
    db.session.commit()  # the mail is drawn once the refund is committed

    [mail] = _mails("order_refunded")
    assert (mail.to_address, mail.order_id) == ("an@voorbeeld.be", order.id)
    assert "abîmé" in mail.body_text and "abîmé" in mail.body_html
    assert f"/bestelling/{order.status_token}" in mail.body_text


def test_a_replayed_refund_form_refunds_nothing(db, cheese, staff):
    order = _paid(cheese, 2)
    key = _key()
    refund_by_staff(order, 1000, reason="Te laat", request_key=key, by=staff)
    db.session.commit()

    with pytest.raises(RefundAlreadyDone, match="Deze terugbetaling is al uitgevoerd"):
        refund_by_staff(order, 1000, reason="Te laat", request_key=key, by=staff)
    db.session.rollback()

    assert order.refunded_cents == 1000
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1


def test_refund_above_what_is_left_is_refused(db, cheese, staff):
    order = _paid(cheese, 2)
    refund_by_staff(order, 2000, reason="a", request_key=_key(), by=staff)
    db.session.commit()

    with pytest.raises(RefundRefused, match="hoogstens"):
        refund_by_staff(order, 501, reason="b", request_key=_key(), by=staff)
    db.session.rollback()
    db.session.refresh(order)
    assert order.refunded_cents == 2000


def test_an_unpaid_order_cannot_be_refunded(db, cheese, staff):
    order = make_order((cheese, 1))

    with pytest.raises(RefundRefused, match="niet betaald"):
        refund_by_staff(order, 100, reason="a", request_key=_key(), by=staff)


@pytest.mark.parametrize("key", ["", "abc", "Z" * 32])
def test_refund_needs_a_valid_request_key(db, cheese, staff, key):
    order = _paid(cheese)

    with pytest.raises(RefundRefused):
        refund_by_staff(order, 100, reason="a", request_key=key, by=staff)


def test_stripe_refund_and_its_later_webhook_count_once(app, db, stripe_config, cheese, staff):
    order = place((cheese, 2))
    session_id = start_stripe_checkout(order)
    paid = stripe_config.complete_session(session_id)
    client = app.test_client()
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == S.PAID

    refund = refund_by_staff(order, 700, reason="Kaas te klein", request_key=_key(), by=staff)
    db.session.commit()
    assert send_requested_refunds(order) == []
    refund_id = refund.id
    assert refund.provider_refund_id.startswith("re_")
    assert stripe_config.charge_for_session(session_id)["amount_refunded"] == 700

    send_stripe_event(client, stripe_config, "charge.refunded", stripe_config.charge_for_session(session_id))
    send_stripe_event(client, stripe_config, "charge.refunded", stripe_config.charge_for_session(session_id))

    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.refunded_cents == 700
    assert [(r.id, r.amount_cents) for r in order.refunds] == [(refund_id, 700)]
    # And a later full refund takes only what is left.
    refund_by_staff(order, 1800, reason="Rest", request_key=_key(), by=staff)
    db.session.commit()
    assert send_requested_refunds(order) == []
    assert stripe_config.charge_for_session(session_id)["amount_refunded"] == 2500
    assert record_refunds(order, amount_refunded=2500, refunds=[]) is False


def test_stripe_cancel_of_a_pending_order_expires_its_session(app, db, stripe_config, cheese, staff):
    order = place((cheese, 1))
    session_id = start_stripe_checkout(order)

    end_payment_session(order)
    cancel_by_staff(order, reason="Klant wil niet meer", expected_status="pending_payment", by=staff,
                    session_ended=True)
    db.session.commit()

    assert order.status == S.CANCELLED
    expired = [r for r in stripe_config.requests if r["method"] == "POST" and r["path"].endswith(f"{session_id}/expire")]
    assert len(expired) == 1


def test_stripe_unavailable_cancels_nothing(app, db, stripe_config, cheese, staff):
    from shop.payments.interface import PaymentUnavailable

    order = place((cheese, 1))
    start_stripe_checkout(order)
    stripe_config.fail_next(status=500)

    with pytest.raises(PaymentUnavailable):
        end_payment_session(order)
    db.session.rollback()
    db.session.refresh(order)
    assert order.status == S.PENDING_PAYMENT
    assert db.session.get(Product, cheese.id).stock == 9


# --- notes and resent mails ----------------------------------------------------------------------------------

def test_note_is_stored_with_its_author(db, cheese, staff):
    order = _paid(cheese)

    note = add_note(order, "  Klant komt pas om 17 u.  ", by=staff)
    db.session.commit()

    assert (note.body, note.author, note.by_user_id) == ("Klant komt pas om 17 u.", "els@grootvleeshuis.be", staff.id)
    assert db.session.scalar(select(func.count()).select_from(OrderNote)) == 1


@pytest.mark.parametrize("body", ["", "  ", "x" * 2001])
def test_note_must_be_1_to_2000_characters(db, cheese, staff, body):
    order = _paid(cheese)

    with pytest.raises(InvalidNote):
        add_note(order, body, by=staff)


def test_resendable_mails_follow_the_history(db, cheese, staff):
    pending = make_order((cheese, 1))
    order = _paid(cheese)
    assert staff_actions.resendable_emails(pending) == []
    assert staff_actions.resendable_emails(order) == ["order_confirmed"]

    staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)
    staff_transition(order, S.READY_FOR_PICKUP, expected_status="in_preparation", by=staff)
    db.session.refresh(order)

    assert staff_actions.resendable_emails(order) == ["order_confirmed", "order_ready_for_pickup"]
    with pytest.raises(ResendNotPossible):
        resend_customer_email(order, "order_shipped", by=staff)


def test_resending_queues_the_mail_again_with_a_new_key(db, cheese, staff):
    order = _paid(cheese)
    db.session.commit()

    first = resend_customer_email(order, "order_confirmed", by=staff)
    second = resend_customer_email(order, "order_confirmed", by=staff)
    db.session.commit()

    assert (first, second) == (f"order-confirmed:{order.id}:resend:1", f"order-confirmed:{order.id}:resend:2")
    mails = _mails("order_confirmed")
    assert [m.dedupe_key for m in mails] == [f"order-confirmed:{order.id}", first, second]
    assert [a.filename for a in mails[-1].attachments] == [f"factuur-{get_invoice_of(order).number}.pdf"]
    assert len(_actions(db, "order.resend_email")) == 2


def test_resent_cancellation_says_it_was_refunded(db, cheese, staff):
    order = _paid(cheese)
    cancel_by_staff(order, reason="Weg", expected_status="paid", by=staff)

    resend_customer_email(order, "order_cancelled", by=staff)
    db.session.commit()  # the mails are drawn once the staff action is committed

    first, again = _mails("order_cancelled")
    assert "We betalen € 25,00 terug" in _plain(first.body_text)
    assert "Het betaalde bedrag werd al volledig terugbetaald." in again.body_text


def test_refunds_via_gateway_and_staff_share_the_ceiling(db, cheese, staff):
    order = _paid(cheese, 2)
    request_refund(order, 2000, reason="auto")

    with pytest.raises(RefundRefused):
        refund_by_staff(order, 1000, reason="x", request_key=_key(), by=staff)


def test_a_pending_order_whose_session_was_not_ended_is_not_cancelled(app, db, stripe_config, cheese, staff):  # noqa: F811
    order = place((cheese, 1))
    start_stripe_checkout(order)

    with pytest.raises(staff_actions.PaymentSessionOpen):
        cancel_by_staff(order, reason="Weg", expected_status="pending_payment", by=staff)
    assert order.status == S.PENDING_PAYMENT
