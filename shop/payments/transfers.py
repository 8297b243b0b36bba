"""Payment by bank transfer: an accepted quote, paid with a Belgian structured reference to the shop's account.

Rules kept here:
- Accepting a quote (open: quoted, not past its last day) moves it quoted -> pending_payment through the
  lifecycle; the order gets its structured reference (``transfer_reference_for``: the order id, offset so it
  never equals an invoice's reference, with mod-97 check digits) and a payment due date (``transfer_term_days``
  from the day it was accepted), and the customer a mail with the amount, the shop's IBAN and BIC, the
  reference and the due date.
- Money that comes in (staff's mark, or a bank statement line: shop.payments.bank_statements) pays the order
  only when it is exactly the order's total, and only through payment_succeeded, the function the webhook and
  the demo use: pending_payment -> paid, the invoice issued once (payment means 58 with the reference). Each
  transfer is recorded once by its ``line_key``: the same mark or statement line again pays nothing twice.
- An order whose transfer has not come ``transfer_grace_days`` after its due date is cancelled through the
  lifecycle (its stock back once, the customer mailed); so is a quote past its last day (shop.orders.quotes).
- No Stripe or demo code ever asks about these orders: their provider is ``transfer`` (reconcile skips them,
  the webhook never adopts them, their gateway asks nobody).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.core.clock import shop_day
from shop.core.db import add_unless_taken
from shop.core.errors import DomainError
from shop.core.money import format_eur
from shop.core.settings import get_settings
from shop.core.structured_reference import MAX_NUMBER, parse_structured_reference, structured_reference
from shop.extensions import db
from shop.orders import notifications
from shop.orders.lifecycle import ConcurrentChange, transition
from shop.orders.models import Order, OrderStatus, PaymentProvider, PaymentStatus
from shop.orders.quotes import QuoteNotOpen, cancel_expired, expire_quote, is_quote_open, list_expired_quotes
from shop.payments.models import BankTransfer
from shop.payments.services import payment_succeeded
from shop.scheduling.services import orders_past_settling, settle_by

# The number inside an order's structured reference: this plus the order's id. Invoice references are made from
# <year><sequence> (2026000123, shop.invoicing.ubl.transfer_reference), far below, so the two never meet.
ORDER_REFERENCE_BASE = 9_000_000_000
MAX_ORDER_ID = MAX_NUMBER - ORDER_REFERENCE_BASE


class TransferRefused(DomainError):
    """A transfer that cannot pay its order; nothing was booked."""


class AmountMismatch(TransferRefused):
    pass


class UnknownReference(TransferRefused):
    pass


@dataclass(frozen=True)
class Booking:
    """What booking one transfer did: ``paid`` (the order is paid now), ``already`` (this transfer, or the order's
    payment, was booked before: nothing changed)."""

    order: Order
    action: str


def transfer_reference_for(order: Order) -> str:
    """The order's structured reference: +++900/0000/01234+++ style, from its id (raises ValueError beyond the
    ten digits' room)."""
    if not 0 < order.id <= MAX_ORDER_ID:
        raise ValueError(f"order id {order.id} does not fit a structured reference")
    return structured_reference(ORDER_REFERENCE_BASE + order.id)


def find_order_by_reference(text: str | None) -> Order | None:
    """The transfer order whose structured reference ``text`` is (typed with or without +++ and slashes), or None
    (not a valid reference, or nobody's)."""
    number = parse_structured_reference(text)
    if number is None:
        return None
    return db.session.scalar(select(Order).where(Order.transfer_reference == structured_reference(number),
                                                 Order.payment_provider == PaymentProvider.TRANSFER))


def accept_quote(order: Order, *, now: datetime, by=None, actor: str = "customer") -> Order:
    """The customer accepts an open quote: quoted -> pending_payment, to be paid by transfer with its structured
    reference by its due date (``transfer_term_days`` after ``now``'s day, or the last day to settle the slots it
    holds when that comes first: shop.scheduling.services.settle_by); the payment mail is queued.

    Raises QuoteNotOpen (answered, cancelled or past its last day) or ConcurrentChange; nothing changes then.
    """
    today = shop_day(now)
    if not is_quote_open(order, today):
        raise QuoteNotOpen(_l("Deze offerte kan niet meer aanvaard worden."))
    transition(order, OrderStatus.PENDING_PAYMENT, by=by, actor=actor,
               note=f"Offerte {order.quote_number} aanvaard: betaling met overschrijving")
    order.payment_provider = PaymentProvider.TRANSFER
    order.transfer_reference = transfer_reference_for(order)
    due = today + timedelta(days=get_settings().transfer_term_days)
    held_until = settle_by(order.id)  # a held pickup hour or delivery day must not pass while the money is awaited
    order.payment_due_date = min(due, held_until) if held_until is not None else due
    order.payment_status = PaymentStatus.UNPAID
    db.session.flush()
    notifications.transfer_requested(order)
    return order


def is_awaiting_transfer(order: Order) -> bool:
    return order.status == OrderStatus.PENDING_PAYMENT and order.payment_provider == PaymentProvider.TRANSFER


def list_awaiting_transfer() -> list[Order]:
    """Orders waiting for their transfer, the earliest due first (staff's list)."""
    return list(db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_provider == PaymentProvider.TRANSFER)
        .order_by(Order.payment_due_date, Order.id)
    ))


