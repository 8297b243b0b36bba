"""Reads for the home page: featured packages, products in season, regions and top categories.

A fixed number of queries (six), whatever the size of the catalogue: the regions' counts, the categories' counts,
the active packages (with their occasions) and their components, the season's candidates, the chosen ones' cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from shop.catalog.models import (
    ORDERABLE,
    Category,
    Municipality,
    Producer,
    Product,
    Region,
    all_year_last,
    producer_is_active,
    product_sale_clause,
)
from shop.catalog.product_queries import card_options
from shop.core.page_cache import until_catalogue_changes
from shop.extensions import db
from shop.packages.models import Occasion
from shop.packages.queries import PackageCard, list_featured_packages

FEATURED_PACKAGES = 4
SEASON_PRODUCTS = 8
HERO_IMAGES = 3
# How many candidates to consider for the season row; enough to pick varied products from.
SEASON_CANDIDATES = 80


@dataclass
class RegionSummary:
    region: Region
    producer_count: int


@dataclass
class CategorySummary:
    category: Category
    product_count: int


@dataclass
class HomePage:
    month: int
    packages: list[PackageCard]
    season_products: list[Product]
    regions: list[RegionSummary]
    categories: list[CategorySummary]
    occasions: list[Occasion]
    producer_count: int
    product_count: int

    @property
    def hero_images(self) -> list[tuple[str, object]]:
        """Up to three photos for the top of the page: packages first, then products in season."""
        candidates = [(c.package.image_path, c.package) for c in self.packages if c.package.image_path]
        candidates += [(p.main_image.path, p) for p in self.season_products if p.main_image]
        images: dict[str, object] = {}
        for path, item in candidates:  # packages often share a picture: show each one once
            images.setdefault(path, item)
        return list(images.items())[:HERO_IMAGES]


def in_season_clause(month: int):
    return Product.season_mask.op("&")(1 << (month - 1)) != 0


def list_season_products(month: int, limit: int = SEASON_PRODUCTS) -> list[Product]:
    """A handful of orderable products that are in season this month: featured ones first, then those
    with a real season (not all year), at most one per product name and per producer for variety."""
    # The order of the index ix_products_season: its first candidates are read without sorting the others. Only
    # their names and producers are read to choose from (as rows, not objects), then the chosen ones with their cards.
    order = (Product.featured.desc(), all_year_last(), Product.id)
    candidates = db.session.execute(
        select(Product.id, Product.name, Product.producer_id)
        .where(Product.is_orderable, in_season_clause(month))
        .order_by(*order)
        .limit(SEASON_CANDIDATES)
    ).all()
    chosen: list[int] = []
    names: set[str] = set()
    producers: set[int] = set()
    for product_id, name, producer_id in candidates:
        if name.lower() in names or producer_id in producers:
            continue
        chosen.append(product_id)
        names.add(name.lower())
        producers.add(producer_id)
        if len(chosen) == limit:
            break
    if not chosen:
        return []
    loaded = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(chosen), Product.is_orderable).options(*card_options())).unique()}
    return [loaded[product_id] for product_id in chosen if product_id in loaded]


def list_regions_with_counts() -> list[RegionSummary]:
    """Every region with its number of active producers, by name (one statement)."""
    counts = (
        select(Municipality.region_id.label("region_id"), func.count(Producer.id).label("n"))
        .select_from(Producer)
        .join(Producer.municipality)
        .where(Producer.active.is_(True))
        .group_by(Municipality.region_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Region, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.region_id == Region.id)
        .order_by(Region.name)
    ).all()
    return [RegionSummary(region, count) for region, count in rows]


def list_top_categories_with_counts() -> list[CategorySummary]:
    """Top categories (in their set order) with the number of orderable products in them and below (one
    statement). The counts read every orderable product (180 ms at 100x the demo catalogue on SQLite), so they are
    kept until the catalogue changes (``until_catalogue_changes``); while kept, only the categories are read."""
    tops = select(Category).where(Category.parent_id.is_(None)).order_by(Category.position, Category.name)
    loaded: list[tuple[Category, int]] = []

    def count() -> dict[int, int]:
        # int(): PostgreSQL's SUM is a numeric (Babel warns of a Decimal plural, and a kept figure is a plain value).
        loaded.extend((category, int(n)) for category, n in db.session.execute(_with_counts(tops)))
        return {category.id: n for category, n in loaded}

    counts, kept = until_catalogue_changes("home:top-category-counts", count)
    if kept:
        return [CategorySummary(category, counts.get(category.id, 0)) for category in db.session.scalars(tops)]
    return [CategorySummary(category, n) for category, n in loaded]


def _with_counts(tops):
    """The top categories' statement with their counts: counted per producer and category first (in the order of
    the index ix_products_facets, without a look-up per product), then per category over the active producers,
    then added up per top."""
    per_group = (
        select(Product.producer_id.label("producer_id"), Product.category_id.label("category_id"),
               func.count(Product.id).label("n"))
        .where(product_sale_clause(ORDERABLE))
        .group_by(Product.producer_id, Product.category_id)
        .subquery()
    )
    per_category = (
        select(per_group.c.category_id.label("category_id"), func.sum(per_group.c.n).label("n"))
        .join(Producer, Producer.id == per_group.c.producer_id)
        .where(producer_is_active())
        .group_by(per_group.c.category_id)
        .subquery()
    )
    sub = aliased(Category)
    top_id = func.coalesce(sub.parent_id, sub.id)
    counts = (
        select(top_id.label("category_id"), func.sum(per_category.c.n).label("n"))
        .select_from(per_category)
        .join(sub, sub.id == per_category.c.category_id)
        .group_by(top_id)
        .subquery()
    )
    return tops.add_columns(func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.category_id == Category.id)


def get_home_page(today: date, *, with_package_components: bool = False) -> HomePage:
    """Everything the home page shows. ``with_package_components``: for a visitor who sees prices excluding VAT
    (``packages.queries.list_packages``)."""
    regions = list_regions_with_counts()
    categories = list_top_categories_with_counts()
    packages, occasions = list_featured_packages(FEATURED_PACKAGES, with_components=with_package_components)
    return HomePage(
        month=today.month,
        packages=packages,
        season_products=list_season_products(today.month),
        regions=regions,
        categories=[c for c in categories if c.product_count],
        occasions=occasions,
        producer_count=sum(r.producer_count for r in regions),
        product_count=sum(c.product_count for c in categories),
    )
