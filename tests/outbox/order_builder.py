"""A local order builder for the outbox, invoice and notification tests (no shared order factory exists yet).

Builds, directly with the models, an order with one shipment, two loose products (6 % and 21 % VAT) and a
gift package whose components are split over both rates.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date

from shop.core.db import utcnow
from shop.core.money import split_largest_remainder
from shop.extensions import db
from shop.orders.models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    PaymentProvider,
    Shipment,
)
from tests.factories import make_product, make_vat_category

_numbers = itertools.count(1)


def build_order(
    *,
    locale: str = "nl",
    method: DeliveryMethod = DeliveryMethod.PICKUP,
    status: OrderStatus = OrderStatus.PAID,
    gift_message: str = "",
    company: bool = False,
    delivery_fee_cents: int | None = None,
    email: str = "an.devos@example.be",
) -> Order:
    """Goods: 2 × Gentse mokken (4,50, 6 %), 1 × jenever (24,50, 21 %), 2 × Kerstpakket (35,00: kaas + jenever)."""
    food = make_vat_category("food", 6)
    alcohol = make_vat_category("alcohol", 21)
    mokken = make_product("Gentse mokken", vat=food, price_cents=450, unit="250 g")
    jenever = make_product("Oude graanjenever", vat=alcohol, price_cents=2450, unit="50 cl", perishable=False)
    kaas = make_product("Hoevekaas", vat=food, price_cents=900, unit="500 g")
    n = next(_numbers)
    fee = delivery_fee_cents if delivery_fee_cents is not None else (695 if method == DeliveryMethod.DELIVERY else 0)
    package_price = 3500
    shares = split_largest_remainder(package_price, [900, 2450])
    order = Order(
        number=f"LOV-2026-{900000 + n:06d}",
        status=status,
        status_token=secrets.token_urlsafe(32),
        locale=locale,
        email=email,
        name="An De Vos",
        phone="0470 12 34 56",
        payment_provider=PaymentProvider.DEMO,
        payment_session_id=f"demo_{secrets.token_hex(8)}",
        payment_intent_id=f"pi_demo_{n}",
        paid_at=utcnow() if status != OrderStatus.PENDING_PAYMENT else None,
    )
    if company:
        order.company_name = "Brouwerij Het Anker Gent bv"
        order.vat_number = "BE0123456749"
        order.billing_street = "Korenmarkt 1"
        order.billing_postcode = "9000"
        order.billing_city = "Gent"
    shipment = Shipment(method=method, scheduled_date=date(2026, 12, 22), fee_cents=fee)
    if method == DeliveryMethod.DELIVERY:
        shipment.recipient_name = "Marie Claes" if gift_message else "An De Vos"
        shipment.street = "Veldstraat 10"
        shipment.postcode = "9000"
        shipment.city = "Gent"
        shipment.zone = "oost-vlaanderen"
    if gift_message:
        shipment.is_gift = True
        shipment.gift_message = gift_message
        shipment.recipient_name = shipment.recipient_name or "Marie Claes"
    order.shipments.append(shipment)
    lines = [
        OrderLine(product_id=mokken.id, name="Gentse mokken", unit="250 g", quantity=2, unit_price_cents=450,
                  total_cents=900, vat_rate=6, perishable=True),
        OrderLine(product_id=jenever.id, name="Oude graanjenever", unit="50 cl", quantity=1, unit_price_cents=2450,
                  total_cents=2450, vat_rate=21),
    ]
    package_line = OrderLine(package_id=_package_id(kaas, jenever), name="Kerstpakket Groot Vleeshuis", quantity=2,
                             unit_price_cents=package_price, total_cents=2 * package_price, vat_rate=None,
                             perishable=True)
    package_line.components = [
        OrderLineComponent(product_id=kaas.id, producer_id=kaas.producer_id, name="Hoevekaas", quantity=1,
                           list_price_cents=900, vat_rate=6, share_cents=shares[0]),
        OrderLineComponent(product_id=jenever.id, producer_id=jenever.producer_id, name="Oude graanjenever",
                           quantity=1, list_price_cents=2450, vat_rate=21, share_cents=shares[1]),
    ]
    lines.append(package_line)
    for line in lines:
        line.shipment = shipment
        order.lines.append(line)
    order.goods_cents = sum(line.total_cents for line in lines)
    order.delivery_fee_cents = fee
    order.total_cents = order.goods_cents + fee
    db.session.add(order)
    db.session.flush()
    return order


def _package_id(*products) -> int:
    from tests.factories import make_package

    return make_package([(product, 1) for product in products], name="Kerstpakket Groot Vleeshuis").id
