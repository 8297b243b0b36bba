"""What the payment provider told us: each Stripe event is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.core.db import Base, utcnow


class StripeEvent(Base):
    """Each Stripe event id is handled once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
