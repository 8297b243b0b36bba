"""The demo gateway: no money moves. Used without STRIPE_SECRET_KEY (development, the demo shop).

Its "session" is the order itself: the demo page (payments.demo) lets a person pay, fail or abandon, through
the same services as Stripe's webhook. It refuses to exist in production configuration.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentProvider, PaymentStatus
from shop.orders.refunds import ProviderRefund
from shop.payments.interface import PaymentUnavailable, SessionState

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
        order.payment_status = PaymentStatus.UNPAID
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

    def payment_reference(self, order: Order) -> str | None:
        return order.payment_session_id or f"{DEMO_SESSION_PREFIX}{order.number}"

    def send_refund(self, *, payment_reference: str, amount_cents: int, refund_id: int, order_id: int,
                    order_number: str) -> ProviderRefund:
        """No money moves: the refund succeeds at once, under an id made from the order and the refund."""
        return ProviderRefund(f"demo_re_{order_number}_{refund_id}", "succeeded")

    def find_refund(self, *, payment_reference: str, refund_id: int) -> ProviderRefund | None:
        """The demo keeps nothing: sending again gives the same id."""
        return None
