"""Cart rules: what may go in a cart, how much of it, and what the cart costs.

Prices, VAT rates and stock always come from the database; the browser only names an id and a quantity.
Every change is checked against stock for the whole cart at once: a package counts through its components,
so a package and a loose product (or two packages) that share a product can never ask for more than its stock.
Services never commit; the caller owns the transaction.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import joinedload, selectinload

from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product
from shop.catalog.vat import VatCategory
from shop.core.db import Translated
from shop.core.errors import DomainError
from shop.core.i18n import current_language
from shop.core.money import vat_lines
from shop.extensions import db
from shop.packages.models import Package, PackageComponent
from shop.packages.services import ComponentShare, available_quantity, component_shares
from shop.packages.services import is_for_sale as package_is_for_sale

# Highest quantity of one line: more is almost certainly a typo (companies ordering in bulk call the shop).
MAX_LINE_QUANTITY = 99
TOKEN_MAX_LENGTH = 64


class CartError(DomainError):
    """A cart change that breaks a rule; nothing was changed."""


class NotOrderable(CartError):
    pass


class NotEnoughStock(CartError):
    pass


class InvalidQuantity(CartError):
    pass


class UnknownCartLine(CartError):
    """The line does not exist or belongs to another cart (the view answers 404)."""


# --- data shapes of a priced cart --------------------------------------------------------------------------


@dataclass
class PricedLine:
    line_id: int
    product: Product | None
    package: Package | None
    quantity: int
    unit_price_cents: int
    total_cents: int
    vat_rate: int | None  # products: rate on the day; packages: None (see components)
    components: list[ComponentShare]
    perishable: bool
    available: int  # how many could be bought now (stock or package availability)
    problem: str | None = None  # translated message when the line cannot be bought as it is
    for_sale: bool = True  # the item is for sale (stock aside); False: it left the shop since it was added

    @property
    def item(self) -> Product | Package:
        return self.product if self.product is not None else self.package


@dataclass
class PricedCart:
    lines: list[PricedLine]
    goods_cents: int
    vat_lines: list[dict[str, int]]
    item_count: int
    has_perishables: bool
    stock_quantities: dict[int, int]
    problems: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not self.problems


# --- loading -------------------------------------------------------------------------------------------------


def _product_options(path):
    return (
        path.joinedload(Product.producer),
        path.joinedload(Product.vat_category).selectinload(VatCategory.rates),
        path.selectinload(Product.images),
    )


def _line_options() -> tuple:
    product = selectinload(CartLine.product)
    component_product = (
        selectinload(CartLine.package).selectinload(Package.components).joinedload(PackageComponent.product)
    )
    return (*_product_options(product), *_product_options(component_product))


def _stock_check_options() -> tuple:
    """What checking an addition against stock reads of the lines: each item's sale rule and stock (a product and
    its producer; a package's components, their products and producers), not prices, VAT or images."""
    return (
        selectinload(CartLine.product).joinedload(Product.producer),
        selectinload(CartLine.package).selectinload(Package.components).joinedload(PackageComponent.product)
        .joinedload(Product.producer),
    )


def _load_lines(cart: Cart, options: Callable[[], tuple] = _line_options) -> list[CartLine]:
    """The cart's lines with everything pricing and stock checks need (or only what ``options()`` loads), fresh
    from the database. A cart not stored yet has none (and costs nothing)."""
    if cart.id is None:
        return []
    db.session.flush()
    return list(
        db.session.scalars(
            select(CartLine)
            .where(CartLine.cart_id == cart.id)
            .order_by(CartLine.id)
            .options(*options())
            .execution_options(populate_existing=True)
        ).all()
    )


def _load_product(product_id: int) -> Product | None:
    return db.session.scalars(
        select(Product)
        .where(Product.id == product_id)
        .options(joinedload(Product.producer))
        .execution_options(populate_existing=True)
    ).first()


def _load_package(package_id: int) -> Package | None:
    return db.session.scalars(
        select(Package)
        .where(Package.id == package_id)
        .options(
            selectinload(Package.components).joinedload(PackageComponent.product).joinedload(Product.producer)
        )
        .execution_options(populate_existing=True)
    ).first()


