"""What staff do to an order in the back office: move it on, cancel, refund, note, send a mail again.

Every action takes the acting user (``by``), never commits (the view does), records who did it
(OrderTransition / Refund / OrderNote carry their actor; ``record_action`` logs each action) and raises a
DomainError with a readable message when a rule is broken; the caller then rolls back and nothing happened.

Replays and races: a form carries the status the page showed (``expected_status``); an order that changed
since raises OrderChangedMeanwhile. Status changes are conditional UPDATEs in ``lifecycle.transition``, so of
two staff members performing the same change one gets ConcurrentChange. A refund form carries a one-time
``request_key`` kept on its Refund: a replayed form refunds nothing. Refunds and resends first take the
order's row lock (``_lock_order``), so concurrent requests for one order run one after the other and each
sees what the other did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from shop.core.audit import record_action
from shop.core.errors import DomainError
from shop.core.i18n import eur
from shop.extensions import db
from shop.orders import notifications
from shop.orders.lifecycle import ConcurrentChange, InvalidTransition, allowed_transitions, transition
from shop.orders.models import DeliveryMethod, Order, OrderNote, OrderStatus, OrderTransition, Refund
from shop.orders.refunds import RefundRefused, request_refund
from shop.orders.shipments import (  # noqa: F401 (the tracking reference's rule, importable from here too)
    TRACKING_MAX,
    TrackingReferenceRequired,
    check_tracking_reference,
    mark_shipped,
)
from shop.orders.staff_queries import STATUS_LABELS
from shop.outbox.models import OutboxMessage

S = OrderStatus
# Staff never mark an order paid by hand (the payment provider does, or staff's booking of a transfer:
# shop.payments.transfers), never make or accept a quote for the customer, and cancel through cancel_by_staff.
NOT_BY_HAND = (S.PAID, S.CANCELLED, S.QUOTED, S.PENDING_PAYMENT)
CANCELLABLE = (S.QUOTED, S.PENDING_PAYMENT, S.PAID, S.IN_PREPARATION)
REASON_MAX = 500
NOTE_MAX = 2000
BULK_MAX = 200
REQUEST_KEY = re.compile(r"^[0-9a-f]{32}$")

# The customer mails that can be sent again: kind -> the dedupe key of the first one (resends add ":resend:<n>").
RESEND_KEYS = {
    "order_confirmed": "order-confirmed:{id}",
    "order_ready_for_pickup": "order-ready-for-pickup:{id}",
    "order_shipped": "order-shipped:{id}",
    "order_cancelled": "order-cancelled:{id}",
}


class OrderChangedMeanwhile(ConcurrentChange):
    """The page showed another status than the order has now (a replayed or stale form)."""


class ReasonRequired(DomainError):
    pass


class RefundAlreadyDone(DomainError):
    """A refund form that was already carried out (same request key)."""

    def __init__(self, refund: Refund):
        super().__init__(_l("Deze terugbetaling is al uitgevoerd (%(amount)s). Er is niets opnieuw terugbetaald."),
                         amount=eur(refund.amount_cents))
        self.refund = refund


class InvalidNote(DomainError):
    pass


class ResendNotPossible(DomainError):
    pass


# ---------------------------------------------------------------------------------------------- predicates

def staff_transitions(order: Order) -> tuple[OrderStatus, ...]:
    """The status changes a staff member can make now: what the lifecycle allows, less paid and cancelled, and
    less shipped for an order with several shipments (it is shipped when its last shipment is:
    shop.orders.shipments)."""
    return tuple(to for to in allowed_transitions(order)
                 if to not in NOT_BY_HAND and not (to == S.SHIPPED and len(order.shipments) > 1))


def can_cancel_by_staff(order: Order) -> bool:
    return order.status in CANCELLABLE and S.CANCELLED in allowed_transitions(order)


def refundable_cents(order: Order) -> int:
    """What can still be paid back: the total less what was refunded; nothing for an order never paid."""
    if order.paid_at is None:
        return 0
    return max(order.total_cents - order.refunded_cents, 0)


def resendable_emails(order: Order) -> list[str]:
    """The customer mails that fit the order's history: confirmation once paid, ready for pickup, shipped,
    cancelled (each only when the order went through that step)."""
    reached = {t.to_status for t in order.transitions}
    kinds = []
    if order.paid_at is not None:
        kinds.append("order_confirmed")
    if S.READY_FOR_PICKUP in reached:
        kinds.append("order_ready_for_pickup")
    if S.SHIPPED in reached and len(order.shipments) <= 1:  # several shipments: a mail per shipment instead
        kinds.append("order_shipped")
    if order.status == S.CANCELLED:
        kinds.append("order_cancelled")
    return kinds


# ---------------------------------------------------------------------------------------------- helpers

def _check_expected(order: Order, expected_status: str | None) -> None:
    if expected_status is not None and order.status.value != expected_status:
        raise OrderChangedMeanwhile(
            _l("Deze bestelling is intussen gewijzigd (nu: %(status)s). Er is niets uitgevoerd; bekijk ze opnieuw."),
            status=str(STATUS_LABELS[order.status]).lower(),
        )


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ReasonRequired(_l("Geef een reden op."))
    if len(reason) > REASON_MAX:
        raise ReasonRequired(_l("De reden mag hoogstens %(max)s tekens lang zijn."), max=REASON_MAX)
    return reason


def _lock_order(order: Order) -> None:
    """Take the order's row lock for the rest of the transaction (a no-op UPDATE: a row lock on PostgreSQL,
    the write lock on SQLite) and read the order again, so a concurrent request for it waits and then sees
    what the first one did."""
    db.session.execute(
        update(Order).where(Order.id == order.id).values(refunded_cents=Order.refunded_cents)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order, attribute_names=["status", "refunded_cents", "paid_at", "payment_intent_id",
                                               "stock_returned"])


# ---------------------------------------------------------------------------------------------- actions

def staff_transition(order: Order, to: OrderStatus | str, *, expected_status: str | None, by,
                     tracking_reference: str = "", note: str = "") -> OrderTransition:
    """Move the order on (in preparation, ready for pickup, shipped, completed) as a staff member.

    Shipping needs a tracking reference (saved on the shipment, which is marked shipped, shown in the shipped
    mail); an order with several shipments is shipped one shipment at a time instead (shop.orders.shipments). Raises
    OrderChangedMeanwhile when the order is no longer in ``expected_status``, InvalidTransition when the
    lifecycle does not allow it (or it is paid / cancelled, which staff do not set here), ConcurrentChange
    when another actor changes it at the same moment, TrackingReferenceRequired.
    """
    try:
        to = OrderStatus(to)
    except ValueError:
        raise InvalidTransition(_l("Onbekende status.")) from None
    _check_expected(order, expected_status)
    if to in NOT_BY_HAND or to not in staff_transitions(order):
        raise InvalidTransition(_l("Een bestelling met status %(from)s kan niet naar %(to)s."),
                                **{"from": str(STATUS_LABELS[order.status]).lower(),
                                   "to": str(STATUS_LABELS[to]).lower()})
    if to == S.SHIPPED:
        reference = check_tracking_reference(tracking_reference)
        for shipment in order.shipments:
            if shipment.method == DeliveryMethod.DELIVERY:
                mark_shipped(shipment, reference)
    from_status = order.status
    record = transition(order, to, by=by, note=(note or "").strip()[:REASON_MAX])
    record_action("order.transition", by=by, subject_type="order", subject_id=order.id,
                  detail=f"{order.number}: {from_status.value} -> {to.value}")
    return record


@dataclass
class CancelResult:
    transition: OrderTransition
    refund: Refund | None = None


class PaymentSessionOpen(Exception):
    """A pending order whose checkout session was not ended first: a programming error of the caller, not a
    broken rule to show."""


def check_cancel_by_staff(order: Order, *, reason: str, expected_status: str | None) -> str:
    """The checks of ``cancel_by_staff``, without writing anything (so the caller can make them before it asks
    the payment provider to end the order's session). Returns the reason, trimmed. Raises ReasonRequired,
    OrderChangedMeanwhile, InvalidTransition."""
    reason = _reason(reason)
    _check_expected(order, expected_status)
    if not can_cancel_by_staff(order):
        raise InvalidTransition(_l("Een bestelling met status %(status)s kan niet meer geannuleerd worden."),
                                status=str(STATUS_LABELS[order.status]).lower())
    return reason


def cancel_by_staff(order: Order, *, reason: str, expected_status: str | None, by,
                    session_ended: bool = False) -> CancelResult:
    """Cancel an order that is quoted, pending payment, paid or in preparation, with a mandatory reason.

    The stock goes back (once, in the transition) and the customer gets the cancellation mail. A pending
    order's payment session must have been ended at the provider before (shop.payments.services.
    end_payment_session, asked before anything is written; say so with ``session_ended``), so the customer
    can no longer pay it; this service never calls the provider. For a paid order a refund of the remaining
    amount is requested (shop.orders.refunds: the caller sends it once this is committed). Raises
    ReasonRequired, OrderChangedMeanwhile, InvalidTransition, ConcurrentChange (another staff member cancels
    at the same time), PaymentSessionOpen (a pending order's session not ended), RefundRefused.
    """
    reason = check_cancel_by_staff(order, reason=reason, expected_status=expected_status)
    was_pending = order.status in (S.PENDING_PAYMENT, S.QUOTED)  # never paid: nothing to refund
    if was_pending and order.payment_session_id and not session_ended:
        raise PaymentSessionOpen(f"{order.number}: end its payment session first (payments.end_payment_session)")
    # The transition first: it is the guard (conditional UPDATE) that lets only one cancellation through,
    # before any money moves. Its mail tells the customer what will be paid back.
    record = transition(order, S.CANCELLED, by=by, note=reason)
    refund = None
    left = refundable_cents(order)
    if not was_pending and left > 0:
        refund = request_refund(order, left, reason=reason, by=by)
    detail = f"{order.number}: {reason}"
    if refund is not None:
        detail += f" (terugbetaald: {eur(refund.amount_cents)})"
    record_action("order.cancel", by=by, subject_type="order", subject_id=order.id, detail=detail)
    return CancelResult(record, refund)


def refund_by_staff(order: Order, amount_cents: int, *, reason: str, request_key: str, by) -> Refund:
    """Request a refund of ``amount_cents`` of a paid order (full or partial) and tell the customer; the
    caller commits, then sends it (shop.orders.refunds).

    ``request_key`` is the form's one-time key: when a Refund with it exists, RefundAlreadyDone is raised
    and nothing is refunded. Raises ReasonRequired, RefundRefused (never paid, not positive, above what is
    left).
    """
    reason = _reason(reason)
    if not request_key or not REQUEST_KEY.match(request_key):
        raise RefundRefused(_l("Dit formulier is ongeldig. Open de bestelling opnieuw."))
    _lock_order(order)
    existing = db.session.scalar(select(Refund).where(Refund.request_key == request_key))
    if existing is not None:
        raise RefundAlreadyDone(existing)
    if order.paid_at is None:
        raise RefundRefused(_l("Deze bestelling is niet betaald; er is niets om terug te betalen."))
    refund = request_refund(order, amount_cents, reason=reason, by=by, request_key=request_key)
    notifications.order_refunded(order, refund)
    record_action("order.refund", by=by, subject_type="order", subject_id=order.id,
                  detail=f"{order.number}: {eur(refund.amount_cents)} – {reason}")
    return refund


def add_note(order: Order, body: str, *, by) -> OrderNote:
    """Add an internal note (1 to 2000 characters) by ``by``; never shown to the customer. Raises InvalidNote."""
    text = (body or "").strip()
    if not text:
        raise InvalidNote(_l("Schrijf een notitie."))
    if len(text) > NOTE_MAX:
        raise InvalidNote(_l("Een notitie mag hoogstens %(max)s tekens lang zijn."), max=NOTE_MAX)
    note = OrderNote(order_id=order.id, body=text, by_user_id=getattr(by, "id", None),
                     author=getattr(by, "email", "") or "")
    db.session.add(note)
    db.session.flush()
    record_action("order.note", by=by, subject_type="order", subject_id=order.id, detail=f"{order.number}")
    return note


def resend_customer_email(order: Order, kind: str, *, by) -> str:
    """Queue one of the order's customer mails again (in its language) under a new dedupe key
    ``<first key>:resend:<n>``; returns that key. Raises ResendNotPossible for a mail that does not fit
    the order's history."""
    if kind not in RESEND_KEYS or kind not in resendable_emails(order):
        raise ResendNotPossible(_l("Deze e-mail past niet bij deze bestelling."))
    _lock_order(order)  # two resends at once get different numbers
    base = RESEND_KEYS[kind].format(id=order.id)
    earlier = db.session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.order_id == order.id, OutboxMessage.dedupe_key.like(f"{base}:resend:%"))
    )
    dedupe_key = f"{base}:resend:{earlier + 1}"
    notifications.resend_order_email(order, kind, dedupe_key=dedupe_key)
    record_action("order.resend_email", by=by, subject_type="order", subject_id=order.id,
                  detail=f"{order.number}: {kind} ({dedupe_key})")
    return dedupe_key


# ---------------------------------------------------------------------------------------------- bulk

@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # order numbers
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (order number or id, why)


def start_preparation(order_ids: list[int], *, by) -> BulkResult:
    """Move each of the selected paid orders to in preparation; the others are skipped with the reason.

    A failing order changes nothing (its conditional UPDATE matched no row, or it was refused before
    writing), so the others go ahead in the same transaction.
    """
    from sqlalchemy.orm import selectinload

    ids = sorted(set(order_ids))[:BULK_MAX]
    orders = {o.id: o for o in db.session.scalars(
        select(Order).where(Order.id.in_(ids)).options(selectinload(Order.shipments)))} if ids else {}
    result = BulkResult()
    for order_id in ids:
        order = orders.get(order_id)
        if order is None:
            result.skipped.append((f"#{order_id}", str(_l("bestaat niet"))))
            continue
        if order.status != S.PAID:
            result.skipped.append((order.number, str(_l("niet betaald maar %(status)s",
                                                        status=str(STATUS_LABELS[order.status]).lower()))))
            continue
        try:
            staff_transition(order, S.IN_PREPARATION, expected_status=S.PAID.value, by=by)
        except DomainError as error:
            result.skipped.append((order.number, str(error)))
        else:
            result.done.append(order.number)
    return result
