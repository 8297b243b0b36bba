"""Settle orders still waiting for their payment by asking Stripe how their Checkout Session stands.

For when a webhook never arrived (an outage, a misconfigured endpoint): paid sessions make the order paid,
expired sessions cancel it (stock back), open sessions past their expiry are expired first.

Two more kinds of order would otherwise hold their stock forever:
- half-made orders: placing an order commits it (stock taken) before the provider is asked for a payment
  session, which is recorded in a second commit. A process killed, or a database dropping, in between leaves a
  pending order without a session. Once it is older than any request can take (HALF_MADE_AFTER), it is settled:
  a Stripe order asks Stripe again for its session, with the same idempotency key and parameters (the return
  URLs come from SHOP_BASE_URL, shop.payments.services.return_urls), so it finds the session that was made, or
  makes it; the session is recorded and expired at once (the customer was never sent to it) unless it was
  paid, and the order follows its state. A demo order has no session anywhere: it is cancelled.
- demo orders whose payment page was left open: the demo has no provider to expire them, so they are cancelled
  once their session would have expired at Stripe (``payment_expiry_minutes``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from shop.core.clock import as_utc
from shop.core.settings import get_settings
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentProvider, Refund
from shop.orders.refunds import RefundRefused, list_requested_refunds, settle_refund
from shop.payments import services
from shop.payments.gateway import StripeGateway
from shop.payments.interface import PaymentRefused, SessionState

ACTOR = "reconcile"
# No request takes this long (gunicorn kills a worker after 60 s): a pending order this old without a payment
# session was left half-made.
HALF_MADE_AFTER = timedelta(minutes=5)
# Stripe replays a request under the same idempotency key for 24 hours; an order older than that cannot find its
# session again, but any session made for it has long expired.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


def _session_lifetime() -> timedelta:
    """How long after placing an order its payment session can be paid at most (shop.payments.gateway: expiry
    from the placing, plus a minute), plus a minute of margin."""
    return timedelta(minutes=get_settings().payment_expiry_minutes + 2)


@dataclass
class Outcome:
    order_number: str
    action: str  # paid | processing | failed | expired | expired-now | open | amount_mismatch | refund | error
    detail: str = ""


OUTCOME_DETAILS = {
    services.SessionOutcome.PROCESSING: "wacht op een uitgestelde betaling",
    services.SessionOutcome.FAILED: "uitgestelde betaling geweigerd",
    services.SessionOutcome.OPEN: "klant betaalt nog",
    services.SessionOutcome.AMOUNT_MISMATCH: "betaald bedrag wijkt af van de bestelling: gemarkeerd voor nazicht",
}


# The attention note of an order whose session Stripe does not know: reconcile stops asking (staff look).
UNKNOWN_SESSION_NOTE = "Stripe kent de betaalsessie van deze bestelling niet"


def pending_stripe_orders() -> list[Order]:
    """Stripe orders pending payment with a session, except those whose session Stripe said it does not know
    (flagged for staff: asking again would fail the same way, every run)."""
    return list(db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_provider == PaymentProvider.STRIPE,
               Order.payment_session_id.is_not(None),
               ~(Order.needs_attention & Order.attention_note.contains(UNKNOWN_SESSION_NOTE)))
        .order_by(Order.id)
    ))


def flag_unknown_session(order: Order, error: Exception) -> Outcome:
    """Stripe refuses to know the order's session: a permanent error, not an outage. The order is flagged for
    staff once and left out of the next runs."""
    order.needs_attention = True
    note = f"{UNKNOWN_SESSION_NOTE} ({order.payment_session_id}); reconcile vraagt niet meer. {error}"
    order.attention_note = "\n".join(part for part in (order.attention_note, note) if part)
    db.session.flush()
    return Outcome(order.number, "error", f"{UNKNOWN_SESSION_NOTE}: gemarkeerd voor het personeel")


def reconcile_order(gateway: StripeGateway, order: Order, *, now: float | None = None,
                    expire_open: bool = False) -> Outcome:
    """Settle one order from its session's state (in the caller's transaction). An open session past its
    expiry (or any open session, with ``expire_open``) is expired at the provider first (nothing is written
    before that call)."""
    state = gateway.get_session_state(order.payment_session_id)
    overdue = False
    if services.session_outcome(state) == services.SessionOutcome.OPEN:
        now = time.time() if now is None else now
        if expire_open or (state.expires_at is not None and state.expires_at <= now):
            gateway.expire_session(order.payment_session_id)
            state, overdue = replace(state, status="expired"), True
    outcome = services.apply_session_state(order, state, actor=ACTOR)
    if overdue:
        return Outcome(order.number, "expired-now", "open sessie na vervaldatum: verlopen gezet")
    return Outcome(order.number, outcome.value, OUTCOME_DETAILS.get(outcome, ""))


def settle_requested_refunds() -> list[Outcome]:
    """Refunds recorded but never answered (a crash, an unreachable provider): each looked up at the provider
    and recorded, or sent now (shop.orders.refunds.settle_refund), in its own transaction."""
    outcomes = []
    for refund_id in [refund.id for refund in list_requested_refunds()]:
        refund = db.session.get(Refund, refund_id)
        number = refund.order.number
        try:
            settle_refund(refund, services.gateway_for(refund.order))
            db.session.commit()
            outcomes.append(Outcome(number, "refund", f"terugbetaling {refund_id}: {refund.status}"))
        except RefundRefused as error:
            db.session.commit()  # failed, its amount back on the order, the order flagged
            outcomes.append(Outcome(number, "error", str(error)))
        except Exception as error:  # noqa: BLE001 - reported, stays requested, the next is still tried
            db.session.rollback()
            outcomes.append(Outcome(number, "error", str(error)))
    return outcomes


def half_made_orders(now: datetime) -> list[Order]:
    """Pending orders without a recorded payment session, placed longer ago than any request takes; never one
    paid by bank transfer (it has no session: its transfer, or its expiry, settles it)."""
    return list(db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_session_id.is_(None),
               Order.payment_provider != PaymentProvider.TRANSFER,  # no session ever: shop.payments.transfers
               Order.placed_at < now - HALF_MADE_AFTER)
        .order_by(Order.id)
    ))


def stale_demo_orders(now: datetime) -> list[Order]:
    """Pending demo orders whose session would have expired at Stripe by now."""
    expiry = timedelta(minutes=get_settings().payment_expiry_minutes + 1)
    return list(db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_provider == PaymentProvider.DEMO,
               Order.payment_session_id.is_not(None), Order.placed_at < now - expiry)
        .order_by(Order.id)
    ))


EXPIRED = SessionState("expired", "unpaid", None)


def recover_half_made(order: Order, *, now: datetime) -> Outcome:
    """Settle a half-made order (see the module's docstring), in the caller's transaction."""
    stripe_order = order.payment_provider == PaymentProvider.STRIPE and current_app.config.get("STRIPE_SECRET_KEY")
    if stripe_order and now - as_utc(order.placed_at) < IDEMPOTENCY_WINDOW:
        gateway = StripeGateway()
        try:
            session = gateway.start_checkout(services.checkout_request(order, **services.return_urls(order)))
        except PaymentRefused:
            # Stripe refused the request itself: no session was made under the key with these parameters (a
            # first request made so late is refused: its expiry is under 30 minutes away), or one was made with
            # other parameters (return URLs from another SHOP_BASE_URL) that nobody was ever sent to. Either way
            # no payment can come once the order's session would have expired: cancel then.
            if now < as_utc(order.placed_at) + _session_lifetime():
                return Outcome(order.number, "open", "half gemaakt: Stripe weigert de sessie; wacht tot ze verlopen is")
            outcome = services.apply_session_state(order, EXPIRED, actor=ACTOR)
            return Outcome(order.number, outcome.value, "half gemaakt: geen sessie te vinden, verlopen; geannuleerd")
        services.record_checkout_session(order, gateway, session)
        outcome = reconcile_order(gateway, order, now=now.timestamp(), expire_open=True)
        return replace(outcome, detail="half gemaakt: sessie teruggevonden; " + (outcome.detail or outcome.action))
    outcome = services.apply_session_state(order, EXPIRED, actor=ACTOR)
    return Outcome(order.number, outcome.value, "half gemaakt: nooit een betaalsessie gekregen; geannuleerd")


def _each(orders: list[Order], settle) -> list[Outcome]:
    """Settle each order in its own transaction: one failure does not stop the others."""
    outcomes = []
    for order_id in [order.id for order in orders]:
        order = db.session.get(Order, order_id)
        try:
            outcome = settle(order)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported, the next order is still tried
            db.session.rollback()
            outcome = Outcome(order.number, "error", str(error))
        outcomes.append(outcome)
    return outcomes


def reconcile_all(*, now: float | None = None) -> list[Outcome]:
    """Each order in its own transaction: one failure does not stop the others. First the requested refunds,
    then half-made orders and demo orders left open, then Stripe's pending orders."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    outcomes = settle_requested_refunds()
    outcomes += _each(half_made_orders(moment), lambda order: recover_half_made(order, now=moment))
    outcomes += _each(stale_demo_orders(moment),
                      lambda order: replace(Outcome(order.number, services.apply_session_state(
                          order, EXPIRED, actor=ACTOR).value), detail="demobetaling nooit afgerond"))
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        return outcomes
    gateway = StripeGateway()
    for order_id in [order.id for order in pending_stripe_orders()]:
        order = db.session.get(Order, order_id)
        try:
            outcome = reconcile_order(gateway, order, now=now)
            db.session.commit()
        except PaymentRefused as error:
            db.session.rollback()
            outcome = flag_unknown_session(db.session.get(Order, order_id), error.__cause__ or error)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported, the next order is still tried
            db.session.rollback()
            outcome = Outcome(order.number, "error", str(error))
        outcomes.append(outcome)
        outcomes.extend(Outcome(order.number, "error", problem) for problem in services.send_requested_refunds(order))
    return outcomes
