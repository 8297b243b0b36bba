"""Placing an order: the cart becomes an order with snapshots, its stock is taken, all in one transaction."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from shop.accounts.company import CompanyDetails, check_company_details
from shop.catalog.models import Product
from shop.checkout.delivery import DeliveryError, ShipmentPlan, check_place, plan_shipment
from shop.core.clock import shop_now
from shop.core.db import utcnow
from shop.core.errors import DomainError
from shop.core.numbering import next_order_number
from shop.core.observability import current_request_id
from shop.core.vat_number import normalise_purchase_order
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import OutOfStock, take_stock
from shop.orders.models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    OrderTransition,
    PaymentProvider,
    Shipment,
)
from shop.packages.models import Package
from shop.payments.gateway import configured_provider
from shop.scheduling.days import delivery_days
from shop.scheduling.models import SlotKind
from shop.scheduling.services import (
    SlotError,
    SlotFull,
    SlotRequest,
    delivery_slots,
    first_delivery_day_with_room,
    first_pickup_hour_with_room,
    parse_hour,
    pickup_slots,
    take_slots,
)


class EmptyCart(DomainError):
    pass


class CartChanged(DomainError):
    """The cart cannot be ordered as it is (a product gone, not enough stock): the customer looks again."""


class OrderOutOfStock(OutOfStock):
    """OutOfStock at the moment of ordering, with a message naming the product."""

    def __init__(self, product_id: int, wanted: int, name: str):
        super().__init__(product_id, wanted)
        self.message = _l(
            "Van %(name)s is intussen niet genoeg voorraad meer. Pas je winkelmand aan en probeer opnieuw."
        )
        self.params = {"name": name}
        self.args = (str(self),)


@dataclass
class CheckoutData:
    """What the customer filled in on the checkout page (already validated for form and format)."""

    email: str
    name: str
    method: str  # DeliveryMethod value
    phone: str = ""
    pickup_date: date | None = None
    pickup_time: str = ""  # the pickup hour's start ("10:00"); empty: the first hour of the day with room
    recipient_name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    desired_date: date | None = None
    is_gift: bool = False
    gift_message: str = ""
    hide_prices: bool = True
    is_company: bool = False
    company_name: str = ""
    vat_number: str = ""
    billing_street: str = ""
    billing_postcode: str = ""
    billing_city: str = ""
    purchase_order: str = ""
    peppol_id: str = ""  # as typed; empty: the company's default (0208:<enterprise number>)

    def company_details(self) -> CompanyDetails:
        return CompanyDetails(legal_name=self.company_name, vat_number=self.vat_number, street=self.billing_street,
                              postcode=self.billing_postcode, city=self.billing_city, peppol_id=self.peppol_id)

    @property
    def participant_id(self) -> str:
        """The company's Peppol participant id (the default when none was typed); empty for a consumer."""
        return self.company_details().participant_id if self.is_company and self.vat_number else ""

    def to_session(self) -> dict:
        """Plain JSON values for the Flask session (dates as ISO strings)."""
        values = asdict(self)
        for key in ("pickup_date", "desired_date"):
            values[key] = values[key].isoformat() if values[key] else None
        return values

    @classmethod
    def from_session(cls, values: dict | None) -> CheckoutData | None:
        if not values:
            return None
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in values.items() if k in known}
        try:
            for key in ("pickup_date", "desired_date"):
                data[key] = date.fromisoformat(data[key]) if data.get(key) else None
            return cls(**data)
        except (TypeError, ValueError):
            return None


def plan_for(data: CheckoutData, priced, now: datetime | None = None) -> ShipmentPlan:
    """The delivery rules applied to ``data`` and a priced cart, the places of its addresses checked against
    their postcodes, and the chosen slot checked for room (raises DeliveryError). A pickup without a chosen hour
    gets the first hour of its day with room (``data.pickup_time`` is filled in)."""
    if data.method == DeliveryMethod.DELIVERY:
        check_place(data.postcode.strip(), data.city.strip(), field="city")
    if data.is_company:
        check_place(data.billing_postcode.strip(), data.billing_city.strip(), field="billing_city",
                    postcode_field="billing_postcode")
    now = now or shop_now()
    plan = plan_shipment(
        data.method,
        goods_cents=priced.goods_cents,
        has_perishables=priced.has_perishables,
        pickup_date=data.pickup_date,
        postcode=data.postcode,
        desired_date=data.desired_date,
        now=now,
    )
    check_slot_room(data, plan, now)
    return plan


