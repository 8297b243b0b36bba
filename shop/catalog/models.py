"""Catalogue models: geography, producers, categories, labels, products and their food information."""

from __future__ import annotations

import functools
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    and_,
    case,
    exists,
    literal_column,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship
from sqlalchemy.sql.elements import Grouping

from shop.catalog.allergens import Allergen, Presence
from shop.core.db import Base, Cents, Timestamped, Translated, str_enum
from shop.core.money import price_per_kg_cents
from shop.core.page_cache import watch_tables

if TYPE_CHECKING:
    from shop.catalog.vat import VatCategory

ALL_MONTHS_MASK = (1 << 12) - 1


class Region(Translated, Base):
    """A streek of Oost-Vlaanderen (Meetjesland, Waasland, ...)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    municipalities: Mapped[list[Municipality]] = relationship(back_populates="region", order_by="Municipality.name")


class Municipality(Translated, Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    nis_code: Mapped[str] = mapped_column(String(5), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    main_postcode: Mapped[str] = mapped_column(String(4))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    region: Mapped[Region] = relationship(back_populates="municipalities")
    localities: Mapped[list[Locality]] = relationship(back_populates="municipality", order_by="Locality.postcode")


class Locality(Base):
    """A bpost locality (deelgemeente or village) with its postcode and point."""

    __tablename__ = "localities"

    id: Mapped[int] = mapped_column(primary_key=True)
    postcode: Mapped[str] = mapped_column(String(4), index=True)
    name: Mapped[str] = mapped_column(String(120))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    municipality: Mapped[Municipality] = relationship(back_populates="localities")


producer_labels = Table(
    "producer_labels",
    Base.metadata,
    Column("producer_id", ForeignKey("producers.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
)

product_labels = Table(
    "product_labels",
    Base.metadata,
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
)


class Label(Translated, Base):
    """A quality label: bio, hoevewinkel, erkend streekproduct, ..."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")


class Producer(Translated, Timestamped, Base):
    __tablename__ = "producers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    story: Mapped[str] = mapped_column(Text, default="")
    street: Mapped[str] = mapped_column(String(160), default="")
    postcode: Mapped[str] = mapped_column(String(4))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    farm_shop_hours: Mapped[str] = mapped_column(Text, default="")
    photo_path: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)

    municipality: Mapped[Municipality] = relationship()
    locality: Mapped[Locality | None] = relationship()
    labels: Mapped[list[Label]] = relationship(secondary=producer_labels, order_by="Label.name")
    products: Mapped[list[Product]] = relationship(back_populates="producer", order_by="Product.name")

    @property
    def place_name(self) -> str:
        return self.locality.name if self.locality else self.municipality.name

    @property
    def address_line(self) -> str:
        return f"{self.street}, {self.postcode} {self.place_name}".strip(", ")


class Category(Translated, Base):
    """Two levels: a top category (parent None) and its subcategories."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    illustration: Mapped[str] = mapped_column(String(80), default="")

    parent: Mapped[Category | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.position")

    __table_args__ = (CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),)


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    HIDDEN = "hidden"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The word producers and staff read: "In de winkel"."""
        return PRODUCT_STATUS_WORDS[self]


# The words for each product status, in one table.
PRODUCT_STATUS_WORDS = {
    ProductStatus.DRAFT: _l("Ontwerp"),
    ProductStatus.PENDING_REVIEW: _l("Wacht op controle"),
    ProductStatus.PUBLISHED: _l("In de winkel"),
    ProductStatus.HIDDEN: _l("Verborgen"),
    ProductStatus.ARCHIVED: _l("Gearchiveerd"),
}


class NetUnit(StrEnum):
    GRAM = "g"
    MILLILITRE = "ml"
    PIECE = "piece"


