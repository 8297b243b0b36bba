"""Reads of the company gifts: the catalogue's codes for the template, the gift list of orders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Product
from shop.extensions import db
from shop.gifts.models import GiftOrder
from shop.packages.models import Package, PackageComponent
from shop.packages.services import is_for_sale as package_for_sale


def list_codes() -> list[tuple[str, str, str]]:
    """What a list can name: (code, name, "pakket" | "product"), packages first, each by name (three queries)."""
    packages = db.session.scalars(
        select(Package).where(Package.active.is_(True)).order_by(Package.name)
        .options(selectinload(Package.components).joinedload(PackageComponent.product)
                 .joinedload(Product.producer))
    ).all()
    products = db.session.scalars(
        select(Product).where(Product.is_for_sale).order_by(Product.name).options(joinedload(Product.producer))
    ).all()
    return ([(p.slug, p.name, "pakket") for p in packages if package_for_sale(p)]
            + [(p.slug, p.name, "product") for p in products])


def gift_orders_by_order(order_ids) -> dict[int, GiftOrder]:
    """The gift list each of ``order_ids`` was ordered from (common message, logo), when it was one."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    return {gift.order_id: gift for gift in db.session.scalars(select(GiftOrder).where(GiftOrder.order_id.in_(ids)))}
