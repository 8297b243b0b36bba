"""Settle orders still waiting for their payment by asking Stripe how their Checkout Session stands.

For when a webhook never arrived (an outage, a misconfigured endpoint): paid sessions make the order paid,
expired sessions cancel it (stock back), open sessions past their expiry are expired first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentProvider, Refund
from shop.orders.refunds import RefundRefused, list_requested_refunds, settle_refund
from shop.payments import services
from shop.payments.gateway import StripeGateway

ACTOR = "reconcile"


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


def pending_stripe_orders() -> list[Order]:
    return list(db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_provider == PaymentProvider.STRIPE,
               Order.payment_session_id.is_not(None))
        .order_by(Order.id)
    ))


def reconcile_order(gateway: StripeGateway, order: Order, *, now: float | None = None) -> Outcome:
    """Settle one order from its session's state (in the caller's transaction). An open session past its
    expiry is expired at the provider first (nothing is written before that call)."""
    state = gateway.get_session_state(order.payment_session_id)
    overdue = False
    if services.session_outcome(state) == services.SessionOutcome.OPEN:
        now = time.time() if now is None else now
        if state.expires_at is not None and state.expires_at <= now:
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


def reconcile_all(*, now: float | None = None) -> list[Outcome]:
    """Each order in its own transaction: one failure does not stop the others. Then the requested refunds."""
    outcomes = settle_requested_refunds()
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        return outcomes
    gateway = StripeGateway()
    for order_id in [order.id for order in pending_stripe_orders()]:
        order = db.session.get(Order, order_id)
        try:
            outcome = reconcile_order(gateway, order, now=now)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported, the next order is still tried
            db.session.rollback()
            outcome = Outcome(order.number, "error", str(error))
        outcomes.append(outcome)
        outcomes.extend(Outcome(order.number, "error", problem) for problem in services.send_requested_refunds(order))
    return outcomes
