"""Payments and orders meet here: the adapters (gateway.py, demo.py) only talk to the provider and return
data; these services record it on orders. Starting a payment (``start_payment``), ending a session before a
pending order is cancelled (``end_payment_session``), and what a payment outcome does to an order, used by the
webhook, the success and cancel pages, the demo page and the reconcile command alike
(``apply_session_state`` is the one reading of a checkout session's state).

Every function is idempotent: it only acts from the state where the outcome means something, and a second
call (a duplicate or late event, the success page after the webhook) changes nothing. Status changes go
through shop.orders.lifecycle.transition; when another actor changed the order meanwhile (ConcurrentChange),
the order is read again and the decision made anew. The caller commits.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from shop.core.errors import DomainError
from shop.core.ids import parse_id
from shop.core.links import absolute_url_for
from shop.core.money import cents_to_text
from shop.extensions import db
from shop.orders import notifications
from shop.orders.lifecycle import ConcurrentChange, transition
from shop.orders.models import Order, OrderStatus, PaymentProvider, PaymentStatus, Refund
from shop.orders.refunds import REQUESTED as REFUNDS_REQUESTED
from shop.orders.refunds import RefundRefused, list_requested_refunds, refund_made, request_refund, send_refund
from shop.payments.gateway import gateway_named, get_gateway
from shop.payments.interface import (
    CURRENCY,
    CheckoutLine,
    CheckoutRequest,
    CheckoutSession,
    PaymentGateway,
    PaymentUnavailable,
    SessionState,
)

log = logging.getLogger(__name__)
ATTEMPTS = 3


def gateway_for(order: Order) -> PaymentGateway:
    """The gateway that handles this order's payment (an order paid by demo stays demo, and vice versa)."""
    return gateway_named(order.payment_provider)


# ---------------------------------------------------------------------------------------------- starting

def return_urls(order: Order) -> dict[str, str]:
    """Where the provider sends the customer back: the success page (Stripe fills in {CHECKOUT_SESSION_ID}) and
    the order's cancel page, absolute from SHOP_BASE_URL, never from the request's Host. The same for every
    call, so that asking the provider again for the order's session (reconcile) sends the same parameters."""
    return {
        "success_url": absolute_url_for("payments.success") + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": absolute_url_for("payments.cancel", status_token=order.status_token),
    }


def checkout_request(order: Order, *, success_url: str = "", cancel_url: str = "") -> CheckoutRequest:
    """What the adapter needs of ``order`` to start its checkout session: one line per order line, and the
    delivery fee as a line of its own, together exactly the order's total."""
    lines = [CheckoutLine(line.name, line.quantity, line.unit_price_cents) for line in order.lines]
    if order.delivery_fee_cents:
        lines.append(CheckoutLine(str(_l("Levering")), 1, order.delivery_fee_cents))
    return CheckoutRequest(order_id=order.id, order_number=order.number, status_token=order.status_token,
                           email=order.email, locale=order.locale, lines=tuple(lines), total_cents=order.total_cents,
                           success_url=success_url, cancel_url=cancel_url, placed_at=order.placed_at,
                           request_id=order.request_id or "")


def record_checkout_session(order: Order, gateway: PaymentGateway, session: CheckoutSession) -> None:
    """Record a started checkout session on its order: provider, session id, unpaid."""
    order.payment_provider = PaymentProvider(gateway.provider)
    order.payment_session_id = session.id
    order.payment_status = PaymentStatus.UNPAID
    db.session.flush()


def start_payment(order: Order, *, success_url: str = "", cancel_url: str = "",
                  gateway: PaymentGateway | None = None) -> str:
    """Start paying a placed order: the gateway (the configured one unless given) makes its checkout session,
    which is recorded on the order. Returns the URL to send the customer to.

    Call it after the order was committed (the provider is asked before anything is written; Stripe's session
    is idempotent under the order's number, so asking again gives the same one, while the demo makes a new
    random id each time); the caller commits the record.
    Raises PaymentUnavailable (nothing recorded).
    """
    gateway = gateway or get_gateway()
    session = gateway.start_checkout(checkout_request(order, success_url=success_url, cancel_url=cancel_url))
    record_checkout_session(order, gateway, session)
    return session.url


# ---------------------------------------------------------------------------------------------- outcomes

def _cancel_pending(order: Order, *, actor: str, note: str, payment_status: PaymentStatus) -> bool:
    for _ in range(ATTEMPTS):
        if order.status != OrderStatus.PENDING_PAYMENT:
            return False
        try:
            transition(order, OrderStatus.CANCELLED, actor=actor, note=note)
        except ConcurrentChange:
            continue  # transition() re-read the order; decide again
        order.payment_status = payment_status
        db.session.flush()
        return True
    return False


