"""The gateway of an order paid by bank transfer: there is no provider to ask. The customer pays with the
order's structured reference; staff book the money (shop.payments.transfers). It has no session to start,
read or expire, and it cannot pay money back: a refund of a transfer order is refused (the refund is failed,
its amount back on the order, the order flagged), so staff pay it back from the bank themselves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.payments.interface import CheckoutRequest, CheckoutSession, PaymentUnavailable, ProviderRefund, SessionState

TRANSFER = "transfer"  # PaymentProvider.TRANSFER


class TransferGateway:
    provider = TRANSFER

    def start_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise PaymentUnavailable(_l("Een bestelling die met een overschrijving betaald wordt, heeft geen betaalpagina."))

    def get_session_state(self, session_id: str) -> SessionState:
        """Open: only staff's booking of the transfer settles the order."""
        return SessionState("open", "unpaid", None)

    def expire_session(self, session_id: str) -> None:
        """Nothing to expire."""

    def payment_reference(self, *, payment_intent_id: str | None, session_id: str | None,
                          order_number: str) -> str | None:
        return payment_intent_id or f"{TRANSFER}_{order_number}"

    def send_refund(self, *, payment_reference: str, amount_cents: int, refund_id: int, order_id: int,
                    order_number: str) -> ProviderRefund:
        return ProviderRefund("", "failed", refused=str(_l(
            "Een overschrijving wordt niet automatisch terugbetaald: stort het bedrag zelf terug vanaf de rekening "
            "van de winkel.")))

    def find_refund(self, *, payment_reference: str, refund_id: int) -> ProviderRefund | None:
        return None