# --- what an item needs ---------------------------------------------------------------------------------------


def _name(item: Product | Package) -> str:
    return item.t("name", current_language())


def _units(item: Product | Package) -> dict[int, int]:
    """Units of each product that one of ``item`` takes."""
    if isinstance(item, Product):
        return {item.id: 1}
    units: dict[int, int] = defaultdict(int)
    for component in item.components:
        units[component.product_id] += component.quantity
    return dict(units)


def _is_sellable(item: Product | Package) -> bool:
    """Whether the item may be sold at all, stock aside: ``Product.is_for_sale`` or ``packages.is_for_sale``."""
    return item.is_for_sale if isinstance(item, Product) else package_is_for_sale(item)


def _stock_of(item: Product | Package) -> dict[int, int]:
    if isinstance(item, Product):
        return {item.id: item.stock}
    return {c.product_id: c.product.stock for c in item.components}


def _key(line_or_item) -> tuple[str, int]:
    if isinstance(line_or_item, CartLine):
        return ("product", line_or_item.product_id) if line_or_item.product_id else ("package", line_or_item.package_id)
    return ("product", line_or_item.id) if isinstance(line_or_item, Product) else ("package", line_or_item.id)


def _line_item(line: CartLine) -> Product | Package:
    return line.product if line.product_id is not None else line.package


