"""Reads of orders: by secret token, per customer, and their VAT per rate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.core.money import split_largest_remainder, vat_lines
from shop.extensions import db
from shop.orders.models import Order, OrderLine

# A fee with no goods to follow (cannot happen for a real order) is taxed at the standard rate.
STANDARD_RATE = 21


def _order_options():
    return (
        selectinload(Order.lines).selectinload(OrderLine.components),
        selectinload(Order.shipments),
        selectinload(Order.transitions),
    )


def get_order_by_token(token: str) -> Order | None:
    """The order behind a guest's status link, or None. Tokens are 32 random bytes: guessing is hopeless."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Order).where(Order.status_token == token).options(*_order_options()))


def list_orders_for_user(user_id: int) -> list[Order]:
    """A customer's orders, newest first, with lines and shipments loaded."""
    return list(
        db.session.scalars(
            select(Order).where(Order.user_id == user_id).order_by(Order.placed_at.desc(), Order.id.desc())
            .options(*_order_options())
        )
    )


def goods_gross_by_rate(order: Order) -> dict[int, int]:
    """The goods' gross amount per VAT rate: loose lines at their rate, packages by their components' shares."""
    by_rate: dict[int, int] = defaultdict(int)
    for line in order.lines:
        if line.components:
            for component in line.components:
                by_rate[component.vat_rate] += component.share_cents * line.quantity
        elif line.vat_rate is not None:
            by_rate[line.vat_rate] += line.total_cents
    return dict(by_rate)


def add_fee_by_rate(goods_by_rate: Mapping[int, int], fee_cents: int) -> dict[int, int]:
    """Add the delivery fee to the gross per rate.

    Belgian practice (the ancillary follows the principal): the delivery fee carries the VAT of the goods it
    delivers. With goods at several rates, the fee is split over those rates in proportion to the goods'
    gross value per rate (largest remainder, so the parts sum exactly to the fee).
    """
    result = {rate: gross for rate, gross in goods_by_rate.items()}
    if not fee_cents:
        return result
    rates = sorted(rate for rate, gross in goods_by_rate.items() if gross > 0)
    if not rates:
        result[STANDARD_RATE] = result.get(STANDARD_RATE, 0) + fee_cents
        return result
    parts = split_largest_remainder(fee_cents, [goods_by_rate[rate] for rate in rates])
    for rate, part in zip(rates, parts):
        result[rate] += part
    return result


def order_vat_lines(order: Order) -> list[dict[str, int]]:
    """Base and VAT per rate of the whole order (goods and delivery fee); the gross parts sum to the total."""
    return vat_lines(add_fee_by_rate(goods_gross_by_rate(order), order.delivery_fee_cents))


def priced_cart_vat_lines(priced, fee_cents: int) -> list[dict[str, int]]:
    """The same split for a priced cart (the review step), from its VAT lines per rate."""
    return vat_lines(add_fee_by_rate({line["rate"]: line["gross_cents"] for line in priced.vat_lines}, fee_cents))
