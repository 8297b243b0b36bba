"""A handful of demo orders for the seeded shop, made through the real services (cart, checkout, payment,
lifecycle), so the producer portal shows demand and sales and the back office has orders to fulfil."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from shop.cart.services import add_item, get_or_create_cart
from shop.catalog.models import Producer, Product, ProductStatus
from shop.checkout.services import CheckoutData, place_order
from shop.demo.data import read_json
from shop.extensions import db
from shop.inventory.services import OutOfStock
from shop.orders.lifecycle import transition
from shop.orders.models import Order, OrderStatus, PaymentProvider
from shop.packages.models import Package
from shop.payments.services import abandon, payment_succeeded
from shop.scheduling.days import delivery_days, pickup_days

# The demo orders, in the order they are placed: customer (e-mail), fate (what happens after it is placed) and,
# for an order delivered at home instead of picked up, the delivery address with a gift message or "" (a gift has
# its own recipient).
_ORDERS = read_json("orders.json")
CUSTOMER_NAMES: dict[str, str] = {c["email"]: c["name"] for c in _ORDERS["customers"]}
DEMO_ORDERS: list[dict] = _ORDERS["orders"]


def seed_demo_orders(rng: random.Random, demo_producer: Producer, now: datetime, out: Callable[[str], None]) -> dict:
    """Place one order per entry of DEMO_ORDERS, each with a product of the demo producer, a package and another
    product, for pickup on the next opening days or delivered at home, one as a gift; then move each through the
    lifecycle to its fate."""
    own = db.session.scalars(
        select(Product)
        .where(Product.producer_id == demo_producer.id, Product.status == ProductStatus.PUBLISHED, Product.stock >= 10)
        .order_by(Product.id)
    ).all()
    others = db.session.scalars(
        select(Product)
        .join(Producer)
        .where(Producer.active.is_(True), Product.status == ProductStatus.PUBLISHED, Product.stock >= 20,
               Product.producer_id != demo_producer.id)
        .order_by(Product.id)
        .limit(200)
    ).all()
    packages = db.session.scalars(select(Package).where(Package.active.is_(True)).order_by(Package.id)).all()
    days = pickup_days(now)
    counts = {demo["fate"]: 0 for demo in DEMO_ORDERS}
    for index, demo in enumerate(DEMO_ORDERS):
        email, fate, delivery = demo["customer"], demo["fate"], demo["delivery"]
        name = CUSTOMER_NAMES[email]
        cart = get_or_create_cart(None)
        try:
            if own:
                add_item(cart, product_id=rng.choice(own).id, quantity=rng.randint(1, 3))
            if others:
                add_item(cart, product_id=rng.choice(others).id, quantity=rng.randint(1, 2))
            if packages and rng.random() < 0.6:
                add_item(cart, package_id=rng.choice(packages).id, quantity=1)
            if delivery:
                message = delivery["gift_message"]
                data = CheckoutData(
                    email=email, name=name, method="delivery", recipient_name=delivery.get("recipient_name", name),
                    street=delivery["street"], postcode=delivery["postcode"], city=delivery["city"],
                    desired_date=delivery_days(now)[0], is_gift=bool(message), gift_message=message)
            else:
                data = CheckoutData(email=email, name=name, method="pickup", pickup_date=days[index % min(len(days), 4)])
            order = place_order(cart, data, locale="nl", now=now)
        except (OutOfStock, LookupError) as error:  # a sold-out pick: skip this order rather than fail the seed
            out(f"  demo order {index + 1} skipped: {error}")
            db.session.delete(cart)
            continue
        db.session.delete(cart)
        _apply_fate(order, fate)
        counts[fate] += 1
    db.session.flush()
    total = db.session.query(Order).count()
    out(f"  demo orders: {total} ({', '.join(f'{n} {fate}' for fate, n in sorted(counts.items()) if n)})")
    return {"orders": total}


def _apply_fate(order: Order, fate: str) -> None:
    if fate == "pending":
        return
    if fate == "cancelled":
        abandon(order, actor="demo")
        return
    order.payment_provider = PaymentProvider.DEMO
    payment_succeeded(order, payment_intent_id=f"demo_pi_{order.number}", actor="demo")
    steps = {
        "in_preparation": [OrderStatus.IN_PREPARATION],
        "ready": [OrderStatus.IN_PREPARATION, OrderStatus.READY_FOR_PICKUP],
        "completed": [OrderStatus.IN_PREPARATION, OrderStatus.READY_FOR_PICKUP, OrderStatus.COMPLETED],
    }.get(fate, [])
    for status in steps:
        transition(order, status, actor="demo")