def payment_succeeded(order: Order, *, payment_intent_id: str | None, actor: str) -> bool:
    """The customer's money arrived. pending_payment -> paid; paid or later -> nothing.

    For an order already cancelled (an async payment settling after expiry or abandonment) the money is
    never lost silently: the order is flagged for staff, refunded in full through its gateway, and the
    customer is told (notifications.payment_after_cancellation). Returns True when something changed.
    Raises PaymentUnavailable when that refund cannot be made now (the caller rolls back and retries).
    """
    for _ in range(ATTEMPTS):
        if order.status == OrderStatus.PENDING_PAYMENT:
            # The payment's reference and status are written with the status, in its one conditional UPDATE.
            paid = {"payment_status": PaymentStatus.PAID}
            if payment_intent_id:
                paid["payment_intent_id"] = payment_intent_id
            try:
                transition(order, OrderStatus.PAID, actor=actor, note="Betaling ontvangen", also=paid)
            except ConcurrentChange:
                continue
            return True
        if order.status == OrderStatus.CANCELLED and order.paid_at is None:
            return _refund_payment_after_cancellation(order, payment_intent_id=payment_intent_id, actor=actor)
        return False  # paid, in preparation, ..., or cancelled after being paid: already known
    return False


def _refund_payment_after_cancellation(order: Order, *, payment_intent_id: str | None, actor: str) -> bool:
    # Claim the case once (conditional update), so a duplicate event cannot refund twice.
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.payment_status != PaymentStatus.PAID_AFTER_CANCELLATION)
        .values(payment_status=PaymentStatus.PAID_AFTER_CANCELLATION)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(order, attribute_names=["payment_status"])
    if not claimed:
        return False
    if payment_intent_id:
        order.payment_intent_id = payment_intent_id
    order.needs_attention = True
    left = order.total_cents - order.refunded_cents
    note = (f"Betaling ontvangen ({actor}) voor bestelling {order.number} nadat ze geannuleerd was; "
            f"automatisch volledig terugbetaald.")
    order.attention_note = "\n".join(part for part in (order.attention_note, note) if part)
    db.session.flush()
    if left > 0:  # sent once this is committed (send_requested_refunds)
        request_refund(order, left, reason="Betaling na annulering: automatisch terugbetaald")
    notifications.payment_after_cancellation(order)
    log.warning("Payment after cancellation for order %s: flagged and refunded", order.number)
    return True


def payment_processing(order: Order, *, payment_intent_id: str | None, actor: str) -> bool:
    """Checkout completed but the money is still on its way (an async method): record it, keep pending."""
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_status == PaymentStatus.PROCESSING:
        return False
    if payment_intent_id:
        order.payment_intent_id = payment_intent_id
    order.payment_status = PaymentStatus.PROCESSING
    db.session.flush()
    return True


def payment_failed(order: Order, *, actor: str) -> bool:
    """The payment failed (e.g. an async method declined). pending_payment -> cancelled, stock back."""
    return _cancel_pending(order, actor=actor, note="Betaling mislukt", payment_status=PaymentStatus.FAILED)


def session_expired(order: Order, *, actor: str) -> bool:
    """The checkout session expired unpaid. pending_payment -> cancelled, stock back."""
    return _cancel_pending(order, actor=actor, note="Betaalsessie verlopen", payment_status=PaymentStatus.EXPIRED)


def abandon(order: Order, *, actor: str) -> bool:
    """The customer gave up paying. pending_payment -> cancelled, stock back."""
    return _cancel_pending(order, actor=actor, note="Betaling afgebroken door de klant", payment_status=PaymentStatus.ABANDONED)


class SessionOutcome(StrEnum):
    """What a checkout session's state means for its order."""

    PAID = "paid"  # the money arrived
    PROCESSING = "processing"  # checkout completed, an async payment on its way
    FAILED = "failed"  # the (async) payment was declined
    EXPIRED = "expired"  # the session ended unpaid
    OPEN = "open"  # the customer can still pay
    # Paid, but not the order's total in euro (or the provider did not say how much): flagged for staff, the
    # order is not paid (apply_session_state; session_outcome reads only the session, so never says this).
    AMOUNT_MISMATCH = "amount_mismatch"


