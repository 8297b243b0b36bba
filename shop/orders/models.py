"""Orders: contact, billing, shipments, lines with their snapshots, transitions, refunds and staff notes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.core.db import Base, Cents, Timestamped, str_enum, utcnow


class OrderStatus(StrEnum):
    QUOTED = "quoted"  # a company's quote: stock held until it is accepted (then pending_payment) or expires
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    IN_PREPARATION = "in_preparation"
    READY_FOR_PICKUP = "ready_for_pickup"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The word staff read (back office, pick lists): "In voorbereiding"."""
        return ORDER_STATUS_WORDS[self][0]

    @property
    def customer_label(self) -> str:
        """The word the customer reads (order status page, history): "Wordt klaargemaakt"."""
        return ORDER_STATUS_WORDS[self][1]


# The words for each status, in one table: (for staff, for the customer).
ORDER_STATUS_WORDS = {
    OrderStatus.QUOTED: (_l("Offerte"), _l("Offerte: wacht op je akkoord")),
    OrderStatus.PENDING_PAYMENT: (_l("Wacht op betaling"), _l("Wacht op betaling")),
    OrderStatus.PAID: (_l("Betaald"), _l("Betaald")),
    OrderStatus.IN_PREPARATION: (_l("In voorbereiding"), _l("Wordt klaargemaakt")),
    OrderStatus.READY_FOR_PICKUP: (_l("Klaar om af te halen"), _l("Ligt klaar om af te halen")),
    OrderStatus.SHIPPED: (_l("Verzonden"), _l("Onderweg")),
    OrderStatus.COMPLETED: (_l("Afgerond"), _l("Afgerond")),
    OrderStatus.CANCELLED: (_l("Geannuleerd"), _l("Geannuleerd")),
}


