"""Quotes: a company's order placed (stock taken) and held as a quote until it is accepted, declined or expires.

Rules kept here:
- Only a company (an order with a VAT number) may ask for one, and only from ``quote_min_cents`` (shop settings,
  incl. VAT): ``can_request_quote``.
- A quote is an order placed with place_order (or built by another path, e.g. a gift order with many
  recipients) and turned into a quote at once, before any payment started: ``make_quote`` gives it a number in
  its own series (OFF-<year>-<six digits>, shop.core.numbering), a last day of validity (Brussels time,
  ``quote_validity_days``, and never after the last day to settle a pickup hour or delivery day it holds), marks it to be paid by bank transfer, and moves it pending_payment -> quoted
  through the lifecycle, whose effect queues the quote mail (the PDF is attached by shop.invoicing).
- Its stock (and what else the lifecycle's cancel effect frees) is held while it is quoted and given back
  exactly once when it is declined or expires (quoted -> cancelled). Accepting it is payment's business
  (shop.payments.transfers.accept_quote: quoted -> pending_payment, paid by transfer).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.core.clock import shop_day
from shop.core.errors import DomainError
from shop.core.money import format_eur
from shop.core.numbering import next_value
from shop.core.settings import get_settings
from shop.extensions import db
from shop.orders.lifecycle import ConcurrentChange, transition
from shop.orders.models import Order, OrderStatus, PaymentProvider, PaymentStatus
from shop.scheduling.services import settle_by


class QuoteRefused(DomainError):
    """The order cannot become a quote (not a company, below the minimum, payment already started)."""


class QuoteNotOpen(DomainError):
    """The quote can no longer be accepted or declined (already answered, expired, cancelled)."""


def format_quote_number(year: int, sequence: int) -> str:
    return f"OFF-{year}-{sequence:06d}"


def can_request_quote(total_cents: int, *, is_company: bool) -> bool:
    """Whether an order of ``total_cents`` (incl. VAT) may be asked as a quote: a company's, from the minimum."""
    return is_company and total_cents >= get_settings().quote_min_cents


def make_quote(order: Order, *, now: datetime, by=None, actor: str = "customer") -> Order:
    """Turn a freshly placed order (pending payment, no payment started) into a quote, in the caller's
    transaction: quote number, validity (``quote_validity_days`` from ``now``'s day in Brussels, through that
    day; no later than the last day to settle the slots it holds, shop.scheduling.services.settle_by), paid by
    transfer once accepted; pending_payment -> quoted, which queues the quote mail.

    Raises QuoteRefused (not a company's order, below ``quote_min_cents``, or a payment already started);
    the caller rolls back.
    """
    if not can_request_quote(order.total_cents, is_company=order.is_company):
        raise QuoteRefused(_l("Een offerte is er voor bedrijven, voor bestellingen vanaf %(minimum)s."),
                           minimum=format_eur(get_settings().quote_min_cents))
    if (order.status != OrderStatus.PENDING_PAYMENT or order.payment_session_id is not None
            or order.payment_status != PaymentStatus.NOT_STARTED):
        raise QuoteRefused(_l("Van deze bestelling kan geen offerte meer gemaakt worden."))
    day = shop_day(now)
    order.payment_provider = PaymentProvider.TRANSFER
    valid_until = day + timedelta(days=get_settings().quote_validity_days)
    held_until = settle_by(order.id)  # a pickup hour or delivery day it holds must not pass while it is quoted
    order.quote_valid_until = min(valid_until, held_until) if held_until is not None else valid_until
    order.quote_number = format_quote_number(day.year, next_value(f"quote-{day.year}"))
    db.session.flush()
    transition(order, OrderStatus.QUOTED, by=by, actor=actor, note=f"Offerte {order.quote_number}")
    return order


def is_quote_open(order: Order, today: date) -> bool:
    """A quote the customer can still accept or decline: quoted, and ``today`` not past its last day."""
    return (order.status == OrderStatus.QUOTED and order.quote_valid_until is not None
            and today <= order.quote_valid_until)


def decline_quote(order: Order, *, today: date, by=None, actor: str = "customer") -> None:
    """The customer declines the quote: quoted -> cancelled (its stock back once, the customer mailed).
    Raises QuoteNotOpen when it is no longer open (answered, expired); nothing changes then."""
    if not is_quote_open(order, today):
        raise QuoteNotOpen(_l("Deze offerte is niet meer open."))
    transition(order, OrderStatus.CANCELLED, by=by, actor=actor, note=f"Offerte {order.quote_number} afgewezen")
    order.payment_status = PaymentStatus.ABANDONED
    db.session.flush()


def list_expired_quotes(today: date) -> list[Order]:
    """Quotes whose last day has passed (``today`` in Brussels), oldest first."""
    return list(db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.QUOTED, Order.quote_valid_until < today)
        .order_by(Order.id)
    ))


def expire_quote(order: Order, *, today: date) -> bool:
    """Cancel a quote past its last day (its stock back once, the customer mailed). Returns False when it is not
    (or no longer) such a quote: accepted or declined meanwhile."""
    if order.status != OrderStatus.QUOTED or order.quote_valid_until is None or today <= order.quote_valid_until:
        return False
    return cancel_expired(order, note=f"Offerte {order.quote_number} vervallen op {order.quote_valid_until.isoformat()}")


def cancel_expired(order: Order, *, note: str) -> bool:
    """Cancel an order whose time to accept or pay ran out (a quote, a transfer): through the lifecycle (stock
    and slots back once, the customer mailed), its payment marked expired. False when another actor changed it
    meanwhile."""
    try:
        transition(order, OrderStatus.CANCELLED, actor="system", note=note)
    except ConcurrentChange:
        return False
    order.payment_status = PaymentStatus.EXPIRED
    db.session.flush()
    return True
