"""VAT categories with dated rates: a rate change is a new row, never an edit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.core.db import Base, Translated
from shop.core.page_cache import watch_tables


class VatCategory(Translated, Base):
    __tablename__ = "vat_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    rates: Mapped[list[VatRate]] = relationship(
        back_populates="vat_category", order_by="VatRate.valid_from", cascade="all, delete-orphan"
    )

    def rate_on(self, day: date) -> int:
        """The rate in force on ``day`` (rates must already be loaded)."""
        current = None
        for rate in self.rates:
            if rate.valid_from <= day:
                current = rate
        if current is None:
            raise LookupError(f"no VAT rate for {self.code} on {day}")
        return current.rate_percent


class VatRate(Base):
    __tablename__ = "vat_rates"
    __table_args__ = (UniqueConstraint("vat_category_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vat_category_id: Mapped[int] = mapped_column(ForeignKey("vat_categories.id"))
    rate_percent: Mapped[int]
    valid_from: Mapped[date]
    vat_category: Mapped[VatCategory] = relationship(back_populates="rates")


def rate_on_statement(vat_category_id, day: date):
    """A scalar subquery for the rate of a category on a day, for use inside larger selects."""
    return (
        select(VatRate.rate_percent)
        .where(VatRate.vat_category_id == vat_category_id, VatRate.valid_from <= day)
        .order_by(VatRate.valid_from.desc())
        .limit(1)
        .scalar_subquery()
    )

# Product pages show the VAT rate and company prices follow it: shop.core.page_cache.
watch_tables(VatCategory.__table__, VatRate.__table__)
