"""Reads of stock for the back office: the stock list (search, low / out of stock) and a product's movements.

Every read is a fixed number of queries whatever the page size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.catalog.models import Producer, Product
from shop.extensions import db
from shop.inventory.models import MovementReason, StockMovement

LOW_STOCK = 5
STOCK_PAGE_SIZE = 50
MOVEMENT_PAGE_SIZE = 50

STOCK_FILTERS = {
    "laag": _l("Weinig voorraad (5 of minder)"),
    "op": _l("Uitverkocht"),
}

MOVEMENT_REASON_LABELS = {
    MovementReason.INITIAL: _l("Beginvoorraad"),
    MovementReason.ORDER: _l("Bestelling"),
    MovementReason.CANCEL: _l("Annulering (terug in voorraad)"),
    MovementReason.PRODUCER_EDIT: _l("Aangepast door de producent"),
    MovementReason.CSV_IMPORT: _l("CSV-import van de producent"),
    MovementReason.CORRECTION: _l("Correctie door het Groot Vleeshuis"),
    MovementReason.DELIVERY: _l("Levering"),
    MovementReason.SUBSTITUTION: _l("Vervanging bij een tekort"),
}


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int


def _page_bounds(total: int, page: int, size: int) -> tuple[int, int]:
    pages = max((total + size - 1) // size, 1)
    return min(max(page, 1), pages), pages


def list_stock(q: str = "", stock_filter: str = "", page: int = 1, *, size: int = STOCK_PAGE_SIZE) -> Page:
    """Products with their producer, searched by product or producer name (every word must match),
    optionally only low (<= 5) or out of stock; lowest stock first when filtered, else by name. Three queries."""
    query = select(Product).join(Producer, Producer.id == Product.producer_id)
    for word in (q or "").lower().split():
        query = query.where(or_(func.lower(Product.name).contains(word, autoescape=True),
                                func.lower(Producer.name).contains(word, autoescape=True)))
    if stock_filter == "laag":
        query = query.where(Product.stock <= LOW_STOCK)
    elif stock_filter == "op":
        query = query.where(Product.stock <= 0)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages = _page_bounds(total, page, size)
    order = (Product.stock, Product.name, Product.id) if stock_filter else (Product.name, Producer.name, Product.id)
    products = db.session.scalars(
        query.options(selectinload(Product.producer)).order_by(*order).limit(size).offset((page - 1) * size)
    ).all()
    return Page(list(products), total, page, pages)


@dataclass
class MovementRow:
    movement: StockMovement
    by_email: str

    @property
    def reason_label(self) -> str:
        return str(MOVEMENT_REASON_LABELS.get(self.movement.reason, self.movement.reason))

    @property
    def created_at(self) -> datetime:
        return self.movement.created_at


@dataclass
class StockHistory:
    product: Product
    movements: Page
    movements_sum: int

    @property
    def is_consistent(self) -> bool:
        """The rule that holds the stock together: stock = sum of its movements."""
        return self.product.stock == self.movements_sum


def get_stock_history(product_id: int, page: int = 1, *, size: int = MOVEMENT_PAGE_SIZE) -> StockHistory | None:
    """A product (with its producer), one page of its movements newest first with who made them, and the sum
    of all its movements. Four queries."""
    product = db.session.scalars(
        select(Product).where(Product.id == product_id).options(selectinload(Product.producer))
    ).one_or_none()
    if product is None:
        return None
    total, movements_sum = db.session.execute(
        select(func.count(StockMovement.id), func.coalesce(func.sum(StockMovement.delta), 0))
        .where(StockMovement.product_id == product_id)
    ).one()
    page, pages = _page_bounds(total, page, size)
    rows = db.session.execute(
        select(StockMovement, User.email)
        .outerjoin(User, User.id == StockMovement.by_user_id)
        .where(StockMovement.product_id == product_id)
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
        .limit(size).offset((page - 1) * size)
    ).all()
    items = [MovementRow(movement, email or "") for movement, email in rows]
    return StockHistory(product, Page(items, total, page, pages), int(movements_sum))
