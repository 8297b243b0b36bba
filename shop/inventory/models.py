"""Stock movements: every change of a product's stock is one row; stock = sum of its movements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Product
from shop.core.db import Base, str_enum, utcnow
from shop.core.page_cache import watch_tables


class MovementReason(StrEnum):
    INITIAL = "initial"
    ORDER = "order"
    CANCEL = "cancel"
    PRODUCER_EDIT = "producer_edit"
    CSV_IMPORT = "csv_import"
    CORRECTION = "correction"
    DELIVERY = "delivery"
    SUBSTITUTION = "substitution"  # a product put in an order instead of one a producer could not deliver


class StockMovement(Base):
    __tablename__ = "stock_movements"
    __table_args__ = (CheckConstraint("delta <> 0", name="delta_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    delta: Mapped[int]
    reason: Mapped[MovementReason] = mapped_column(str_enum(MovementReason))
    note: Mapped[str] = mapped_column(String(300), default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    product: Mapped[Product] = relationship()

# A movement is a change of a stock level that the catalogue pages show (the UPDATE of products.stock beside it is
# seen too): shop.core.page_cache.
watch_tables(StockMovement.__table__)