class DeliveryMethod(StrEnum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


class ShipmentState(StrEnum):
    """Where one shipment stands: still to prepare, shipped (delivery, with a tracking reference), or delivered
    (a delivery that arrived, or a pickup handed over). The order's status follows its shipments
    (shop.orders.shipments)."""

    TO_PREPARE = "to_prepare"
    SHIPPED = "shipped"
    DELIVERED = "delivered"

    def label_for(self, method: DeliveryMethod) -> str:
        """The word staff and customers read, by how the shipment is handed over ("Afgehaald" for a pickup)."""
        if self == ShipmentState.DELIVERED and method == DeliveryMethod.PICKUP:
            return str(_l("Afgehaald"))
        return str(SHIPMENT_STATE_WORDS[self])


SHIPMENT_STATE_WORDS = {
    ShipmentState.TO_PREPARE: _l("Wordt klaargemaakt"),
    ShipmentState.SHIPPED: _l("Verzonden"),
    ShipmentState.DELIVERED: _l("Geleverd"),
}


class PaymentProvider(StrEnum):
    STRIPE = "stripe"
    DEMO = "demo"
    TRANSFER = "transfer"  # a bank transfer with a structured reference (an accepted quote); no provider to ask


class PaymentStatus(StrEnum):
    """Where the order's payment stands (``Order.payment_status``); the order's own status says what it means."""

    NOT_STARTED = ""  # placed, no payment session yet
    UNPAID = "unpaid"  # a session is open, nothing paid yet
    PROCESSING = "processing"  # checkout completed, the money is on its way (an async method)
    PAID = "paid"
    FAILED = "failed"  # the payment failed: the order was cancelled
    EXPIRED = "expired"  # the session expired unpaid: the order was cancelled
    ABANDONED = "abandoned"  # the customer gave up paying: the order was cancelled
    PAID_AFTER_CANCELLATION = "paid_after_cancellation"  # paid once cancelled: refunded in full, order flagged

    @property
    def label(self) -> str:
        """The word staff read (back office): "Betaald na annulering"."""
        return PAYMENT_STATUS_WORDS[self]


# The words for each payment status, in one table.
PAYMENT_STATUS_WORDS = {
    PaymentStatus.NOT_STARTED: "–",
    PaymentStatus.UNPAID: _l("Wacht op betaling"),
    PaymentStatus.PROCESSING: _l("Onderweg"),
    PaymentStatus.PAID: _l("Betaald"),
    PaymentStatus.FAILED: _l("Betaling mislukt"),
    PaymentStatus.EXPIRED: _l("Betaalsessie verlopen"),
    PaymentStatus.ABANDONED: _l("Afgebroken door de klant"),
    PaymentStatus.PAID_AFTER_CANCELLATION: _l("Betaald na annulering (terugbetaald)"),
}


class Order(Timestamped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= total_cents", name="refund_within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus), default=OrderStatus.PENDING_PAYMENT, index=True)
    # The secret of the guest's order-status link (urlsafe, 32 bytes of randomness).
    status_token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="nl")

    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(160))
    phone: Mapped[str] = mapped_column(String(40), default="")

    # Company invoice (optional): company name, Belgian VAT number (BE0123456789), billing address.
    company_name: Mapped[str] = mapped_column(String(160), default="")
    vat_number: Mapped[str] = mapped_column(String(14), default="")
    billing_street: Mapped[str] = mapped_column(String(160), default="")
    billing_postcode: Mapped[str] = mapped_column(String(10), default="")
    billing_city: Mapped[str] = mapped_column(String(120), default="")
    # The company's purchase-order reference (optional; the e-invoice's BuyerReference) and Peppol participant id
    # (scheme:identifier, by default 0208:<enterprise number>), as given at checkout.
    purchase_order: Mapped[str] = mapped_column(String(50), default="")
    peppol_id: Mapped[str] = mapped_column(String(60), default="")

    goods_cents: Mapped[Cents] = mapped_column(default=0)
    delivery_fee_cents: Mapped[Cents] = mapped_column(default=0)
    total_cents: Mapped[Cents] = mapped_column(default=0)
    refunded_cents: Mapped[Cents] = mapped_column(default=0)

    terms_accepted_at: Mapped[datetime | None]
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The id of the request that placed it (shop.core.observability): in the logs, on Stripe's session metadata.
    request_id: Mapped[str] = mapped_column(String(64), default="")
    paid_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    stock_returned: Mapped[bool] = mapped_column(Boolean, default=False)

    payment_provider: Mapped[PaymentProvider] = mapped_column(str_enum(PaymentProvider, 10), default=PaymentProvider.DEMO)
    payment_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, 40), default=PaymentStatus.NOT_STARTED)

    # Set when something needs a person: e.g. a payment that arrived after the order was cancelled.
    # A quote (shop.orders.quotes): its number in its own series (OFF-2026-000001) and the last day it can be
    # accepted (Brussels). Paid by transfer (shop.payments.transfers): the structured reference the transfer
    # must carry (+++123/4567/89012+++) and the last day of the payment term.
    quote_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    quote_valid_until: Mapped[date | None]
    transfer_reference: Mapped[str | None] = mapped_column(String(21), unique=True)
    payment_due_date: Mapped[date | None]

    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    attention_note: Mapped[str] = mapped_column(Text, default="")

    shipments: Mapped[list[Shipment]] = relationship(back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id")
    transitions: Mapped[list[OrderTransition]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderTransition.id"
    )
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", cascade="all, delete-orphan", order_by="Refund.id")
    notes: Mapped[list[OrderNote]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                  order_by="OrderNote.id")

    @property
    def shipment(self) -> Shipment | None:
        """The order's first shipment, or None when it has none (yet).

        Today every placed order has exactly one; a company order will send to many recipients, one shipment
        each. Every page, mail and document that shows "the" shipment reads it here.
        """
        return self.shipments[0] if self.shipments else None

    @property
    def is_company(self) -> bool:
        return bool(self.vat_number)

    @property
    def enterprise_number(self) -> str:
        """The company's enterprise number (the VAT number's ten digits), empty for a consumer."""
        return self.vat_number[2:] if self.vat_number else ""


class Shipment(Base):
    """Where and when the goods go: pickup at the Groot Vleeshuis or home delivery, possibly as a gift."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[DeliveryMethod] = mapped_column(str_enum(DeliveryMethod, 10))
    scheduled_date: Mapped[date | None]  # pickup day, or the desired delivery day
    recipient_name: Mapped[str] = mapped_column(String(160), default="")
    street: Mapped[str] = mapped_column(String(160), default="")
    postcode: Mapped[str] = mapped_column(String(4), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="BE")
    zone: Mapped[str] = mapped_column(String(40), default="")
    fee_cents: Mapped[Cents] = mapped_column(default=0)
    is_gift: Mapped[bool] = mapped_column(Boolean, default=False)
    gift_message: Mapped[str] = mapped_column(String(300), default="")
    hide_prices: Mapped[bool] = mapped_column(Boolean, default=True)
    tracking_reference: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[ShipmentState] = mapped_column(str_enum(ShipmentState, 12), default=ShipmentState.TO_PREPARE,
                                                 index=True)
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="shipments")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="shipment", order_by="OrderLine.id")

    @property
    def is_delivery(self) -> bool:
        return self.method == DeliveryMethod.DELIVERY

    @property
    def state_label(self) -> str:
        return self.state.label_for(self.method)

    @property
    def can_ship(self) -> bool:
        """A delivery still to prepare can be marked shipped (shop.orders.shipments.ship_shipment)."""
        return self.is_delivery and self.state == ShipmentState.TO_PREPARE

    @property
    def can_deliver(self) -> bool:
        """A shipped delivery can be marked delivered (shop.orders.shipments.deliver_shipment)."""
        return self.state == ShipmentState.SHIPPED


class OrderLine(Base):
    """A product or package as sold: name, unit price and (for products) VAT rate are snapshots."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("(product_id IS NULL) <> (package_id IS NULL)", name="product_xor_package"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(60), default="")
    quantity: Mapped[int]
    unit_price_cents: Mapped[Cents]
    total_cents: Mapped[Cents]
    vat_rate: Mapped[int | None]  # products only; a package's VAT is in its components
    perishable: Mapped[bool] = mapped_column(Boolean, default=False)

    order: Mapped[Order] = relationship(back_populates="lines")
    shipment: Mapped[Shipment | None] = relationship(back_populates="lines")
    components: Mapped[list[OrderLineComponent]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="OrderLineComponent.id"
    )


class OrderLineComponent(Base):
    """One component of a sold package, per package unit, with its share of the package price."""

    __tablename__ = "order_line_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]  # per package
    list_price_cents: Mapped[Cents]  # the product's unit price when sold
    vat_rate: Mapped[int]
    share_cents: Mapped[Cents]  # share of ONE package's price (shares of a package sum to its price)

    line: Mapped[OrderLine] = relationship(back_populates="components")


class OrderTransition(Base):
    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(str_enum(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(120), default="")  # "customer", "stripe", "system", a user's e-mail
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="transitions")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[Cents]
    reason: Mapped[str] = mapped_column(Text, default="")
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(40), default="pending")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The one-time key of the back-office form that asked for it: a replayed form finds it and refunds nothing.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # What the refund pays back per VAT rate, when the refunding path knows it (a missing product of a package
    # at its own rate): [{"rate": 6, "gross_cents": 250}, ...]. Empty: the credit note splits the amount over
    # what is left on the invoice per rate.
    vat_split: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="refunds")


class OrderNote(Base):
    """An internal note of staff on an order (never shown to the customer)."""

    __tablename__ = "order_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(254), default="")  # the user's e-mail when written
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="notes")
