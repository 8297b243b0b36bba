"""The benchmark's larger catalogues (``seed_producers.py --scale N``): copies of every product, deterministic,
never featured, in no package."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product, ProductAllergen, ProductImage, product_labels
from shop.demo.seed import seed
from shop.inventory.models import StockMovement
from shop.packages.models import PackageComponent


def _products() -> list[tuple]:
    return list(_session().execute(select(Product.slug, Product.name, Product.price_cents, Product.stock,
                                          Product.featured, Product.status).order_by(Product.slug)))


def _session():
    from shop.extensions import db

    return db.session


def _count(model) -> int:
    return _session().scalar(select(func.count()).select_from(model))


def _digest(rows: list[tuple]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_scaled_seed_copies_every_product_deterministically_and_keeps_the_books(db):
    # Given the catalogue seeded twice at twice its size with the same seed
    seed(seed=11, reset=True, with_orders=False, scale=2, out=lambda line: None)
    first = _digest(_products())
    counts = seed(seed=11, reset=True, with_orders=False, scale=2, out=lambda line: None)
    products = _products()
    originals = [row for row in products if not row[0].endswith("-r2")]

    # Then both are the same, and every product has one copy with its own slug
    assert _digest(products) == first
    assert counts["products"] == len(products) == 2 * len(originals)
    assert counts["scaled_copies"] == len(originals)
    assert {row[0] for row in products if row[0].endswith("-r2")} == {f"{row[0][:150]}-r2" for row in originals}
    # Copies carry their original's allergens, image and labels, are never featured and in no package.
    copies = select(Product.id).where(Product.slug.like("%-r2"))
    assert _count(ProductImage) == len(products)
    for table, column in ((ProductAllergen.__table__, ProductAllergen.product_id),
                          (product_labels, product_labels.c.product_id)):
        of_copies = _session().scalar(select(func.count()).select_from(table).where(column.in_(copies)))
        of_originals = _session().scalar(select(func.count()).select_from(table).where(column.not_in(copies)))
        assert of_copies == of_originals > 0
    assert not any(row[4] for row in products if row[0].endswith("-r2"))
    assert _session().scalar(select(func.count()).select_from(PackageComponent)
                             .where(PackageComponent.product_id.in_(copies))) == 0
    # Every stock figure is the sum of its movements.
    moved = dict(_session().execute(select(StockMovement.product_id, func.sum(StockMovement.delta))
                                    .group_by(StockMovement.product_id)).all())
    assert all(stock == moved.get(product_id, 0)
               for product_id, stock in _session().execute(select(Product.id, Product.stock)))


def test_scale_below_one_is_refused(db):
    with pytest.raises(ValueError, match="scale must be 1 or more"):
        seed(seed=11, reset=True, scale=0, out=lambda line: None)
