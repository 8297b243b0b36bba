"""What the payment provider told us: each Stripe event is handled once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.core.db import Base, Cents, utcnow


class StripeEvent(Base):
    """Each Stripe event id is handled once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankTransfer(Base):
    """A bank transfer the shop received for an order paid by transfer: marked by staff or read from a bank
    statement. ``line_key`` identifies where it came from (the statement line, or the order for staff's mark), so
    the same line imported again, or the same mark sent twice, finds it and pays nothing twice."""

    __tablename__ = "bank_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    line_key: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(20))  # "staff" | "statement"
    amount_cents: Mapped[Cents]
    reference: Mapped[str] = mapped_column(String(21))
    booked_on: Mapped[date | None]
    counterparty: Mapped[str] = mapped_column(String(160), default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
