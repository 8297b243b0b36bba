"""Customer e-mails about an order, queued in the outbox in the caller's transaction.

Interface used by shop.orders.lifecycle; the outbox work fills in the bodies.
"""

from __future__ import annotations

from shop.orders.models import Order


def order_confirmed(order: Order) -> None:
    """Confirmation with every line, VAT per rate, pickup/delivery details, the status link and the invoice PDF."""


def order_cancelled(order: Order, *, was_paid: bool) -> None:
    """Cancellation notice (with the refund, when the order had been paid)."""


def order_ready_for_pickup(order: Order) -> None:
    """The order waits at the Groot Vleeshuis."""


def order_shipped(order: Order) -> None:
    """The order is on its way (with the tracking reference)."""


def payment_after_cancellation(order: Order) -> None:
    """A payment arrived for a cancelled order: it is refunded automatically; the customer is told."""
