"""What every payment adapter shares: its interface (PaymentGateway), the plain data it takes and returns, and
its errors. The adapters (gateway.StripeGateway, demo.DemoGateway) import this module, never each other, and
never shop.orders: they talk to the provider and return data; shop.payments.services records it on orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shop.core.errors import DomainError

CURRENCY = "eur"  # the shop charges in euro only (Stripe's lower-case ISO code)


class PaymentUnavailable(DomainError):
    """The payment provider could not be reached or refused the request; nothing was charged."""


class PaymentRefused(PaymentUnavailable):
    """The provider answered and refused this very request (invalid, or an idempotency key reused with other
    parameters): asking again the same way will not help. Nothing was made by it."""


class InvalidWebhook(Exception):
    """A webhook payload whose signature does not verify."""


class MalformedEvent(InvalidWebhook):
    """A signed webhook payload that is not an event the shop can read: not a JSON object, or an event (or
    the object it is about) without the fields the shop reads, or with a field of the wrong type."""


@dataclass(frozen=True)
class CheckoutLine:
    """One line the customer pays for, as the provider shows it."""

    name: str
    quantity: int
    unit_amount_cents: int


@dataclass(frozen=True)
class CheckoutRequest:
    """What a checkout session needs to know of an order (made by shop.payments.services.checkout_request)."""

    order_id: int
    order_number: str
    status_token: str  # the demo's payment page is found by it
    email: str
    locale: str
    lines: tuple[CheckoutLine, ...]  # the order's lines and its delivery fee; they sum to total_cents
    total_cents: int
    success_url: str = ""
    cancel_url: str = ""
    placed_at: datetime | None = None  # the session's expiry counts from it, so asking again asks the same
    request_id: str = ""  # the id of the request that placed the order (logs), kept on the order: asked again, the same


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
    # What the session charges (Stripe: amount_total, currency); None when the provider did not say. Only a
    # paid session charging exactly the order's total in CURRENCY makes its order paid.
    amount_total: int | None = None
    currency: str | None = None


@dataclass(frozen=True)
class CheckoutSession:
    """A checkout session the provider made: where to send the customer, and how it stands."""

    id: str
    url: str
    state: SessionState


@dataclass(frozen=True)
class ProviderRefund:
    """What the provider says of one refund (it fits shop.orders.refunds.ProviderAnswer)."""

    id: str  # empty when refused
    status: str  # the provider's word: pending, succeeded, failed, ...
    refused: str = ""  # why the provider refused to make it (then nothing was paid back)


class PaymentGateway(Protocol):
    provider: str  # a shop.orders.models.PaymentProvider value

    def start_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    def get_session_state(self, session_id: str) -> SessionState: ...

    def expire_session(self, session_id: str) -> None: ...

    def payment_reference(self, *, payment_intent_id: str | None, session_id: str | None,
                          order_number: str) -> str | None: ...

    def send_refund(self, *, payment_reference: str, amount_cents: int, refund_id: int, order_id: int,
                    order_number: str) -> ProviderRefund: ...

    def find_refund(self, *, payment_reference: str, refund_id: int) -> ProviderRefund | None: ...
