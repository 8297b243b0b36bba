"""Gift packages of the Groot Vleeshuis and their composition."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Product
from shop.core.db import Base, Cents, Timestamped, Translated
from shop.core.page_cache import watch_tables

package_occasions = Table(
    "package_occasions",
    Base.metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("occasion_id", ForeignKey("occasions.id", ondelete="CASCADE"), primary_key=True),
)


class Occasion(Translated, Base):
    """An occasion tag: kerst, verjaardag, bedrijfsgeschenk, ..."""

    __tablename__ = "occasions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)


class Package(Translated, Timestamped, Base):
    __tablename__ = "packages"
    __table_args__ = (CheckConstraint("price_cents > 0", name="price_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    story: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[Cents]
    image_path: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")

    occasions: Mapped[list[Occasion]] = relationship(secondary=package_occasions, order_by="Occasion.position")
    components: Mapped[list[PackageComponent]] = relationship(
        back_populates="package", cascade="all, delete-orphan", order_by="PackageComponent.position"
    )


class PackageComponent(Base):
    """``quantity`` units of a product inside a package, with an optional named substitute."""

    __tablename__ = "package_components"
    __table_args__ = (
        UniqueConstraint("package_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    substitute_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))

    package: Mapped[Package] = relationship(back_populates="components")
    product: Mapped[Product] = relationship(foreign_keys=[product_id])
    substitute: Mapped[Product | None] = relationship(foreign_keys=[substitute_product_id])

# The packages' pages show these rows: a change of one invalidates the cached pages (shop.core.page_cache).
watch_tables(Occasion.__table__, package_occasions, Package.__table__, PackageComponent.__table__)