def session_outcome(state: SessionState) -> SessionOutcome:
    """The one reading of a session's state: complete and paid (or nothing to pay) is paid; complete and
    unpaid is an async payment, on its way or declined; expired is expired; anything else is still open."""
    if state.status == "complete":
        if state.payment_status in ("paid", "no_payment_required"):
            return SessionOutcome.PAID
        return SessionOutcome.FAILED if state.payment_failed else SessionOutcome.PROCESSING
    if state.status == "expired":
        return SessionOutcome.EXPIRED
    return SessionOutcome.OPEN


def charges_the_order(order: Order, state: SessionState) -> bool:
    """Whether the session charges exactly the order's total, in the shop's currency (an amount or currency the
    provider did not give counts as a difference: a payment that cannot be checked is not trusted)."""
    return (state.amount_total is not None and state.amount_total == order.total_cents
            and (state.currency or "").lower() == CURRENCY)


def flag_amount_mismatch(order: Order, state: SessionState) -> bool:
    """A paid session that did not charge the order's total in euro: the order is not paid (nor refunded) but
    flagged for staff with what was charged, once (the webhook, the success page and reconcile may each report
    the same session). Returns True when flagged now."""
    charged = ("een onbekend bedrag" if state.amount_total is None
               else f"{cents_to_text(state.amount_total)} {(state.currency or '?').upper()}")
    note = (f"Betaalsessie {order.payment_session_id} (betaling {state.payment_intent_id or '?'}) is betaald met "
            f"{charged}, maar bestelling {order.number} kost {cents_to_text(order.total_cents)} "
            f"{CURRENCY.upper()}: niet als betaald geboekt. Kijk de betaling na.")
    if note in order.attention_note:
        return False
    order.needs_attention = True
    order.attention_note = "\n".join(part for part in (order.attention_note, note) if part)
    db.session.flush()
    log.warning("Order %s: its paid session %s charged %s; flagged, not paid", order.number,
                order.payment_session_id, charged)
    return True


def apply_session_state(order: Order, state: SessionState, *, actor: str) -> SessionOutcome:
    """Apply what the order's checkout session says (from the provider, the success page's look-up, a webhook
    event or reconcile) through the outcome services above; idempotent like them. Returns the outcome.

    A paid session pays its order only when it charged the order's total in euro; otherwise nothing changes
    but the order's flag for staff (flag_amount_mismatch) and the outcome is AMOUNT_MISMATCH."""
    outcome = session_outcome(state)
    if outcome == SessionOutcome.PAID:
        if not charges_the_order(order, state):
            flag_amount_mismatch(order, state)
            return SessionOutcome.AMOUNT_MISMATCH
        payment_succeeded(order, payment_intent_id=state.payment_intent_id, actor=actor)
    elif outcome == SessionOutcome.PROCESSING:
        payment_processing(order, payment_intent_id=state.payment_intent_id, actor=actor)
    elif outcome == SessionOutcome.FAILED:
        payment_failed(order, actor=actor)
    elif outcome == SessionOutcome.EXPIRED:
        session_expired(order, actor=actor)
    return outcome


class PaidMeanwhile(DomainError):
    """The checkout session could not be ended: the customer paid meanwhile (or the payment is on its way).
    Its message is the one of any order that changed meanwhile (the payment status says more)."""


def end_payment_session(order: Order) -> None:
    """Before a pending order is cancelled (by staff, or the customer on Stripe's cancel page): expire its
    checkout session at the provider, so it can no longer be paid. Nothing to do for another order.

    The provider is asked before anything is written, so call it with nothing uncommitted; then cancel, then
    commit. Expiring is idempotent at the provider and harmless when the cancel fails or the process dies
    before its commit: the expired session then cancels the order anyway (its webhook, or reconcile). So an
    order is never cancelled while its session can still be paid.

    A session that cannot be expired is asked how it stands: already expired, or its payment declined, is
    ended (the caller cancels); paid, or an async payment on its way, is applied to the order (it becomes
    paid, or stays pending as processing) and PaidMeanwhile raised: the caller commits that and cancels
    nothing. Raises PaymentUnavailable when the provider cannot be reached (nothing happened).
    """
    if order.status != OrderStatus.PENDING_PAYMENT or not order.payment_session_id:
        return
    gateway = gateway_for(order)
    try:
        gateway.expire_session(order.payment_session_id)
        return
    except PaymentUnavailable as refused:
        state = gateway.get_session_state(order.payment_session_id)
        outcome = session_outcome(state)
        if outcome in (SessionOutcome.EXPIRED, SessionOutcome.FAILED):
            return
        if outcome == SessionOutcome.OPEN:
            raise refused  # still open: the provider could not expire it now
    apply_session_state(order, state, actor=gateway.provider)
    raise PaidMeanwhile(_l("Deze bestelling is intussen gewijzigd (nu: %(status)s). Er is niets uitgevoerd; "
                           "bekijk ze opnieuw."), status=str(order.status.label).lower())


