"""What every payment adapter shares: its interface (PaymentGateway), the session state it reports and its
errors. The adapters (gateway.StripeGateway, demo.DemoGateway) import this module, never each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shop.core.errors import DomainError
from shop.orders.models import Order, PaymentProvider
from shop.orders.refunds import ProviderRefund


class PaymentUnavailable(DomainError):
    """The payment provider could not be reached or refused the request; nothing was charged."""


class InvalidWebhook(Exception):
    """A webhook payload whose signature does not verify, or that is not a Stripe event."""


@dataclass(frozen=True)
class SessionState:
    """How a checkout session stands at the provider, in the provider's words (Stripe's)."""

    status: str  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    payment_intent_id: str | None
    expires_at: int | None = None
    # A complete session whose (async) payment the provider declined: the session stays complete and unpaid,
    # only its payment says so (Stripe: the PaymentIntent is back to requires_payment_method, or canceled).
    payment_failed: bool = False


class PaymentGateway(Protocol):
    provider: PaymentProvider

    def start_checkout(self, order: Order, *, success_url: str, cancel_url: str) -> str: ...

    def get_session_state(self, session_id: str) -> SessionState: ...

    def expire_session(self, session_id: str) -> None: ...

    def payment_reference(self, order: Order) -> str | None: ...

    def send_refund(self, *, payment_reference: str, amount_cents: int, refund_id: int, order_id: int,
                    order_number: str) -> ProviderRefund: ...

    def find_refund(self, *, payment_reference: str, refund_id: int) -> ProviderRefund | None: ...
