"""The invoice as data, copied from the order when it is paid."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.core.db import Base, Cents, utcnow

if TYPE_CHECKING:
    from shop.orders.models import Order


class Invoice(Base):
    """An invoice as data (parties, lines, VAT per rate, payment); the PDF and later UBL are rendered from it.

    ``sequence`` is gap-free per year: it comes from the ``invoice-<year>`` Counter in the same transaction.
    """

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    seller: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buyer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lines: Mapped[list[Any]] = mapped_column(default=list)
    vat_lines: Mapped[list[Any]] = mapped_column(default=list)
    total_cents: Mapped[Cents]
    payment: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # One way: orders know nothing of invoicing (a layer above them); ask shop.invoicing.queries for an order's invoice.
    order: Mapped[Order] = relationship()