class Product(Translated, Timestamped, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("season_mask >= 0 AND season_mask <= 4095", name="season_mask_range"),
        Index("ix_products_status_category", "status", "category_id"),
        # Covers what the lists count and choose by (for sale, facets, in stock, in season, featured, price), so
        # that counting a large catalogue reads this narrow index instead of every product's texts.
        Index("ix_products_listing", "producer_id", "status", "category_id", "stock", "season_mask", "featured",
              "price_cents"),
        # The facet counts' scan (product_queries._counts): the products of one status in (producer, category)
        # order, so that they are counted per group in one pass over this index, without a sort; with the id, so
        # that PostgreSQL reads the index alone (an index-only scan) also where the counts join on the id.
        Index("ix_products_facets", "status", "producer_id", "category_id", "stock", "season_mask", "price_cents",
              "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    vat_category_id: Mapped[int] = mapped_column(ForeignKey("vat_categories.id"))
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(60))
    net_quantity: Mapped[int | None]
    net_unit: Mapped[NetUnit] = mapped_column(str_enum(NetUnit, 10), default=NetUnit.PIECE)
    price_cents: Mapped[Cents]
    stock: Mapped[int] = mapped_column(default=0)
    is_food: Mapped[bool] = mapped_column(Boolean, default=True)
    ingredients: Mapped[str] = mapped_column(Text, default="")
    storage: Mapped[str] = mapped_column(Text, default="")
    alcohol_pct: Mapped[float | None] = mapped_column(Float)
    origin: Mapped[str] = mapped_column(String(160), default="")
    shelf_life_days: Mapped[int | None]
    perishable: Mapped[bool] = mapped_column(Boolean, default=False)
    season_mask: Mapped[int] = mapped_column(default=ALL_MONTHS_MASK)
    status: Mapped[ProductStatus] = mapped_column(
        str_enum(ProductStatus), default=ProductStatus.DRAFT, index=True
    )
    # Why staff sent the product back to the producer (shown in the portal until it is submitted again).
    review_note: Mapped[str] = mapped_column(Text, default="")
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    # Accent-free, lower-case words and their Dutch stems, kept by catalog.search.
    search_text: Mapped[str] = mapped_column(Text, default="")

    producer: Mapped[Producer] = relationship(back_populates="products")
    category: Mapped[Category] = relationship()
    vat_category: Mapped[VatCategory] = relationship()
    labels: Mapped[list[Label]] = relationship(secondary=product_labels, order_by="Label.name")
    allergens: Mapped[list[ProductAllergen]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductAllergen.allergen"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )

    # --- derived properties (collections must be loaded by the query) ---
    @property
    def contains(self) -> list[Allergen]:
        return [Allergen(a.allergen) for a in self.allergens if a.presence == Presence.CONTAINS]

    @property
    def may_contain(self) -> list[Allergen]:
        return [Allergen(a.allergen) for a in self.allergens if a.presence == Presence.MAY_CONTAIN]

    @property
    def season_months(self) -> list[int]:
        return [m for m in range(1, 13) if self.season_mask & (1 << (m - 1))]

    @property
    def is_all_year(self) -> bool:
        return self.season_mask == ALL_MONTHS_MASK

    def in_season(self, day: date) -> bool:
        return bool(self.season_mask & (1 << (day.month - 1)))

    # --- for sale: the one rule, in Python and in SQL (see SaleCondition below) ---
    @hybrid_property
    def is_published(self) -> bool:
        return self.status == ProductStatus.PUBLISHED

    @hybrid_property
    def in_stock(self) -> bool:
        return self.stock > 0

    def unmet_sale_conditions(self, conditions: tuple[SaleCondition, ...] | None = None) -> list[SaleCondition]:
        """The conditions of ``conditions`` (default: ORDERABLE) this product does not meet, in their order."""
        return [c for c in (ORDERABLE if conditions is None else conditions) if not _SALE_TESTS[c][0](self)]

    @hybrid_property
    def is_for_sale(self) -> bool:
        """In the shop: listed, its page shown, accepted in a cart and an order (stock is counted apart)."""
        return not self.unmet_sale_conditions(FOR_SALE)

    @is_for_sale.inplace.expression
    @classmethod
    def _is_for_sale_clause(cls):
        return sale_clause(FOR_SALE)

    @hybrid_property
    def is_orderable(self) -> bool:
        """For sale and in stock now: the "In winkelmand" button."""
        return not self.unmet_sale_conditions(ORDERABLE)

    @is_orderable.inplace.expression
    @classmethod
    def _is_orderable_clause(cls):
        return sale_clause(ORDERABLE)

    @property
    def price_per_kg_cents(self) -> int | None:
        """€/kg (or €/l) for packs sold by weight or volume."""
        if self.net_unit == NetUnit.PIECE:
            return None
        return price_per_kg_cents(self.price_cents, self.net_quantity)

    @property
    def main_image(self) -> ProductImage | None:
        return self.images[0] if self.images else None


class SaleCondition(StrEnum):
    """The named conditions of the one rule "a product is for sale", each with a Python test and an SQL test
    (``_SALE_TESTS``), so that the list, the product page, packages, the cart and checkout cannot disagree.

    - published: not a draft, waiting for review, hidden or archived;
    - producer active: staff can take a whole producer out of the shop;
    - in stock: at least one unit (how many may be bought is the cart's count, against the whole cart).

    The season is no condition: it is shown (a badge, a filter) but a producer with stock out of season sells it.
    """

    PUBLISHED = "published"
    PRODUCER_ACTIVE = "producer_active"
    IN_STOCK = "in_stock"


# For sale: shown in the shop and accepted in a cart; a sold-out product is still for sale ("Uitverkocht").
FOR_SALE: tuple[SaleCondition, ...] = (SaleCondition.PUBLISHED, SaleCondition.PRODUCER_ACTIVE)
# Orderable: for sale and in stock now.
ORDERABLE: tuple[SaleCondition, ...] = (*FOR_SALE, SaleCondition.IN_STOCK)

# condition -> (test on a loaded Product, SQL condition on products). The SQL needs no join: the producer's
# flag is read through a correlated sub-select, so a statement that joins producers for other reasons stays correct.
_SALE_TESTS = {
    SaleCondition.PUBLISHED: (
        lambda product: product.status == ProductStatus.PUBLISHED,
        lambda: Product.status == ProductStatus.PUBLISHED,
    ),
    SaleCondition.PRODUCER_ACTIVE: (
        lambda product: bool(product.producer.active),
        lambda: _producer_is_active(),
    ),
    SaleCondition.IN_STOCK: (
        lambda product: product.stock > 0,
        lambda: Product.stock > 0,
    ),
}


def _producer_is_active():
    """The product's own producer is active: a look-up by primary key per product (correlated), never a list of
    every active producer, which would grow with the catalogue and lead the planner to read products producer by
    producer. Its own alias of producers, so that a statement joining producers for other reasons stays right."""
    producer = aliased(Producer)
    return exists(select(producer.id).where(producer.id == Product.producer_id, producer.active.is_(True)))


# Built once per set of conditions (an SQL expression is immutable and may sit in any number of statements): building
# the producer's alias copies every column of producers, which cost 1-2 ms a time, several times per catalogue page.
@functools.cache
def sale_clause(conditions: tuple[SaleCondition, ...] = FOR_SALE):
    """The SQL of ``conditions`` on products (``Product.is_for_sale`` / ``Product.is_orderable`` in a query)."""
    return and_(*(_SALE_TESTS[c][1]() for c in conditions))


@functools.cache
def product_sale_clause(conditions: tuple[SaleCondition, ...] = FOR_SALE):
    """``sale_clause`` without the producer's part: for a statement that groups products by producer and checks
    ``producer_is_active`` once per group, instead of once per product."""
    return and_(*(_SALE_TESTS[c][1]() for c in conditions if c != SaleCondition.PRODUCER_ACTIVE))


def producer_is_active():
    """The producer's part of ``sale_clause``, on a statement that has ``Producer`` joined."""
    return Producer.active.is_(True)


def in_stock_first():
    """The recommended order's second key (0 in stock, 1 sold out), with its numbers written in the SQL, not
    bound, so that the statement's expression is the one of the index ``ix_products_recommended``. In parentheses,
    which PostgreSQL needs around an expression in CREATE INDEX."""
    return Grouping(case((Product.stock > literal_column("0"), literal_column("0")), else_=literal_column("1")))


# The recommended order of the products list (product_queries._order_by): the first page is read in this index's
# order and stops after a page of products, instead of sorting every product for sale. The producer's id is in it
# so that the check of the producer (active) needs no read of the product's row. An index on an expression:
# Alembic cannot compare it (SQLite's reflection skips it, PostgreSQL's rewrites it), so autogenerate leaves it
# out (EXPRESSION_INDEXES) and its migration writes the same expression by hand.
EXPRESSION_INDEXES = ("ix_products_recommended", "ix_products_season")
Index("ix_products_recommended", Product.status, Product.featured.desc(), in_stock_first(), Product.name,
      Product.id, Product.producer_id)


def all_year_last():
    """The season row's second key (false for a product with a real season, true for one sold all year), with its
    number written in the SQL, not bound, so that the statement's expression is the one of ``ix_products_season``."""
    return Grouping(Product.season_mask == literal_column(str(ALL_MONTHS_MASK)))


# The home page's season row (storefront.home_queries.list_season_products): its candidates are read in this
# index's order and the scan stops after them, instead of sorting every orderable product in season. Stock, season
# and producer are in it so that the conditions are checked on the index alone (an index-only scan).
Index("ix_products_season", Product.status, Product.featured.desc(), all_year_last(), Product.id, Product.stock,
      Product.season_mask, Product.producer_id)


class ProductAllergen(Base):
    __tablename__ = "product_allergens"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    allergen: Mapped[Allergen] = mapped_column(str_enum(Allergen, 20), primary_key=True)
    presence: Mapped[Presence] = mapped_column(str_enum(Presence, 20))

    product: Mapped[Product] = relationship(back_populates="allergens")


class ProductImage(Base):
    """A picture of a product. ``path`` is a storage key: ``static/...`` for bundled illustrations,
    otherwise a file in the media storage."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    alt: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="images")

# Every catalogue page shows these rows: a change of one invalidates the cached pages (shop.core.page_cache).
watch_tables(Region.__table__, Municipality.__table__, Locality.__table__, Label.__table__, Producer.__table__,
             producer_labels, Category.__table__, Product.__table__, product_labels, ProductAllergen.__table__,
             ProductImage.__table__)
