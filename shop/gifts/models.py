"""A company's gift list, kept as a draft until it is ordered: the recipients as typed or uploaded (text, so a
wrong row is kept as it was and can be fixed), the common message and logo of the gift cards."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.core.db import Base, Timestamped, str_enum

# The recipient fields, in the order of the template's columns.
RECIPIENT_FIELDS = ("name", "company", "street", "postcode", "city", "country", "message", "item", "quantity",
                    "desired_date")


class GiftOrderStatus(StrEnum):
    DRAFT = "draft"  # being composed
    PLACED = "placed"  # turned into ``order_id``


class GiftOrder(Timestamped, Base):
    """One company user's gift list. A user has at most one draft (the database holds it: two first visits at once
    store one); a placed one keeps its order."""

    __tablename__ = "gift_orders"
    __table_args__ = (
        Index("uq_gift_orders_user_id_draft", "user_id", unique=True, sqlite_where=text("status = 'draft'"),
              postgresql_where=text("status = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[GiftOrderStatus] = mapped_column(str_enum(GiftOrderStatus, 10), default=GiftOrderStatus.DRAFT)
    common_message: Mapped[str] = mapped_column(String(300), default="")
    # The company's logo on every gift card (shop.catalog.images keys, the 400 px variant is printed).
    logo_key: Mapped[str | None] = mapped_column(String(300))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    # A second upload waiting for the company to confirm its changes: the rows as read ({field: text}).
    pending_rows: Mapped[list[Any]] = mapped_column(default=list)
    pending_filename: Mapped[str] = mapped_column(String(200), default="")
    # Raised by every change of the draft (shop.gifts.services._hold_draft): ordering claims the list only at the
    # revision whose rows it ordered.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    recipients: Mapped[list[GiftRecipient]] = relationship(
        back_populates="gift_order", cascade="all, delete-orphan", order_by="GiftRecipient.position"
    )


class GiftRecipient(Base):
    """One row of the list, as text; checked (shop.gifts.checks) whenever it is shown or ordered."""

    __tablename__ = "gift_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    gift_order_id: Mapped[int] = mapped_column(ForeignKey("gift_orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(60), default="")
    message: Mapped[str] = mapped_column(String(1000), default="")
    item: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[str] = mapped_column(String(20), default="")
    desired_date: Mapped[str] = mapped_column(String(40), default="")
    # The shipment it became (set when the list is ordered).
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))

    gift_order: Mapped[GiftOrder] = relationship(back_populates="recipients")

    def values(self) -> dict[str, str]:
        return {field: getattr(self, field) or "" for field in RECIPIENT_FIELDS}
