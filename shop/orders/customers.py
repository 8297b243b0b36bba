"""The orders of one person: those linked to the account or placed with its proven e-mail address.

Accounts reach them through shop.accounts.personal_data (connect_to_accounts, called by create_app): open
orders hold up deleting the account, guest orders are claimed once the address is confirmed, the orders go
into the personal-data export (with what the domains above add to each order: add_export_entry), and deleting
the account erases their contact data but keeps what accounting needs (number, lines, amounts, VAT, invoice,
company billing data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from shop.accounts.export import as_iso
from shop.accounts.models import User
from shop.accounts.personal_data import PersonalDataHolder, add_holder
from shop.accounts.services import normalise_email
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderStatus, OrderTransition, Shipment
from shop.orders.queries import shipment_pickup_windows

# Orders whose contact data is still needed: not completed or cancelled yet.
OPEN_STATUSES = (OrderStatus.QUOTED, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.IN_PREPARATION,
                 OrderStatus.READY_FOR_PICKUP, OrderStatus.SHIPPED)


def orders_of(user: User):
    """Select of the orders about this person: linked to the account or placed with its (proven) e-mail."""
    return select(Order).where(or_(Order.user_id == user.id,
                                   func.lower(Order.email) == normalise_email(user.email)))


def list_open_orders(user: User) -> list[Order]:
    return list(db.session.scalars(orders_of(user).where(Order.status.in_(OPEN_STATUSES)).order_by(Order.id)))


def open_order_numbers(user: User) -> list[str]:
    return [order.number for order in list_open_orders(user)]


def claim_guest_orders(user: User) -> int:
    """Attach the guest orders placed with the user's (now proven) address; how many."""
    return db.session.execute(
        update(Order)
        .where(Order.user_id.is_(None), func.lower(Order.email) == normalise_email(user.email))
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount


def _order(order: Order, windows: dict[int, tuple[str, str]]) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status.value,
        "placed_at": as_iso(order.placed_at),
        "paid_at": as_iso(order.paid_at),
        "cancelled_at": as_iso(order.cancelled_at),
        "locale": order.locale,
        "contact": {"name": order.name, "email": order.email, "phone": order.phone},
        "billing": {
            "company_name": order.company_name,
            "vat_number": order.vat_number,
            "street": order.billing_street,
            "postcode": order.billing_postcode,
            "city": order.billing_city,
        },
        "goods_cents": order.goods_cents,
        "delivery_fee_cents": order.delivery_fee_cents,
        "total_cents": order.total_cents,
        "refunded_cents": order.refunded_cents,
        "lines": [
            {
                "name": line.name,
                "unit": line.unit,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price_cents,
                "total_cents": line.total_cents,
                "vat_rate": line.vat_rate,
                "components": [
                    {"name": c.name, "quantity": c.quantity, "vat_rate": c.vat_rate, "share_cents": c.share_cents}
                    for c in line.components
                ],
            }
            for line in order.lines
        ],
        "shipments": [
            {
                "method": shipment.method.value,
                "scheduled_date": as_iso(shipment.scheduled_date),
                # The pickup hour chosen, as ["10:00", "11:00"] (None without one).
                "pickup_window": list(windows[shipment.id]) if shipment.id in windows else None,
                "recipient_name": shipment.recipient_name,
                "street": shipment.street,
                "postcode": shipment.postcode,
                "city": shipment.city,
                "country": shipment.country,
                "is_gift": shipment.is_gift,
                "gift_message": shipment.gift_message,
                "tracking_reference": shipment.tracking_reference,
            }
            for shipment in order.shipments
        ],
        "refunds": [
            {"amount_cents": refund.amount_cents, "status": refund.status, "created_at": as_iso(refund.created_at)}
            for refund in order.refunds
        ],
    }


# entry name -> function giving, for the exported orders, each one's entry by order id (an order left out gets
# None); added by the domains above orders that keep something per order (the document billing it), so that
# it is exported with its order.
ExportEntries = Callable[[Sequence[Order]], dict[int, Any]]
_EXPORT_ENTRIES: dict[str, ExportEntries] = {}


def add_export_entry(name: str, entries: ExportEntries) -> None:
    """Export every order with ``name``: what ``entries(orders)`` gives for its id, or None (replaces a former
    function under that name)."""
    _EXPORT_ENTRIES[name] = entries


def export_orders(user: User) -> dict[str, Any]:
    """The person's orders with lines, shipments, gift messages, refunds and the entries the domains above add
    (the billing document with its buyer data)."""
    orders = db.session.scalars(
        orders_of(user)
        .options(
            selectinload(Order.lines).selectinload(OrderLine.components),
            selectinload(Order.shipments),
            selectinload(Order.refunds),
        )
        .order_by(Order.placed_at, Order.id)
    ).all()
    added = {name: entries(orders) for name, entries in _EXPORT_ENTRIES.items()}
    windows = shipment_pickup_windows(shipment for order in orders for shipment in order.shipments)
    return {"orders": [_order(order, windows) | {name: found.get(order.id) for name, found in added.items()}
                       for order in orders]}


def erase_contact_data(user: User, *, old_email: str, anonymous: str) -> None:
    """The orders keep their accounting data and lose name, e-mail, phone, recipient, street, gift message
    and tracking reference; transitions by the person no longer name them."""
    order_ids = list(db.session.scalars(orders_of(user).with_only_columns(Order.id)))
    if order_ids:
        db.session.execute(
            update(Order).where(Order.id.in_(order_ids))
            .values(user_id=user.id, email=anonymous, name="", phone="")
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Shipment).where(Shipment.order_id.in_(order_ids))
            .values(recipient_name="", street="", gift_message="", tracking_reference="")
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(OrderTransition)
            .where(OrderTransition.order_id.in_(order_ids), func.lower(OrderTransition.actor) == old_email)
            .values(actor="deleted user")
            .execution_options(synchronize_session=False)
        )


def connect_to_accounts() -> None:
    add_holder(PersonalDataHolder("orders", open_matters=open_order_numbers, claim=claim_guest_orders,
                                  export=export_orders, erase=erase_contact_data))
