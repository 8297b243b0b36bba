"""Everything the shop holds on one person, as JSON-ready data (GDPR art. 15 and 20)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.accounts.services import normalise_email, orders_of
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from shop.outbox.models import OutboxMessage

EXPORT_VERSION = 1


def _when(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _order(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status.value,
        "placed_at": _when(order.placed_at),
        "paid_at": _when(order.paid_at),
        "cancelled_at": _when(order.cancelled_at),
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
                "scheduled_date": _when(shipment.scheduled_date),
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
            {"amount_cents": refund.amount_cents, "status": refund.status, "created_at": _when(refund.created_at)}
            for refund in order.refunds
        ],
        "invoice": None if order.invoice is None else {
            "number": order.invoice.number,
            "issued_at": _when(order.invoice.issued_at),
            "buyer": order.invoice.buyer,
            "total_cents": order.invoice.total_cents,
        },
    }


def export_personal_data(user) -> dict[str, Any]:
    """Profile, orders (lines, shipments, gift messages, invoices' buyer data) and the mails sent to the
    person's address (kind, subject, dates; not the bodies, which repeat the order data)."""
    orders = db.session.scalars(
        orders_of(user)
        .options(
            selectinload(Order.lines).selectinload(OrderLine.components),
            selectinload(Order.shipments),
            selectinload(Order.refunds),
            selectinload(Order.invoice),
        )
        .order_by(Order.placed_at, Order.id)
    ).all()
    mails = db.session.scalars(
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.to_address) == normalise_email(user.email))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    return {
        "export_version": EXPORT_VERSION,
        "profile": {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "producer": user.producer.name if user.producer is not None else None,
            "locale": user.locale,
            "active": user.active,
            "created_at": _when(getattr(user, "created_at", None)),
        },
        "orders": [_order(order) for order in orders],
        "emails": [
            {
                "kind": mail.kind,
                "subject": mail.subject,
                "status": mail.status.value,
                "created_at": _when(mail.created_at),
                "sent_at": _when(mail.sent_at),
            }
            for mail in mails
        ],
    }
