"""Server-side carts, keyed by an opaque token kept in a cookie."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Product
from shop.core.db import Base, Timestamped
from shop.packages.models import Package


class Cart(Timestamped, Base):
    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )


class CartLine(Base):
    """Either a product or a package, never both; quantities are positive."""

    __tablename__ = "cart_lines"
    __table_args__ = (
        CheckConstraint("(product_id IS NULL) <> (package_id IS NULL)", name="product_xor_package"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("cart_id", "product_id"),
        UniqueConstraint("cart_id", "package_id", name="uq_cart_lines_cart_id_package_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"))
    quantity: Mapped[int]

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    package: Mapped[Package | None] = relationship()
