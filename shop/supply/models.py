"""Supply from producers: shortage reports and the weekly producer order lists."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.core.db import Base, Cents, str_enum, utcnow

if TYPE_CHECKING:
    from shop.catalog.models import Producer, Product
    from shop.orders.models import Refund


class ShortageStatus(StrEnum):
    OPEN = "open"
    SUBSTITUTED = "substituted"
    REFUNDED = "refunded"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The short word staff read: "vervangen"."""
        return SHORTAGE_STATUS_WORDS[self][0]

    @property
    def producer_label(self) -> str:
        """What the producer who reported it reads: "Vervangen door een ander product"."""
        return SHORTAGE_STATUS_WORDS[self][1]


# The words for each shortage status, in one table: (for staff, for the producer).
SHORTAGE_STATUS_WORDS = {
    ShortageStatus.OPEN: (_l("open"), _l("Open: het Groot Vleeshuis bekijkt het")),
    ShortageStatus.SUBSTITUTED: (_l("vervangen"), _l("Vervangen door een ander product")),
    ShortageStatus.REFUNDED: (_l("terugbetaald"), _l("Terugbetaald aan de klant")),
    ShortageStatus.WITHDRAWN: (_l("ingetrokken"), _l("Ingetrokken")),
}


class ShortageReport(Base):
    """A producer cannot deliver (all of) a product for an open order line; staff substitute or refund."""

    __tablename__ = "shortage_reports"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    quantity: Mapped[int]  # units of the product that cannot be delivered
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ShortageStatus] = mapped_column(str_enum(ShortageStatus, 20), default=ShortageStatus.OPEN, index=True)
    reported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the missing units were worth to the producer when sold (loose: unit price; in a package: the
    # component's share), taken off its statement once the shortage is substituted or refunded.
    value_cents: Mapped[Cents] = mapped_column(default=0)
    # A substitution: which product (of which producer, at which VAT rate) went in instead, how many units,
    # and what it is worth to that producer (its list price x units), added to that producer's statement.
    substitute_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    substitute_producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"))
    substitute_name: Mapped[str] = mapped_column(String(200), default="")
    substitute_quantity: Mapped[int] = mapped_column(default=0)
    substitute_vat_rate: Mapped[int | None]
    substitute_value_cents: Mapped[Cents] = mapped_column(default=0)
    # A refund of the missing part.
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))

    product: Mapped[Product] = relationship(foreign_keys=[product_id])
    producer: Mapped[Producer] = relationship(foreign_keys=[producer_id])
    substitute_product: Mapped[Product | None] = relationship(foreign_keys=[substitute_product_id])
    refund: Mapped[Refund | None] = relationship()


class ProducerOrderList(Base):
    """The weekly list of what a producer delivers to the Groot Vleeshuis, sent once per producer and week."""

    __tablename__ = "producer_order_lists"
    __table_args__ = (UniqueConstraint("producer_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    week_start: Mapped[date]  # the Monday of the delivery week
    deliver_by: Mapped[date]
    sent_at: Mapped[datetime | None]
    resend_requested_at: Mapped[datetime | None]
    times_sent: Mapped[int] = mapped_column(default=0)
    lines: Mapped[list[Any]] = mapped_column(default=list)  # snapshot: [{product_id, name, quantity}]

    producer: Mapped[Producer] = relationship()
