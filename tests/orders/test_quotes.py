"""Quotes: a company's placed order held as a quote, its number and validity, declined or expired exactly once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shop.catalog.models import Product
from shop.extensions import db
from shop.inventory.models import MovementReason, StockMovement
from shop.orders.lifecycle import InvalidTransition, transition
from shop.orders.models import OrderStatus, PaymentProvider
from shop.orders.quotes import QuoteNotOpen, QuoteRefused, decline_quote, make_quote
from shop.outbox.models import OutboxMessage
from shop.payments.transfers import expire_quotes_and_transfers
from tests.factories import QUOTE_PLACED_AT, make_company_order_data, make_order, make_product, make_quote_order

BRUSSELS = ZoneInfo("Europe/Brussels")


def _stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Product, product_id).stock


def _mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_a_company_order_becomes_a_quote_with_its_number_validity_and_mail(db):
    order = make_quote_order()
    db.session.commit()

    assert order.status == OrderStatus.QUOTED
    assert order.quote_number == "OFF-2026-000001"
    assert order.quote_valid_until == date(2026, 12, 21)  # 14 days after Monday 7 December
    assert order.payment_provider == PaymentProvider.TRANSFER
    assert [(t.from_status, t.to_status) for t in order.transitions] == [
        (None, OrderStatus.PENDING_PAYMENT), (OrderStatus.PENDING_PAYMENT, OrderStatus.QUOTED)]
    [mail] = _mails("quote_sent")
    assert mail.subject == "Je offerte OFF-2026-000001"
    assert [attachment.filename for attachment in mail.attachments] == ["offerte-OFF-2026-000001.pdf"]


def test_quote_numbers_follow_each_other_in_their_own_series(db):
    first, second = make_quote_order(), make_quote_order()

    assert (first.quote_number, second.quote_number) == ("OFF-2026-000001", "OFF-2026-000002")
    assert first.number != first.quote_number


def test_a_quote_holds_its_stock(db):
    order = make_quote_order()
    product_id = order.lines[0].product_id

    assert _stock(product_id) == 8


@pytest.mark.parametrize("company, quantity", [(False, 12), (True, 9)], ids=["consumer", "below the minimum"])
def test_only_a_company_order_from_the_minimum_becomes_a_quote(db, company, quantity):
    product = make_product(price_cents=5000, stock=20)
    data = make_company_order_data() if company else make_company_order_data(is_company=False)
    order = make_order((product, quantity), data=data)  # 450,00 is below 500,00

    with pytest.raises(QuoteRefused):
        make_quote(order, now=QUOTE_PLACED_AT)
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_an_order_whose_payment_started_cannot_become_a_quote(db):
    product = make_product(price_cents=5000, stock=20)
    order = make_order((product, 12), data=make_company_order_data())
    order.payment_session_id = "cs_test_started"

    with pytest.raises(QuoteRefused):
        make_quote(order, now=QUOTE_PLACED_AT)


def test_declining_a_quote_gives_the_stock_back_once(db):
    order = make_quote_order()
    product_id = order.lines[0].product_id

    decline_quote(order, today=date(2026, 12, 10))
    db.session.commit()
    with pytest.raises(QuoteNotOpen):
        decline_quote(order, today=date(2026, 12, 10))

    assert order.status == OrderStatus.CANCELLED
    assert _stock(product_id) == 20
    [mail] = _mails("order_cancelled")
    assert mail.subject == "Je offerte OFF-2026-000001 is vervallen"
    assert "Er werd niets aangerekend." in mail.body_text


def test_an_expired_quote_is_cancelled_once_and_its_stock_freed_once(db):
    order = make_quote_order()
    product_id = order.lines[0].product_id
    db.session.commit()
    last_day = datetime(2026, 12, 21, 23, 0, tzinfo=BRUSSELS)
    day_after = datetime(2026, 12, 22, 0, 30, tzinfo=BRUSSELS)

    on_last_day = expire_quotes_and_transfers(last_day)
    first = expire_quotes_and_transfers(day_after)
    again = expire_quotes_and_transfers(day_after)

    assert on_last_day.quotes == []
    assert first.quotes == [order.number]
    assert again.quotes == []
    db.session.refresh(order)
    assert order.status == OrderStatus.CANCELLED
    assert _stock(product_id) == 20
    returned = db.session.scalars(select(StockMovement).where(StockMovement.product_id == product_id,
                                                                  StockMovement.reason == MovementReason.CANCEL)).all()
    assert [movement.delta for movement in returned] == [12]
    assert len(_mails("order_cancelled")) == 1


def test_a_quote_cannot_be_paid_without_being_accepted(db):
    order = make_quote_order()

    with pytest.raises(InvalidTransition):
        transition(order, OrderStatus.PAID)