def _capacity(item: Product | Package, others: list[tuple[Product | Package, int]]) -> int:
    """How many of ``item`` the stock allows next to the other cart lines (item, quantity)."""
    if not _is_sellable(item):
        return 0
    used: dict[int, int] = defaultdict(int)
    for other, quantity in others:
        for product_id, units in _units(other).items():
            used[product_id] += units * quantity
    stock = _stock_of(item)
    return max(0, min((stock[pid] - used[pid]) // units for pid, units in _units(item).items()))


def _shortage_message(item: Product | Package, capacity: int, *, shared: bool, in_cart: int = 0):
    """Why ``item`` does not fit: sold out, only ``capacity`` left, or other lines sharing its products."""
    name = _name(item)
    if not _is_sellable(item):
        return _l("%(name)s is niet meer te koop.", name=name)
    if capacity <= 0:
        if shared or in_cart:
            return _l("Er is geen %(name)s meer beschikbaar bovenop wat al in je winkelmand zit.", name=name)
        return _l("%(name)s is uitverkocht.", name=name)
    if shared:
        return _l("Samen met de rest van je winkelmand kun je nog maar %(num)d × %(name)s nemen.", num=capacity, name=name)
    if isinstance(item, Package):
        message = lazy_ngettext(
            "Er is nog maar %(num)d pakket %(name)s beschikbaar.",
            "Er zijn nog maar %(num)d pakketten %(name)s beschikbaar.",
            capacity,
            name=name,
        )
    else:
        message = lazy_ngettext(
            "Er is nog maar %(num)d stuk van %(name)s beschikbaar.",
            "Er zijn nog maar %(num)d stuks van %(name)s beschikbaar.",
            capacity,
            name=name,
        )
    if in_cart:
        return _l("%(message)s Je hebt er al %(in_cart)d in je winkelmand.", message=message, in_cart=in_cart)
    return message


def _check_quantity(quantity, *, allow_zero: bool = False) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity(_l("Vul als aantal een heel getal in."))
    if quantity < (0 if allow_zero else 1):
        raise InvalidQuantity(_l("Het aantal moet minstens 1 zijn."))
    if quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(
            _l("Je kunt per product hoogstens %(max)d stuks bestellen. Voor grotere bestellingen: neem contact met ons op.",
               max=MAX_LINE_QUANTITY)
        )
    return quantity


def _check_new_quantities(
    lines: list[CartLine],
    changed: dict[tuple[str, int], tuple[Product | Package, int]],
    in_cart: dict[tuple[str, int], int] | None = None,
) -> None:
    """Check every changed item (key -> (item, new quantity)) against stock, next to all other lines' new
    quantities. Raises NotOrderable or NotEnoughStock for the first item that does not fit."""
    quantities: dict[tuple[str, int], tuple[Product | Package, int]] = {
        _key(line): (_line_item(line), line.quantity) for line in lines
    }
    in_cart = in_cart or {}
    quantities.update(changed)
    for key, (item, quantity) in changed.items():
        if quantity <= 0:
            continue
        if not _is_sellable(item):
            raise NotOrderable(_l("%(name)s is niet meer te koop.", name=_name(item)))
        others = [(other, q) for other_key, (other, q) in quantities.items() if other_key != key and q > 0]
        capacity = _capacity(item, others)
        if quantity > capacity:
            shared = capacity < _available_now(item)
            raise NotEnoughStock(_shortage_message(item, capacity, shared=shared, in_cart=in_cart.get(key, 0)))


# --- public services -------------------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(32)


def get_cart(token: str | None) -> Cart | None:
    """The cart of this token, or None (no token, a malformed one, or an unknown one)."""
    if not token or len(token) > TOKEN_MAX_LENGTH or "\x00" in token:
        return None
    return db.session.scalars(select(Cart).where(Cart.token == token)).first()


def get_or_create_cart(token: str | None) -> Cart:
    """The cart of this token, or a new cart with a fresh server-made token (never the browser's)."""
    cart = get_cart(token)
    if cart is None:
        cart = new_cart()
        db.session.add(cart)
        db.session.flush()
    return cart


def new_cart() -> Cart:
    """A new cart with a fresh server-made token, not yet stored: ``add_item`` stores it with its first line, after
    every check, so a refused addition writes nothing and a visitor's first addition writes only its two rows."""
    return Cart(token=new_token())


def add_item(cart: Cart, *, product_id: int | None = None, package_id: int | None = None, quantity: int = 1) -> CartLine:
    """Add ``quantity`` of a product or a package; adds to the line already holding it. ``cart`` may be a new one
    (``new_cart``), stored here with its line.

    Raises InvalidQuantity (not a whole number, below 1, line above MAX_LINE_QUANTITY), NotOrderable
    (unknown, unpublished, hidden, archived, inactive package or producer) and NotEnoughStock (counted over
    the whole cart, package components included). Nothing changes when it raises.
    """
    quantity = _check_quantity(quantity)
    if (product_id is None) == (package_id is None):
        raise NotOrderable(_l("Kies een product of een pakket."))
    item: Product | Package | None
    if product_id is not None:
        item = _load_product(product_id) if isinstance(product_id, int) else None
        if item is None or not _is_sellable(item):
            raise NotOrderable(_l("Dit product is niet (meer) te koop."))
    else:
        item = _load_package(package_id) if isinstance(package_id, int) else None
        if item is None or not _is_sellable(item):
            raise NotOrderable(_l("Dit pakket is niet (meer) te koop."))
    lines = _load_lines(cart, _stock_check_options)
    key = _key(item)
    line = next((line for line in lines if _key(line) == key), None)
    new_quantity = quantity + (line.quantity if line else 0)
    if new_quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(
            _l("Je hebt al %(in_cart)d × %(name)s in je winkelmand; meer dan %(max)d per product kan niet.",
               in_cart=line.quantity, name=_name(item), max=MAX_LINE_QUANTITY)
        )
    _check_new_quantities(lines, {key: (item, new_quantity)}, {key: line.quantity} if line else None)
    if line is None:
        line = CartLine(cart=cart, quantity=new_quantity)
        if isinstance(item, Product):
            line.product = item
        else:
            line.package = item
        db.session.add(line)
    else:
        line.quantity = new_quantity
    db.session.flush()
    return line


@dataclass(frozen=True)
class Addition:
    """What ``add_to_new_cart`` stored: the new cart's token, the item's name (in the visitor's language) and the
    quantity of its line."""

    token: str
    name: str
    quantity: int


# What adding a product to a new cart reads of it, in one statement: the sale rule (``Product.is_for_sale``, in
# its SQL form), its stock and its name. Built once: the statement is the same for every addition.
_NEW_CART_PRODUCT = (
    select(Product.name, Product.translations, Product.stock, Product.is_for_sale.label("for_sale"))
    .where(Product.id == bindparam("product_id"))
)
_INSERT_CART = insert(Cart.__table__)
_INSERT_LINE = insert(CartLine.__table__)


def add_to_new_cart(*, product_id: int | None = None, package_id: int | None = None, quantity: int = 1) -> Addition:
    """``add_item`` for a visitor without a cart: the same rules, refusals and messages, and a new cart (with a
    fresh server-made token) holding the one line. Nothing is written when it raises.

    A new cart has no other lines, so the whole cart's stock check is the item's own. A product for sale with at
    least ``quantity`` in stock is read in one statement (the sale rule in its SQL form, its stock and name); a
    package is loaded with its components and checked as ``add_item`` checks it. Either is then stored with two
    INSERTs, without the ORM's unit of work (no objects are kept: the caller needs only the token, the name and
    the quantity). Anything else (an unknown item, one not for sale, a product short of stock) goes through
    ``add_item``, which decides and raises its message.

    Raises like ``add_item``.
    """
    quantity = _check_quantity(quantity)
    if product_id is not None and package_id is None and isinstance(product_id, int):
        connection = db.session.connection()
        item = connection.execute(_NEW_CART_PRODUCT, {"product_id": product_id}).first()
        if item is not None and item.for_sale and item.stock >= quantity:
            name = Translated.t(item, "name", current_language())  # the row has what t() reads: name, translations
            return _store_new_cart(name, quantity, product_id=product_id, connection=connection)
    elif package_id is not None and product_id is None and isinstance(package_id, int):
        package = _load_package(package_id)
        if package is not None and _is_sellable(package):
            _check_new_quantities([], {_key(package): (package, quantity)})
            return _store_new_cart(_name(package), quantity, package_id=package_id)
    cart = new_cart()
    line = add_item(cart, product_id=product_id, package_id=package_id, quantity=quantity)
    return Addition(cart.token, _name(_line_item(line)), line.quantity)


def _store_new_cart(name: str, quantity: int, *, product_id: int | None = None, package_id: int | None = None,
                    connection=None) -> Addition:
    """A new cart with one line, checked before: two INSERTs in the session's transaction (on ``connection``, the
    session's connection when the caller has it already)."""
    connection = connection if connection is not None else db.session.connection()
    token = new_token()
    cart_id = connection.execute(_INSERT_CART, {"token": token}).inserted_primary_key[0]
    connection.execute(_INSERT_LINE, {"cart_id": cart_id, "product_id": product_id, "package_id": package_id,
                                      "quantity": quantity})
    return Addition(token, name, quantity)


def _find_line(lines: list[CartLine], line_id) -> CartLine:
    line = next((line for line in lines if line.id == line_id), None)
    if line is None:
        raise UnknownCartLine(_l("Deze regel staat niet in je winkelmand."))
    return line


def set_quantity(cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Set one line's quantity; 0 removes the line (returns None then).

    Raises UnknownCartLine (not a line of this cart), InvalidQuantity, NotOrderable, NotEnoughStock.
    """
    return update_quantities(cart, {line_id: quantity}).get(line_id)


def update_quantities(cart: Cart, quantities: dict[int, int]) -> dict[int, CartLine | None]:
    """Set several lines' quantities at once, all or nothing (0 removes a line).

    Lines whose quantity stays the same are not checked again, so a line that became unavailable does not
    block changing the others. Raises like ``set_quantity``.
    """
    lines = _load_lines(cart)
    changed: dict[tuple[str, int], tuple[Product | Package, int]] = {}
    targets: dict[int, tuple[CartLine, int]] = {}
    for line_id, quantity in quantities.items():
        line = _find_line(lines, line_id)
        quantity = _check_quantity(quantity, allow_zero=True)
        targets[line.id] = (line, quantity)
        if quantity != line.quantity:
            changed[_key(line)] = (_line_item(line), quantity)
    _check_new_quantities(lines, changed)
    result: dict[int, CartLine | None] = {}
    for line_id, (line, quantity) in targets.items():
        if quantity == 0:
            if line in cart.lines:
                cart.lines.remove(line)
            db.session.delete(line)
            result[line_id] = None
        else:
            line.quantity = quantity
            result[line_id] = line
    db.session.flush()
    return result


def remove_line(cart: Cart, line_id: int) -> CartLine:
    """Remove a line of this cart; returns the removed line. Raises UnknownCartLine."""
    line = _find_line(_load_lines(cart), line_id)
    if line in cart.lines:
        cart.lines.remove(line)
    db.session.delete(line)
    db.session.flush()
    return line


def clear_cart(cart: Cart) -> int:
    """Remove every line (after an order is placed); the cart and its token stay. One DELETE: the lines are not
    loaded again (lines already in the session leave it). Returns how many lines it removed."""
    db.session.flush()
    removed = 0
    if cart.id is not None:
        removed = db.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id)).rowcount
    db.session.expire(cart, ["lines"])
    return removed


def count_items(token: str | None) -> int:
    """Sum of the quantities in the cart of this token: one small query; none without a token."""
    if not token or len(token) > TOKEN_MAX_LENGTH or "\x00" in token:
        return 0
    return db.session.scalar(
        select(func.coalesce(func.sum(CartLine.quantity), 0)).join(Cart, CartLine.cart_id == Cart.id).where(Cart.token == token)
    ) or 0


# --- pricing ------------------------------------------------------------------------------------------------------


def _available_now(item: Product | Package) -> int:
    """How many could be bought now, the rest of the cart aside (``packages.available_quantity`` for a package)."""
    if isinstance(item, Package):
        return available_quantity(item)
    return item.stock if item.is_for_sale else 0


def price_cart(cart: Cart | None, day: date) -> PricedCart:
    """Price every line from the database on ``day``: unit prices, VAT per rate (packages split over their
    components in proportion to their list prices), the units of stock the cart needs, and a translated
    problem for each line that cannot be bought as it is (no longer for sale, or not enough stock)."""
    lines = _load_lines(cart) if cart is not None else []
    priced: list[PricedLine] = []
    gross_by_rate: dict[int, int] = defaultdict(int)
    stock_quantities: dict[int, int] = defaultdict(int)
    problems: list[str] = []
    entries = [(_line_item(line), line.quantity) for line in lines]
    for index, line in enumerate(lines):
        item, quantity = entries[index]
        total = item.price_cents * quantity
        for product_id, units in _units(item).items():
            stock_quantities[product_id] += units * quantity
        if isinstance(item, Product):
            rate = item.vat_category.rate_on(day)
            components: list[ComponentShare] = []
            gross_by_rate[rate] += total
            perishable = item.perishable
        else:
            rate = None
            components = component_shares(item, day)
            for share in components:
                gross_by_rate[share.vat_rate] += share.share_cents * quantity
            perishable = any(c.product.perishable for c in item.components)
        problem = None
        for_sale = _is_sellable(item)
        if not for_sale:
            problem = str(_l("%(name)s is niet meer te koop. Verwijder het uit je winkelmand.", name=_name(item)))
        else:
            others = [entry for i, entry in enumerate(entries) if i != index]
            capacity = _capacity(item, others)
            if quantity > capacity:
                problem = str(_shortage_message(item, capacity, shared=capacity < _available_now(item)))
        if problem:
            problems.append(problem)
        priced.append(
            PricedLine(
                line_id=line.id,
                product=line.product if line.product_id is not None else None,
                package=line.package if line.package_id is not None else None,
                quantity=quantity,
                unit_price_cents=item.price_cents,
                total_cents=total,
                vat_rate=rate,
                components=components,
                perishable=perishable,
                available=_available_now(item),
                problem=problem,
                for_sale=for_sale,
            )
        )
    return PricedCart(
        lines=priced,
        goods_cents=sum(line.total_cents for line in priced),
        vat_lines=vat_lines(gross_by_rate),
        item_count=sum(line.quantity for line in priced),
        has_perishables=any(line.perishable for line in priced),
        stock_quantities=dict(stock_quantities),
        problems=problems,
    )
