"""The demo gateway: no money moves. Used without STRIPE_SECRET_KEY (development, the demo shop).

Its "session" is the order itself: the demo page (payments.demo) lets a person pay, fail or abandon, through
the same services as Stripe's webhook. It refuses to exist in production configuration.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentProvider, Refund
from shop.payments.gateway import PaymentUnavailable, SessionState, reserve_refund

DEMO_SESSION_PREFIX = "demo_"


def demo_allowed() -> bool:
    return current_app.config.get("ENV_NAME") != "production"


class DemoGateway:
    provider = PaymentProvider.DEMO

    def __init__(self) -> None:
        if not demo_allowed():
            raise PaymentUnavailable(_l("Online betalen is tijdelijk niet mogelijk."))

    def start_checkout(self, order: Order, *, success_url: str = "", cancel_url: str = "") -> str:
        order.payment_provider = PaymentProvider.DEMO
        order.payment_session_id = f"{DEMO_SESSION_PREFIX}{order.number}"
        order.payment_status = "unpaid"
        db.session.flush()
        return url_for("payments.demo", status_token=order.status_token)

    def _order(self, session_id: str) -> Order | None:
        return db.session.query(Order).filter(Order.payment_session_id == session_id).one_or_none()

    def get_session_state(self, session_id: str) -> SessionState:
        order = self._order(session_id)
        if order is None or order.status == OrderStatus.CANCELLED and order.paid_at is None:
            return SessionState("expired", "unpaid", None)
        if order.paid_at is not None:
            return SessionState("complete", "paid", order.payment_intent_id)
        return SessionState("open", "unpaid", None)

    def expire_session(self, session_id: str) -> None:
        """Nothing to do: a demo session ends when its order is cancelled."""

    def refund(self, order: Order, amount_cents: int, *, reason: str = "", by=None) -> Refund:
        """Record a refund of ``amount_cents`` (no money moves). Raises RefundRefused above what is left."""
        refund = reserve_refund(order, amount_cents, reason=reason, by=by, status="succeeded")
        refund.provider_refund_id = f"demo_re_{order.number}_{refund.id}"
        db.session.flush()
        return refund
