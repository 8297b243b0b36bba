"""Payment by bank transfer: an accepted quote, its structured reference, booking the transfer once through the
card payment's lifecycle, its expiry, and Stripe's code never touching these orders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shop.catalog.models import Product
from shop.core.settings import get_settings
from shop.core.structured_reference import is_structured_reference
from shop.extensions import db
from shop.inventory.models import MovementReason, StockMovement
from shop.invoicing.models import Invoice
from shop.invoicing.queries import get_invoice_of
from shop.orders.models import OrderStatus, PaymentProvider, PaymentStatus
from shop.orders.quotes import QuoteNotOpen
from shop.orders.refunds import RefundRefused, request_refund, send_refund
from shop.outbox.models import OutboxMessage
from shop.payments.models import BankTransfer
from shop.payments.reconcile import reconcile_all
from shop.payments.services import gateway_for
from shop.payments.transfers import (
    AmountMismatch,
    TransferRefused,
    accept_quote,
    expire_quotes_and_transfers,
    find_order_by_reference,
    mark_transfer_received,
)
from shop.scheduling.days import pickup_days
from shop.scheduling.services import bookings_of
from tests.factories import make_quote_order, make_staff

BRUSSELS = ZoneInfo("Europe/Brussels")
ACCEPTED_AT = datetime(2026, 12, 9, 15, 0, tzinfo=BRUSSELS)


def _accepted_order():
    order = make_quote_order()
    accept_quote(order, now=ACCEPTED_AT)
    db.session.commit()
    return order


def _mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _mod97_ok(reference: str) -> bool:
    digits = "".join(c for c in reference if c.isdigit())
    return len(digits) == 12 and (int(digits[:10]) % 97 or 97) == int(digits[10:])


def test_accepting_a_quote_asks_for_a_transfer_with_a_structured_reference_and_a_due_date(db):
    order = _accepted_order()

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_provider == PaymentProvider.TRANSFER
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.payment_due_date == date(2026, 12, 23)
    assert is_structured_reference(order.transfer_reference)
    assert _mod97_ok(order.transfer_reference)
    assert find_order_by_reference(order.transfer_reference.strip("+").replace("/", "")) == order
    [mail] = _mails("transfer_requested")
    assert mail.subject == f"Betaal je bestelling {order.number} met een overschrijving"
    assert order.transfer_reference in mail.body_text
    assert "BE71096123456769" in mail.body_text and "GKCCBEBB" in mail.body_text


def test_the_structured_reference_is_built_from_the_order_id_with_mod_97_check_digits(db):
    order = _accepted_order()
    number = 9_000_000_000 + order.id

    digits = f"{number:010d}{number % 97 or 97:02d}"
    assert order.transfer_reference == f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def test_a_quote_past_its_last_day_cannot_be_accepted(db):
    order = make_quote_order()

    with pytest.raises(QuoteNotOpen):
        accept_quote(order, now=datetime(2026, 12, 22, 9, 0, tzinfo=BRUSSELS))
    assert order.status == OrderStatus.QUOTED


def test_marking_the_transfer_received_pays_the_order_once_with_one_invoice(db):
    order = _accepted_order()
    staff = make_staff()

    first = mark_transfer_received(order, 60000, by=staff)
    db.session.commit()
    second = mark_transfer_received(order, 60000, by=staff)  # a double click, a replayed form
    db.session.commit()

    assert (first.action, second.action) == ("paid", "already")
    assert order.status == OrderStatus.PAID
    assert order.payment_status == PaymentStatus.PAID
    assert db.session.scalars(select(Invoice)).all() == [get_invoice_of(order)]
    invoice = get_invoice_of(order)
    assert invoice.payment["method"] == "transfer"
    assert invoice.payment["structured_reference"] == order.transfer_reference
    assert len(db.session.scalars(select(BankTransfer)).all()) == 1
    assert len(_mails("order_confirmed")) == 1


@pytest.mark.parametrize("amount", [59999, 60001, 6000])
def test_a_transfer_of_another_amount_books_nothing(db, amount):
    order = _accepted_order()

    with pytest.raises(AmountMismatch) as refused:
        mark_transfer_received(order, amount, by=make_staff())
    db.session.rollback()

    assert f"niet het totaal van bestelling {order.number}" in str(refused.value)
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalars(select(BankTransfer)).all() == []


def test_a_transfer_for_a_cancelled_order_or_a_quote_books_nothing(db):
    quote = make_quote_order()
    with pytest.raises(TransferRefused):
        mark_transfer_received(quote, 60000, by=make_staff())
    order = _accepted_order()
    expire_quotes_and_transfers(datetime(2027, 1, 10, 9, 0, tzinfo=BRUSSELS))
    db.session.refresh(order)

    with pytest.raises(TransferRefused) as refused:
        mark_transfer_received(order, 60000, by=make_staff())

    assert "geannuleerd" in str(refused.value)
    assert order.paid_at is None


def test_an_unpaid_transfer_order_expires_after_its_term_and_grace_freeing_its_stock_once(db):
    order = _accepted_order()
    product_id = order.lines[0].product_id
    # Due 23 December; three days of grace for the banks.
    on_grace = expire_quotes_and_transfers(datetime(2026, 12, 26, 12, 0, tzinfo=BRUSSELS))
    after = expire_quotes_and_transfers(datetime(2026, 12, 27, 0, 30, tzinfo=BRUSSELS))
    again = expire_quotes_and_transfers(datetime(2026, 12, 28, 0, 30, tzinfo=BRUSSELS))

    assert (on_grace.transfers, after.transfers, again.transfers) == ([], [order.number], [])
    db.session.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert order.payment_status == PaymentStatus.EXPIRED
    assert db.session.get(Product, product_id).stock == 20
    assert len(db.session.scalars(select(StockMovement).where(
        StockMovement.product_id == product_id, StockMovement.reason == MovementReason.CANCEL)).all()) == 1
    [mail] = _mails("order_cancelled")
    assert "we ontvingen je overschrijving niet binnen de betaaltermijn" in mail.body_text


def _held_hour(order) -> tuple[int, bool]:
    """(units booked in the order's pickup hour, whether the order's booking is still held)."""
    db.session.expire_all()
    [booking] = bookings_of(order.id)
    return booking.slot.booked, booking.released_at is None


def test_a_quote_holds_its_pickup_hour_while_quoted_and_awaiting_the_transfer_then_expiry_frees_it_once(db):
    order = make_quote_order()
    db.session.commit()
    quoted = _held_hour(order)
    accept_quote(order, now=ACCEPTED_AT)
    db.session.commit()
    accepted = _held_hour(order)

    expire_quotes_and_transfers(datetime(2026, 12, 26, 12, 0, tzinfo=BRUSSELS))  # within the grace
    in_grace = _held_hour(order)
    expire_quotes_and_transfers(datetime(2026, 12, 27, 0, 30, tzinfo=BRUSSELS))
    expire_quotes_and_transfers(datetime(2026, 12, 28, 0, 30, tzinfo=BRUSSELS))

    assert (quoted, accepted, in_grace) == ((1, True), (1, True), (1, True))
    assert _held_hour(order) == (0, False)



def _near_quote():
    """A quote placed on 7 December for the first pickup day at least ten days on: its last day to settle (the
    day less the two days' lead time) comes before the quote's fourteen days and the transfer's term."""
    placed = datetime(2026, 12, 7, 10, 0, tzinfo=BRUSSELS)
    day = next(day for day in pickup_days(placed) if day >= date(2026, 12, 17))
    order = make_quote_order(now=placed, pickup_date=day)
    db.session.commit()
    return order, day


def test_a_quote_for_a_near_day_is_valid_and_its_transfer_due_until_the_last_day_to_order_for_that_day(db):
    order, day = _near_quote()
    last = day - timedelta(days=get_settings().lead_time_days)
    quoted_until = order.quote_valid_until
    accept_quote(order, now=ACCEPTED_AT)
    db.session.commit()

    assert last < date(2026, 12, 21)  # before the quote's 14 days and the transfer's term would end
    assert (quoted_until, order.payment_due_date) == (last, last)


def test_a_transfer_not_paid_by_the_last_day_for_its_pickup_hour_expires_without_grace_freeing_it_once(db):
    order, day = _near_quote()
    accept_quote(order, now=ACCEPTED_AT)
    db.session.commit()
    last = day - timedelta(days=get_settings().lead_time_days)

    on_last_day = expire_quotes_and_transfers(datetime.combine(last, time(23, 30), tzinfo=BRUSSELS))
    held = _held_hour(order)
    after = expire_quotes_and_transfers(datetime.combine(last + timedelta(days=1), time(0, 30), tzinfo=BRUSSELS))
    again = expire_quotes_and_transfers(datetime.combine(last + timedelta(days=2), time(0, 30), tzinfo=BRUSSELS))

    assert (on_last_day.transfers, after.transfers, again.transfers) == ([], [order.number], [])
    assert held == (1, True)
    assert _held_hour(order) == (0, False)
    assert order.status == OrderStatus.CANCELLED
    assert any("de laatste dag voor het gekozen afhaal- of leveringsmoment" in (t.note or "")
               for t in order.transitions)


def test_reconcile_never_cancels_or_asks_about_a_transfer_order(app, db):
    order = _accepted_order()

    outcomes = reconcile_all(now=datetime(2026, 12, 20, 12, 0, tzinfo=BRUSSELS).timestamp())

    assert [outcome for outcome in outcomes if outcome.order_number == order.number] == []
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_reconcile_with_stripe_never_touches_a_transfer_order(app, db, stripe_config):
    order = _accepted_order()

    outcomes = reconcile_all(now=datetime(2026, 12, 20, 12, 0, tzinfo=BRUSSELS).timestamp())

    assert [outcome for outcome in outcomes if outcome.order_number == order.number] == []
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_session_id is None


def test_money_back_on_a_transfer_order_is_never_pretended_but_left_to_staff(db):
    order = _accepted_order()
    mark_transfer_received(order, 60000, by=make_staff())
    refund = request_refund(order, 5000, reason="Eén doos minder")
    db.session.commit()

    with pytest.raises(RefundRefused) as refused:
        send_refund(refund, gateway_for(order))
    db.session.commit()

    assert "stort het bedrag zelf terug" in str(refused.value)
    assert (refund.status, order.refunded_cents, order.needs_attention) == ("failed", 0, True)
