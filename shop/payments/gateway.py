"""The payment gateway: the shop's only door to Stripe (the only ``import stripe``), and the demo stand-in.

``get_gateway()`` picks the gateway from the configuration at call time: Stripe when ``STRIPE_SECRET_KEY``
is set, the demo gateway otherwise (refused in production). ``gateway_named(provider)`` gives the gateway of a
provider (shop.payments.services.gateway_for(order): the one that took the order's payment). Every gateway
has the same interface (shop.payments.interface), takes plain data and returns plain data:

    start_checkout(CheckoutRequest) -> CheckoutSession           its id, the URL to send the customer to, its state
    get_session_state(session_id) -> SessionState
    expire_session(session_id)
    payment_reference(*, payment_intent_id, session_id, order_number) -> str | None    what a refund refers to
    send_refund(*, payment_reference, amount_cents, refund_id, ...) -> ProviderRefund (refused: why not)
    find_refund(*, payment_reference, refund_id) -> ProviderRefund | None

Adapters never touch orders: shop.payments.services records what they return, and refunds are booked by
shop.orders.refunds (request, commit, then send through an adapter).

Stripe's own failures (network, time-out, API errors) come out as PaymentUnavailable, with a message the
customer can read.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from shop.core.clock import as_utc
from shop.core.db import utcnow
from shop.core.settings import get_settings
from shop.payments.interface import (
    CURRENCY,
    CheckoutRequest,
    CheckoutSession,
    InvalidWebhook,
    MalformedEvent,
    PaymentGateway,
    PaymentRefused,
    PaymentUnavailable,
    ProviderRefund,
    SessionState,
)

log = logging.getLogger(__name__)

STRIPE, DEMO = "stripe", "demo"  # the PaymentProvider values
STRIPE_LOCALES = {"nl": "nl", "fr": "fr", "en": "en"}
# A PaymentIntent in one of these after its Checkout Session completed: the async payment was declined.
FAILED_INTENT_STATUSES = ("requires_payment_method", "canceled")


def _unavailable() -> PaymentUnavailable:
    return PaymentUnavailable(
        _l("De betaaldienst is tijdelijk niet bereikbaar. Er is niets aangerekend; probeer het over enkele minuten opnieuw.")
    )


def configured_provider() -> str:
    """The provider new orders are paid with: Stripe when STRIPE_SECRET_KEY is configured, else the demo."""
    return STRIPE if current_app.config.get("STRIPE_SECRET_KEY") else DEMO


def is_demo_payment() -> bool:
    """Whether new orders are paid in demo mode (no STRIPE_SECRET_KEY): the pay buttons say so (macros/payment.html)."""
    return configured_provider() == DEMO


def get_gateway() -> PaymentGateway:
    """Stripe when STRIPE_SECRET_KEY is configured, else the demo gateway (never in production)."""
    return gateway_named(configured_provider())


def gateway_named(provider: str) -> PaymentGateway:
    """The gateway of ``provider`` (a PaymentProvider value): an order paid by demo stays demo, and vice versa;
    one paid by bank transfer has its own (which asks nobody)."""
    if provider == STRIPE:
        return StripeGateway()
    from shop.payments.transfer_gateway import TRANSFER, TransferGateway

    if provider == TRANSFER:
        return TransferGateway()
    from shop.payments.demo import DemoGateway

    return DemoGateway()


# ---------------------------------------------------------------------------------------------- Stripe

def load_stripe() -> None:
    """Load now what Stripe's SDK loads on first use: its client with the services the shop calls, and the
    resources their answers are read into (measured: 20-55 ms, in a new worker's first payment and first
    webhook). shop/wsgi.py calls it once before gunicorn forks its workers, which inherit it. Nothing is sent."""
    client = stripe.StripeClient("sk_test_loading", http_client=stripe.RequestsClient())
    for service in (client.v1.checkout.sessions, client.v1.refunds):
        type(service)
    for resource in (stripe.checkout.Session, stripe.Refund, stripe.PaymentIntent, stripe.Event, stripe.ListObject,
                     stripe.WebhookSignature, stripe.SignatureVerificationError):
        type(resource)


class StripeGateway:
    provider = STRIPE

    def __init__(self) -> None:
        config = current_app.config
        self.api_key = config.get("STRIPE_SECRET_KEY")
        if not self.api_key:
            raise PaymentUnavailable(_l("Online betalen is niet ingesteld."))
        self.webhook_secret = config.get("STRIPE_WEBHOOK_SECRET")
        base = config.get("STRIPE_API_BASE")
        self.client = stripe.StripeClient(
            self.api_key,
            base_addresses={"api": base} if base else None,
            max_network_retries=config.get("STRIPE_MAX_NETWORK_RETRIES", 1),
            http_client=stripe.RequestsClient(timeout=config.get("STRIPE_TIMEOUT_SECONDS", 10)),
        )

    # -- checkout
    def checkout_params(self, request: CheckoutRequest) -> stripe.params.checkout.SessionCreateParams:
        """The Checkout Session for an order: one EUR line per line of the request (its delivery fee included)."""
        settings = get_settings()
        line_items: list[stripe.params.checkout.SessionCreateParamsLineItem] = [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": CURRENCY,
                    "unit_amount": line.unit_amount_cents,
                    "product_data": {"name": line.name[:250]},
                },
            }
            for line in request.lines
        ]
        charged = sum(item["price_data"]["unit_amount"] * item["quantity"] for item in line_items)
        if charged != request.total_cents:
            raise AssertionError(f"Stripe line items sum to {charged}, order {request.order_number} totals "
                                 f"{request.total_cents}")
        expiry = timedelta(minutes=settings.payment_expiry_minutes)
        expires_at = utcnow() + expiry
        if request.placed_at is not None:
            # Asking again for the same order must send the same parameters (the idempotency key checkout-<number>
            # demands it; reconcile asks again for a half-made order), so the expiry counts from when the order
            # was placed, never from this call; the extra minute covers placing to asking (the same request), as
            # Stripe wants at least 30 minutes from the session's creation.
            expires_at = as_utc(request.placed_at) + expiry + timedelta(minutes=1)
        metadata = {"order_id": str(request.order_id), "order_number": request.order_number}
        if request.request_id:  # matches the shop's log lines of the request that placed the order
            metadata["request_id"] = request.request_id
        params: stripe.params.checkout.SessionCreateParams = {
            "mode": "payment",
            "line_items": line_items,
            "client_reference_id": request.order_number,
            "metadata": metadata,
            "customer_email": request.email,
            "locale": STRIPE_LOCALES.get(request.locale, "auto"),  # type: ignore[typeddict-item]
            "allowed_payment_method_types": list(settings.payment_methods),  # type: ignore[typeddict-item]
            "expires_at": int(expires_at.timestamp()),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "payment_intent_data": {"metadata": dict(metadata)},
        }
        return params

    def start_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        """Create the order's Checkout Session (idempotency key ``checkout-<number>``) and return it.

        Raises PaymentUnavailable when Stripe fails.
        """
        params = self.checkout_params(request)
        try:
            session = self.client.v1.checkout.sessions.create(
                params, {"idempotency_key": f"checkout-{request.order_number}"})
        except (stripe.InvalidRequestError, stripe.IdempotencyError) as error:
            log.warning("Stripe refused the checkout session for %s: %s", request.order_number, error)
            raise PaymentRefused(_unavailable().message) from error
        except stripe.StripeError as error:
            log.warning("Stripe checkout session for %s failed: %s", request.order_number, error)
            raise _unavailable() from error
        intent = session.payment_intent
        intent_id = intent if isinstance(intent, str) or intent is None else intent.id
        state = SessionState(session.status or "open", session.payment_status or "unpaid", intent_id,
                             session.expires_at, amount_total=session.amount_total, currency=session.currency)
        return CheckoutSession(session.id, session.url or "", state)

    def get_session_state(self, session_id: str) -> SessionState:
        try:
            session = self.client.v1.checkout.sessions.retrieve(session_id)
        except stripe.InvalidRequestError as error:
            # "No such checkout.session": asking again will never help (another account or mode, a typo).
            raise PaymentRefused(_unavailable().message) from error
        except stripe.StripeError as error:
            raise _unavailable() from error
        intent = session.payment_intent
        intent_id = intent if isinstance(intent, str) or intent is None else intent.id
        failed = False
        if session.status == "complete" and session.payment_status == "unpaid" and intent_id:
            # Complete but unpaid: an async payment on its way, or declined (only its PaymentIntent tells).
            try:
                failed = self.client.v1.payment_intents.retrieve(intent_id).status in FAILED_INTENT_STATUSES
            except stripe.StripeError as error:
                raise _unavailable() from error
        return SessionState(session.status or "", session.payment_status or "", intent_id, session.expires_at,
                            payment_failed=failed, amount_total=session.amount_total, currency=session.currency)

    def expire_session(self, session_id: str) -> None:
        try:
            self.client.v1.checkout.sessions.expire(session_id)
        except stripe.StripeError as error:
            raise _unavailable() from error

    # -- refunds
    def payment_reference(self, *, payment_intent_id: str | None, session_id: str | None,
                          order_number: str) -> str | None:
        """The order's PaymentIntent (asked from its Checkout Session when the order does not know it yet)."""
        if payment_intent_id:
            return payment_intent_id
        if session_id:
            return self.get_session_state(session_id).payment_intent_id
        return None

    def send_refund(self, *, payment_reference: str, amount_cents: int, refund_id: int, order_id: int,
                    order_number: str) -> ProviderRefund:
        """Create the refund through the Refunds API, idempotent under ``refund-<refund id>``.

        A refusal by Stripe comes back as ``ProviderRefund.refused`` (its reason); raises PaymentUnavailable
        when Stripe cannot be reached.
        """
        params: stripe.params.RefundCreateParams = {
            "payment_intent": payment_reference,
            "amount": amount_cents,
            "metadata": {"order_id": str(order_id), "order_number": order_number, "refund_id": str(refund_id)},
        }
        try:
            result = self.client.v1.refunds.create(params, {"idempotency_key": f"refund-{refund_id}"})
        except stripe.InvalidRequestError as error:
            log.warning("Stripe refused refund %s of %s: %s", refund_id, order_number, error)
            return ProviderRefund("", "failed", refused=error.user_message or str(error))
        except stripe.StripeError as error:
            raise _unavailable() from error
        return ProviderRefund(result.id, result.status or "pending")

    def find_refund(self, *, payment_reference: str, refund_id: int) -> ProviderRefund | None:
        """The refund Stripe made for our refund ``refund_id`` (by its metadata), or None."""
        for refund in self.list_refunds(payment_reference):
            if refund["metadata"].get("refund_id") == str(refund_id):
                return ProviderRefund(refund["id"], refund["status"] or "pending")
        return None

    def list_refunds(self, payment_intent_id: str) -> list[dict[str, Any]]:
        """Every refund of a payment (for a charge.refunded event whose charge does not list them)."""
        params: stripe.params.RefundListParams = {"payment_intent": payment_intent_id, "limit": 100}
        try:
            refunds = self.client.v1.refunds.list(params)
            return [
                {"id": refund.id, "amount": refund.amount, "status": refund.status,
                 "metadata": refund.metadata.to_dict() if refund.metadata else {}}
                for refund in refunds.auto_paging_iter()
            ]
        except stripe.StripeError as error:
            raise _unavailable() from error

    # -- webhooks
    def parse_webhook(self, payload: bytes, signature: str | None) -> Any:
        """Verify the Stripe-Signature header with STRIPE_WEBHOOK_SECRET and return the payload's JSON as it is.

        Raises InvalidWebhook when the signature does not verify, MalformedEvent when the signed payload is not
        JSON. Whether that JSON is an event the shop can read is shop.payments.webhook.check_event's business.
        """
        if not self.webhook_secret:
            raise InvalidWebhook("STRIPE_WEBHOOK_SECRET is not configured")
        try:
            stripe.WebhookSignature.verify_header(payload, signature, self.webhook_secret,
                                                  stripe.Webhook.DEFAULT_TOLERANCE)
        except (stripe.SignatureVerificationError, ValueError) as error:  # ValueError: not UTF-8
            raise InvalidWebhook(str(error)) from error
        try:
            return json.loads(payload)
        except (ValueError, RecursionError) as error:
            raise MalformedEvent(f"not JSON: {error}") from error