def check_slot_room(data: CheckoutData, plan: ShipmentPlan, now: datetime) -> None:
    """The chosen pickup hour or delivery day still has room (read only: taking it is place_order's).

    Raises DeliveryError on ``pickup_time`` (that hour is full, naming the hours still free), ``pickup_date``
    (every hour of the day is full) or ``desired_date`` (the day is full; or, as soon as possible, no day has room).
    """
    day_words = format_date(plan.scheduled_date, "EEEE d MMMM") if plan.scheduled_date else ""
    if plan.method == DeliveryMethod.PICKUP:
        slots = pickup_slots([plan.scheduled_date], now=now)[plan.scheduled_date]
        free = [slot.key for slot in slots if not slot.is_full]
        if not free:
            raise DeliveryError(_l("Op %(date)s is elk afhaaluur volzet. Kies een andere dag."), field="pickup_date",
                                date=day_words)
        if not data.pickup_time:
            data.pickup_time = free[0]
        elif data.pickup_time not in {slot.key for slot in slots}:
            raise DeliveryError(_l("Kies een afhaaluur uit de lijst."), field="pickup_time")
        elif data.pickup_time not in free:
            raise DeliveryError(_l("Om %(hour)s is er op %(date)s geen plaats meer. Nog vrij: %(free)s."),
                                field="pickup_time", hour=data.pickup_time, date=day_words, free=", ".join(free))
        return
    if plan.scheduled_date is not None:
        if delivery_slots([plan.scheduled_date])[0].is_full:
            raise DeliveryError(_l("Op %(date)s is de levering volzet. Kies een andere leverdag."),
                                field="desired_date", date=day_words)
    elif first_delivery_day_with_room(delivery_days(now)) is None:
        raise DeliveryError(_l("Er is geen leverdag met plaats meer vrij. Haal je bestelling af of probeer later."),
                            field="desired_date")


