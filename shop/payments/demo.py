"""The demo gateway: no money moves. Used without STRIPE_SECRET_KEY (development, the demo shop).

Its "session" lives on the demo page (payments.demo): there a person pays, fails or abandons, and the page
applies that outcome itself through the same services as Stripe's webhook. So the demo provider keeps
nothing: a demo session reads as open until its order is settled, and expiring it needs nothing. It refuses
to exist in production configuration.

A demo session id is random, like Stripe's: it is what the success page finds an order by, so it must not be
made from anything that can be guessed (the order number is counted).
"""

from __future__ import annotations

import secrets

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from shop.payments.interface import CheckoutRequest, CheckoutSession, PaymentUnavailable, ProviderRefund, SessionState

DEMO_SESSION_PREFIX = "demo_"


def demo_allowed() -> bool:
    return current_app.config.get("ENV_NAME") != "production"


class DemoGateway:
    provider = "demo"  # PaymentProvider.DEMO

    def __init__(self) -> None:
        if not demo_allowed():
            raise PaymentUnavailable(_l("Online betalen is tijdelijk niet mogelijk."))

    def start_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        """The demo page of the order is its payment page; each call makes a new random session id."""
        return CheckoutSession(f"{DEMO_SESSION_PREFIX}{secrets.token_urlsafe(32)}",
                               url_for("payments.demo", status_token=request.status_token),
                               SessionState("open", "unpaid", None))

    def get_session_state(self, session_id: str) -> SessionState:
        """Open: the demo page, not the provider, settles a demo order."""
        return SessionState("open", "unpaid", None)

    def expire_session(self, session_id: str) -> None:
        """Nothing to do: a demo session ends when its order is cancelled."""

    def payment_reference(self, *, payment_intent_id: str | None, session_id: str | None,
                          order_number: str) -> str | None:
        return session_id or f"{DEMO_SESSION_PREFIX}{order_number}"

    def send_refund(self, *, payment_reference: str, amount_cents: int, refund_id: int, order_id: int,
                    order_number: str) -> ProviderRefund:
        """No money moves: the refund succeeds at once, under an id made from the order and the refund."""
        return ProviderRefund(f"demo_re_{order_number}_{refund_id}", "succeeded")

    def find_refund(self, *, payment_reference: str, refund_id: int) -> ProviderRefund | None:
        """The demo keeps nothing: sending again gives the same id."""
        return None