def check_transfer(order: Order, amount_cents: int) -> str:
    """What a transfer of ``amount_cents`` would do to ``order``: ``pay``, or ``already`` (the order was paid
    before). Raises TransferRefused: not a transfer order, cancelled (the money must go back by hand), or
    AmountMismatch."""
    if order.payment_provider != PaymentProvider.TRANSFER or order.status == OrderStatus.QUOTED:
        raise TransferRefused(_l("Bestelling %(number)s wordt niet met een overschrijving betaald."),
                              number=order.number)
    if order.paid_at is not None:
        return "already"
    if order.status == OrderStatus.CANCELLED:
        raise TransferRefused(_l("Bestelling %(number)s is geannuleerd: er is niets geboekt. Stort het bedrag "
                                 "terug of neem contact op met de klant."), number=order.number)
    if amount_cents != order.total_cents:
        raise AmountMismatch(_l("Het bedrag %(amount)s is niet het totaal van bestelling %(number)s (%(total)s): "
                                "er is niets geboekt."), amount=format_eur(amount_cents), number=order.number,
                             total=format_eur(order.total_cents))
    return "pay"


def book_transfer(order: Order, amount_cents: int, *, line_key: str, source: str, by=None,
                  booked_on: date | None = None, counterparty: str = "") -> Booking:
    """Book a transfer received for ``order`` (in the caller's transaction): the order paid through the same
    lifecycle as a card payment (payment_succeeded: the invoice, the confirmation mail), and the transfer
    recorded under ``line_key``. A key booked before, or an order paid before, books nothing (``already``).

    Raises TransferRefused or AmountMismatch (see check_transfer); nothing changes then.
    """
    if db.session.scalar(select(BankTransfer.id).where(BankTransfer.line_key == line_key)) is not None:
        return Booking(order, "already")
    if check_transfer(order, amount_cents) == "already":
        return Booking(order, "already")
    actor = getattr(by, "email", "") or "bank"
    # The key's unique index decides between two bookings of it at once (a double click, two staff): the check
    # above may not have seen the other one yet.
    if not add_unless_taken(BankTransfer(order_id=order.id, line_key=line_key, source=source,
                                         amount_cents=amount_cents, reference=order.transfer_reference or "",
                                         booked_on=booked_on, counterparty=counterparty[:160],
                                         by_user_id=getattr(by, "id", None))):
        return Booking(order, "already")  # booked meanwhile, with the payment of the order it was booked for
    if not payment_succeeded(order, payment_intent_id=order.transfer_reference, actor=f"overschrijving ({actor})"):
        raise ConcurrentChange(_l("Deze bestelling is intussen door iemand anders gewijzigd. Bekijk ze opnieuw."))
    return Booking(order, "paid")


def mark_transfer_received(order: Order, amount_cents: int, *, by) -> Booking:
    """Staff mark the order's transfer received (the amount as they read it on the bank account). A second mark
    (a double click, a replayed form) books nothing. Raises like book_transfer."""
    return book_transfer(order, amount_cents, line_key=f"staff:{order.id}", source="staff", by=by)


# --- expiry --------------------------------------------------------------------------------------------------


def list_overdue_transfers(today: date) -> list[Order]:
    """Orders waiting for a transfer whose due date plus ``transfer_grace_days`` has passed, or whose held pickup
    hour or delivery day can no longer be settled (past ``settle_by``: no grace then, the day would pass)."""
    last_due = today - timedelta(days=get_settings().transfer_grace_days)
    awaiting = (Order.status == OrderStatus.PENDING_PAYMENT) & (Order.payment_provider == PaymentProvider.TRANSFER)
    late_for_a_slot = orders_past_settling(select(Order.id).where(awaiting), today)
    return list(db.session.scalars(
        select(Order).where(awaiting, (Order.payment_due_date < last_due) | Order.id.in_(late_for_a_slot))
        .order_by(Order.id)
    ))


def expire_transfer(order: Order, *, today: date) -> bool:
    """Cancel an order whose transfer did not come in time (its stock and slots back once, the customer mailed):
    past its due date and the grace days, or past the last day to settle a slot it holds. False when it is not
    (or no longer) such an order."""
    grace = timedelta(days=get_settings().transfer_grace_days)
    if not is_awaiting_transfer(order) or order.payment_due_date is None:
        return False
    if today > order.payment_due_date + grace:
        why = f"te betalen tegen {order.payment_due_date.isoformat()}"
    elif order.id in orders_past_settling([order.id], today):
        why = f"niet betaald vóór {settle_by(order.id).isoformat()}, de laatste dag voor het gekozen afhaal- of leveringsmoment"
    else:
        return False
    return cancel_expired(order, note=f"Overschrijving niet ontvangen ({why})")


@dataclass(frozen=True)
class ExpiryOutcome:
    quotes: list[str]
    transfers: list[str]
    errors: list[str]


def expire_quotes_and_transfers(now: datetime) -> ExpiryOutcome:
    """Cancel every quote past its last day and every order whose transfer is overdue, each in its own
    transaction (committed; one failure does not stop the others). Safe to run again: each is cancelled once."""
    today = shop_day(now)
    quotes, transfers, errors = [], [], []
    for kind, orders, expire in (("quote", list_expired_quotes(today), expire_quote),
                                 ("transfer", list_overdue_transfers(today), expire_transfer)):
        for order_id in [order.id for order in orders]:
            order = db.session.get(Order, order_id)
            number = order.number
            try:
                if expire(order, today=today):
                    (quotes if kind == "quote" else transfers).append(number)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported, the next order is still tried
                db.session.rollback()
                errors.append(f"{number}: {error}")
    return ExpiryOutcome(quotes, transfers, errors)