def check_cart(priced, locale: str = "nl") -> None:
    """Raises EmptyCart for an empty cart, CartChanged for a line no longer for sale, and OrderOutOfStock
    (an OutOfStock) for a line the stock cannot cover, naming it."""
    if not priced.lines:
        raise EmptyCart(_l("Je winkelmand is leeg."))
    if not priced.problems:
        return
    for line in priced.lines:
        if line.problem and not line.for_sale:
            raise CartChanged(_l("Je winkelmand is gewijzigd: %(problem)s"), problem=str(line.problem))
    for line in priced.lines:
        if line.problem or line.available < line.quantity:
            if line.product is not None:
                raise OrderOutOfStock(line.product.id, line.quantity, line.product.t("name", locale))
            scarcest = min(line.package.components, key=lambda c: c.product.stock // c.quantity)
            raise OrderOutOfStock(scarcest.product_id, line.quantity * scarcest.quantity, line.package.t("name", locale))
    raise CartChanged(_l("Je winkelmand is gewijzigd: %(problem)s"), problem=str(priced.problems[0]))


def order_line(item: Product | Package, *, quantity: int, unit_price_cents: int, total_cents: int,
               vat_rate: int | None, perishable: bool, shares, locale: str) -> OrderLine:
    """A product or package as sold, snapshotted: its name in the order's locale, unit, price, VAT rate, and for
    a package each component's producer, name, list price, rate and share of the price (``shares``: the
    packages' component shares). The checkout and the gift lists sell through it."""
    is_product = isinstance(item, Product)
    line = OrderLine(
        product_id=item.id if is_product else None,
        package_id=None if is_product else item.id,
        name=item.t("name", locale),
        unit=item.unit if is_product else "",
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        total_cents=total_cents,
        vat_rate=vat_rate,
        perishable=perishable,
    )
    for share in shares:
        line.components.append(OrderLineComponent(
            product_id=share.product.id, producer_id=share.product.producer_id, name=share.product.t("name", locale),
            quantity=share.quantity, list_price_cents=share.product.price_cents, vat_rate=share.vat_rate,
            share_cents=share.share_cents,
        ))
    return line


def new_order(*, by, email: str, name: str, phone: str = "", company: CompanyDetails | None = None,
              purchase_order: str = "", goods_cents: int, delivery_fee_cents: int, locale: str,
              note: str = "") -> Order:
    """A new order for a buyer, awaiting payment: the one builder of the checkout's and the gift lists' orders.

    Its buyer (``by``, None for a guest) with the contact data as typed (trimmed), the company's details as
    ``check_company_details`` normalised them (None: a consumer), the purchase-order reference, the amounts
    (the total is goods plus delivery), the provider it will be paid with, a secret status-link token, the
    request that placed it, the terms accepted now, and its first transition (placed by the customer, with
    ``note``). Not yet in the session and without a number: the caller adds the shipments and lines, takes the
    stock, then numbers it (``next_order_number``) as late as it can."""
    return Order(
        status=OrderStatus.PENDING_PAYMENT,
        # The provider it will be paid with, known from the start: an order whose payment session was never
        # recorded (a crash in between) is still settled at the right provider (shop.payments.reconcile).
        payment_provider=PaymentProvider(configured_provider()),
        request_id=current_request_id(),
        status_token=secrets.token_urlsafe(32),
        user_id=getattr(by, "id", None),
        locale=locale,
        email=email.strip(),
        name=name.strip(),
        phone=phone.strip(),
        company_name=company.legal_name if company else "",
        vat_number=company.vat_number if company else "",
        billing_street=company.street if company else "",
        billing_postcode=company.postcode if company else "",
        billing_city=company.city if company else "",
        purchase_order=purchase_order,
        peppol_id=company.participant_id if company else "",
        goods_cents=goods_cents,
        delivery_fee_cents=delivery_fee_cents,
        total_cents=goods_cents + delivery_fee_cents,
        terms_accepted_at=utcnow(),
        transitions=[OrderTransition(from_status=None, to_status=OrderStatus.PENDING_PAYMENT,
                                     by_user_id=getattr(by, "id", None), actor="customer", note=note)],
    )


def place_order(cart, data: CheckoutData, *, by=None, locale: str = "nl", day: date | None = None,
                now: datetime | None = None, priced=None) -> Order:
    """Turn ``cart`` into an order awaiting payment, in the caller's transaction (the caller commits).

    Re-prices the cart from the database (``priced``: the caller priced it already, in this transaction, with
    ``price_cart(cart, day)``), applies the delivery rules, snapshots every line (name in the order's locale,
    unit, unit price, VAT rate, perishable; package components with producer, list price, rate and share),
    empties the cart, takes the stock and numbers the order.

    An order for a company stores the company's details as ``check_company_details`` normalises them, its
    purchase-order reference and its Peppol participant id (the default 0208:<enterprise number> when none was
    given).

    Takes the shipment's slot after the stock (shop.scheduling.services.take_slots): the chosen pickup hour
    (none chosen: the first hour of the day with room), or one parcel of the chosen delivery day (none chosen:
    the first delivery day with room). A slot that is full or closed raises DeliveryError on the field to
    change (``pickup_time``, ``pickup_date`` or ``desired_date``).

    Raises EmptyCart, CartChanged, DeliveryError, InvalidCompanyDetails or InvalidPurchaseOrder (an
    InvalidCompanyData), or OrderOutOfStock (an OutOfStock naming the product); on any of them the caller
    rolls back and nothing is created.
    """
    from shop.cart.services import clear_cart, price_cart

    now = now or shop_now()
    day = day or now.date()
    if cart is None:
        raise EmptyCart(_l("Je winkelmand is leeg."))
    company = None
    purchase_order = ""
    if data.is_company:
        company = check_company_details(data.company_details())
        purchase_order = normalise_purchase_order(data.purchase_order)
    if priced is None:
        priced = price_cart(cart, day)
    check_cart(priced, locale)
    plan = plan_for(data, priced, now)

    is_delivery = plan.method == DeliveryMethod.DELIVERY
    order = new_order(by=by, email=data.email, name=data.name, phone=data.phone, company=company,
                      purchase_order=purchase_order, goods_cents=priced.goods_cents, delivery_fee_cents=plan.fee_cents,
                      locale=locale)
    shipment = Shipment(
        method=plan.method,
        scheduled_date=plan.scheduled_date,
        recipient_name=(data.recipient_name.strip() or data.name.strip()) if is_delivery else data.name.strip(),
        street=data.street.strip() if is_delivery else "",
        postcode=data.postcode.strip() if is_delivery else "",
        city=data.city.strip() if is_delivery else "",
        zone=plan.zone,
        fee_cents=plan.fee_cents,
        is_gift=data.is_gift,
        gift_message=data.gift_message.strip() if data.is_gift else "",
        hide_prices=data.hide_prices if data.is_gift else True,
    )
    order.shipments.append(shipment)
    for priced_line in priced.lines:
        line = order_line(priced_line.product or priced_line.package, quantity=priced_line.quantity,
                          unit_price_cents=priced_line.unit_price_cents, total_cents=priced_line.total_cents,
                          vat_rate=priced_line.vat_rate, perishable=priced_line.perishable,
                          shares=priced_line.components, locale=locale)
        order.lines.append(line)
        shipment.lines.append(line)
    # The cart is emptied before the stock is taken: its rows are the buyer's own, and nothing should stand
    # between taking the stock rows' locks and the commit that frees them but what needs them. Nothing to empty:
    # another placing of this cart emptied it since it was priced (the button clicked twice), with its order.
    if clear_cart(cart) == 0:
        raise EmptyCart(_l("Je winkelmand is leeg."))
    try:
        movements = take_stock(priced.stock_quantities, MovementReason.ORDER, by=by)
    except OutOfStock as error:
        product = db.session.get(Product, error.product_id)
        raise OrderOutOfStock(error.product_id, error.wanted, product.t("name", locale) if product else "?") from error
    # The number late: its counter row stays locked until the caller commits, and every other buyer waits for
    # it, so nothing comes after it but writing the order and its slot booking (which needs the order's id).
    # The order (and the stock movements, which carry its number) are written only now, in one flush, so that
    # no flush before writes them without it. Every placing takes its locks in this order: stock rows, the
    # counter, then the slot.
    with db.session.no_autoflush:  # the movements wait for their note
        order.number = next_order_number(day.year)
    for movement in movements:
        movement.note = order.number
    db.session.add(order)
    db.session.flush()
    take_shipment_slot(order.id, shipment, data, now)
    return order


def take_shipment_slot(order_id: int, shipment: Shipment, data: CheckoutData, now: datetime) -> None:
    """Hold the shipment's slot: its pickup hour, or one parcel of its delivery day (see place_order).

    Raises DeliveryError naming the checkout field to change when the slot is full, closed or not offered.
    """
    if shipment.method == DeliveryMethod.PICKUP:
        day = shipment.scheduled_date
        start = parse_hour(data.pickup_time) if data.pickup_time else first_pickup_hour_with_room(day, now=now)
        if start is None:
            raise DeliveryError(_l("Op deze dag is er geen afhaaluur meer vrij. Kies een andere dag."),
                                field="pickup_date")
        request = SlotRequest(SlotKind.PICKUP, day, start, shipment_id=shipment.id)
        field = "pickup_time"
    else:
        day = shipment.scheduled_date or first_delivery_day_with_room(delivery_days(now))
        if day is None:
            raise DeliveryError(_l("Er is geen leverdag met plaats meer vrij. Haal je bestelling af of probeer later."),
                                field="desired_date")
        request = SlotRequest(SlotKind.DELIVERY, day, shipment_id=shipment.id)
        field = "desired_date"
    try:
        take_slots(order_id, [request], now=now)
    except SlotError as error:
        if isinstance(error, SlotFull) or error.start is not None:
            raise DeliveryError(error.message, field=field, **error.params) from error
        raise DeliveryError(error.message, field="pickup_date" if field == "pickup_time" else field,
                            **error.params) from error