def settle_from_session(order: Order, *, actor: str) -> SessionOutcome:
    """Ask the order's gateway how its session stands and apply it (in the caller's transaction; the provider
    is only read from, before anything is written). Raises PaymentUnavailable when it cannot be asked."""
    state = gateway_for(order).get_session_state(order.payment_session_id)
    return apply_session_state(order, state, actor=actor)


def refill_cart(cart, order: Order) -> list[tuple[str, str]]:
    """Put a cancelled order's lines back in ``cart`` (the customer gave up paying, or the payment never
    started), each as far as it is still for sale with enough stock. Returns the lines that did not fit, as
    (name, reason); the caller decides whether to tell the customer."""
    from shop.cart.services import add_item

    missed = []
    for line in order.lines:
        item = {"product_id": line.product_id, "package_id": line.package_id, "quantity": line.quantity}
        try:  # add_item changes nothing when it raises
            try:
                with db.session.begin_nested():
                    add_item(cart, **item)
            except IntegrityError:
                # Another request of the visitor (the item added in another tab) stored the item's line after
                # add_item read the cart without it: only this line's INSERT is undone. Put back again, it adds
                # to that line, checked as ever.
                add_item(cart, **item)
        except DomainError as error:  # no longer for sale, or not enough stock for the whole line
            missed.append((line.name, str(error)))
    return missed


def record_refunds(order: Order, *, amount_refunded: int, refunds: list[dict]) -> bool:
    """Stripe says ``amount_refunded`` of the order's charge is refunded (charge.refunded).

    Sets ``refunded_cents`` to Stripe's figure, matches refunds to our Refund rows by provider id, and
    records refunds made in the Stripe dashboard. Refunds the shop itself started (metadata refund_id) are
    left to the request that makes them. Returns True when something changed.
    """
    changed = False
    made: list[Refund] = []  # refunds recorded here that the provider made: their effects run below (credit notes)
    known = {refund.provider_refund_id: refund for refund in order.refunds if refund.provider_refund_id}
    for data in refunds:
        refund = known.get(data.get("id"))
        if refund is not None:
            if data.get("status") and refund.status != data["status"]:
                refund.status = data["status"]
                made.append(refund)
                changed = True
            continue
        metadata = data.get("metadata") or {}
        if metadata.get("refund_id"):
            refund_id = parse_id(metadata["refund_id"])
            own = db.session.get(Refund, refund_id) if refund_id is not None else None
            if own is not None and own.order_id == order.id and own.provider_refund_id is None:
                own.provider_refund_id = data["id"]
                own.status = data.get("status") or own.status
                made.append(own)
                changed = True
            continue  # made by the shop: the request that made it records it
        if data.get("amount", 0) > 0:
            dashboard = Refund(order_id=order.id, amount_cents=data["amount"], provider_refund_id=data["id"],
                               status=data.get("status") or "succeeded", reason="Terugbetaald via het Stripe-dashboard")
            db.session.add(dashboard)
            made.append(dashboard)
            changed = True
    # Refunds the shop requested and Stripe has not made yet stay counted (they are on their way).
    on_the_way = sum(refund.amount_cents for refund in order.refunds
                     if refund.status == REFUNDS_REQUESTED and refund.provider_refund_id is None)
    amount = max(0, min(int(amount_refunded) + on_the_way, order.total_cents))
    if amount != order.refunded_cents:
        order.refunded_cents = amount
        changed = True
    db.session.flush()
    for refund in made:
        refund_made(refund)
    return changed


def send_requested_refunds(order: Order) -> list[str]:
    """After the caller committed: send every requested refund of ``order`` through its gateway, committing
    each answer (step 2 of shop.orders.refunds; it runs between transactions, so it commits). Returns what
    to tell staff: empty when every refund went out; one message per refund that was refused (it is failed
    and the order flagged) or could not be sent now (it stays requested; reconcile sends it later)."""
    problems: list[str] = []
    for refund in list_requested_refunds(order):
        try:
            send_refund(refund, gateway_for(order))
        except PaymentUnavailable as error:
            db.session.rollback()
            problems.append(str(error))
            continue
        except RefundRefused as error:
            problems.append(str(error))
        db.session.commit()
    return problems
