"""The only code that changes stock. Each change is a conditional UPDATE plus one StockMovement.

Each writer also judges whether its change alters what a catalogue page shows (``_announce_if_shown``): most sales
do not (40 units to 39 reads "Op voorraad" before and after), so the cached pages stay; a product or a package
that comes down to its last few, sells out or comes back does, and then the cached pages are invalidated."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm.util import identity_key

from shop.catalog.models import Product
from shop.catalog.product_queries import shown_stock
from shop.core.db import utcnow
from shop.core.errors import DomainError
from shop.core.page_cache import JUDGED, catalogue_changed, judged
from shop.extensions import db
from shop.inventory.models import MovementReason, StockMovement
from shop.packages.models import PackageComponent
from shop.packages.queries import shown_available


class OutOfStock(DomainError):
    def __init__(self, product_id: int, wanted: int):
        super().__init__(_l("Er is niet genoeg voorraad meer van dit product."))
        self.product_id = product_id
        self.wanted = wanted


class InvalidStock(DomainError):
    pass


class StockChanged(DomainError):
    pass


def adjust_stock(product_id: int, delta: int, reason: MovementReason, *, by=None,
                 note: str = "") -> StockMovement | None:
    """Add ``delta`` (may be negative) to a product's stock and record the movement.

    The UPDATE only succeeds while the result stays >= 0, so concurrent takers can never oversell.
    Raises OutOfStock when there is not enough; the caller rolls back. Returns the movement (None for 0).
    """
    if delta == 0:
        return None
    statement = update(Product).where(Product.id == product_id).values(stock=Product.stock + delta)
    if delta < 0:
        statement = statement.where(Product.stock >= -delta)
    after = db.session.scalar(
        statement.returning(Product.stock).execution_options(synchronize_session=False, **JUDGED))
    if after is None:
        raise OutOfStock(product_id, -delta)
    movement = _record(product_id, delta, reason, by=by, note=note)
    _announce_if_shown({product_id: (after - delta, after)})
    return movement


def _announce_if_shown(changes: Mapping[int, tuple[int, int]]) -> None:
    """Invalidate the cached catalogue pages (``catalogue_changed``, after the transaction) when these stock changes,
    product id -> (before, after), alter what a page shows: a product's own stock line (``shown_stock``), or how many
    of a package holding it can be sold (``shown_available``: the scarcest component decides, so a component whose
    share stays above the package's few leaves the package's line as it was)."""
    moved = {product_id: pair for product_id, pair in changes.items() if pair[0] != pair[1]}
    if not moved:
        return
    if any(shown_stock(before) != shown_stock(after) for before, after in moved.values()):
        catalogue_changed("stock")
        return
    with db.session.no_autoflush:  # the caller's movements may still wait for their note (take_stock)
        components = db.session.execute(select(PackageComponent.product_id, PackageComponent.quantity)
                                        .where(PackageComponent.product_id.in_(moved))).all()
    for product_id, quantity in components:
        before, after = moved[product_id]
        if shown_available(before // quantity) != shown_available(after // quantity):
            catalogue_changed("stock")
            return


def _record(product_id: int, delta: int, reason: MovementReason, *, by, note: str) -> StockMovement:
    movement = judged(StockMovement(product_id=product_id, delta=delta, reason=reason, note=note,
                                    by_user_id=getattr(by, "id", None)))
    db.session.add(movement)
    product = db.session.get(Product, product_id)
    if product is not None:
        db.session.refresh(product, attribute_names=["stock"])
    return movement


def take_stock(quantities: Mapping[int, int], reason: MovementReason, *, by=None,
               note: str = "") -> list[StockMovement]:
    """Take several products' stock at once: all of it, or raise OutOfStock naming the first product short (in
    product-id order) with the units wanted; the caller then rolls back.

    ``quantities`` maps product id to units (lines that share a product summed by the caller). The rows are
    locked in product-id order first (``SELECT … FOR UPDATE``; a fixed lock order avoids deadlocks between
    concurrent buyers), then one conditional UPDATE takes every product's units where its stock covers them
    (``stock >= units``, so nothing is ever oversold) and returns the ids it changed. Two round trips whatever
    the number of products, so the rows are held for as short as possible. Returns the movements, added to the
    session and not yet flushed: the caller may still fill in their note (the order number), which is then
    written with them.
    """
    wanted = {product_id: units for product_id, units in sorted(quantities.items()) if units > 0}
    if not wanted:
        return []
    ids = list(wanted)
    db.session.execute(select(Product.id).where(Product.id.in_(ids)).order_by(Product.id).with_for_update())
    units = case(wanted, value=Product.id)
    taken = {product_id: after for product_id, after in db.session.execute(
        update(Product)
        .where(Product.id.in_(ids), Product.stock >= units)
        .values(stock=Product.stock - units)
        .returning(Product.id, Product.stock)
        .execution_options(synchronize_session=False, **JUDGED)
    )}
    short = next((product_id for product_id in ids if product_id not in taken), None)
    if short is not None:
        raise OutOfStock(short, wanted[short])
    movements = [judged(StockMovement(product_id=product_id, delta=-units, reason=reason, note=note,
                                      by_user_id=getattr(by, "id", None))) for product_id, units in wanted.items()]
    db.session.add_all(movements)
    _announce_if_shown({product_id: (after + wanted[product_id], after) for product_id, after in taken.items()})
    for product_id in ids:  # a product loaded in the session reads its new stock when next asked
        product = db.session.identity_map.get(identity_key(Product, product_id))
        if product is not None:
            db.session.expire(product, ["stock"])
    return movements


def set_stock(product: Product, new_stock: int, reason: MovementReason, *, by=None, note: str = "") -> None:
    """Set a product's stock to an absolute figure (producer edit, CSV import, correction).

    Compare-and-set against the figure just read, so a sale that lands in between is not overwritten:
    raises StockChanged then, and the user looks again. Raises InvalidStock for a negative figure.
    """
    if new_stock < 0:
        raise InvalidStock(_l("Voorraad kan niet negatief zijn."))
    current = db.session.scalar(select(Product.stock).where(Product.id == product.id))
    if new_stock == current:
        return
    result = db.session.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock == current)
        .values(stock=new_stock)
        .execution_options(synchronize_session=False, **JUDGED)
    )
    if result.rowcount != 1:
        raise StockChanged(_l("De voorraad is intussen gewijzigd; bekijk het nieuwe cijfer en probeer opnieuw."))
    _record(product.id, new_stock - current, reason, by=by, note=note)
    _announce_if_shown({product.id: (current, new_stock)})


def get_stock_from_movements(product_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == product_id)
    )


def receive_initial_stock(quantities: Mapping[int, int], *, by=None, note: str = "") -> int:
    """Book the opening stock of many products at once (catalogue seed, first import).

    Adds each quantity to the product's stock and records one INITIAL movement per product, with two
    bulk statements, so stock = sum of movements keeps holding. Zero quantities are skipped. Raises
    InvalidStock for a negative quantity (nothing is written then). Returns the number of movements.
    """
    lines = [(product_id, quantity) for product_id, quantity in sorted(quantities.items()) if quantity]
    if any(quantity < 0 for _, quantity in lines):
        raise InvalidStock(_l("Voorraad kan niet negatief zijn."))
    if not lines:
        return 0
    products = Product.__table__
    db.session.execute(
        update(products)
        .where(products.c.id == bindparam("product_id_"))
        .values(stock=products.c.stock + bindparam("quantity_")),
        [{"product_id_": product_id, "quantity_": quantity} for product_id, quantity in lines],
    )
    by_user_id = getattr(by, "id", None)
    now = utcnow()
    db.session.execute(
        insert(StockMovement),
        [
            {"product_id": product_id, "delta": quantity, "reason": MovementReason.INITIAL, "note": note,
             "by_user_id": by_user_id, "created_at": now}
            for product_id, quantity in lines
        ],
    )
    # Products already loaded in this session must not keep their old figure.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Product) and obj.id in quantities:
            db.session.expire(obj, ["stock"])
    return len(lines)


# --- staff corrections (appended by the back-office stock work) -------------------------------------------------

MAX_CORRECTED_STOCK = 99_999
CORRECTION_REASON_MIN = 3
CORRECTION_REASON_MAX = 300


def correct_stock(product: Product, new_stock: int, *, by, reason: str, expected_stock: int | None = None) -> int:
    """Staff set a product's stock to the figure counted (reason CORRECTION, the reason as the movement's note).

    ``expected_stock`` is the figure the staff member saw: when the stock changed since (a sale), raises
    StockChanged so that nothing is overwritten unseen. Raises InvalidStock for a figure outside 0..99999 or a
    reason that is not 3..300 characters. Returns the change (0 when the figure is the same: nothing is
    recorded then). Records the action in the audit log. Never commits.
    """
    from shop.core.audit import record_action

    reason = (reason or "").strip()
    if not CORRECTION_REASON_MIN <= len(reason) <= CORRECTION_REASON_MAX:
        raise InvalidStock(_l("Geef een reden van %(min)s tot %(max)s tekens."), min=CORRECTION_REASON_MIN,
                           max=CORRECTION_REASON_MAX)
    if not isinstance(new_stock, int) or isinstance(new_stock, bool) or not 0 <= new_stock <= MAX_CORRECTED_STOCK:
        raise InvalidStock(_l("De voorraad moet tussen 0 en %(max)s liggen."), max=MAX_CORRECTED_STOCK)
    current = db.session.scalar(select(Product.stock).where(Product.id == product.id))
    if expected_stock is not None and current != expected_stock:
        raise StockChanged(_l("De voorraad is intussen gewijzigd; bekijk het nieuwe cijfer en probeer opnieuw."))
    if new_stock == current:
        return 0
    set_stock(product, new_stock, MovementReason.CORRECTION, by=by, note=reason)
    record_action("stock.correct", by=by, subject_type="product", subject_id=product.id,
                  detail=f"{current} → {new_stock}: {reason}")
    return new_stock - current
