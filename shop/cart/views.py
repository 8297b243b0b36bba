"""Routes of the cart domain: ``/winkelmand`` and its forms, the cart cookie and the header count."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict

from shop.cart.forms import CartForm, QuantityError, parse_quantity, read_add_to_cart
from shop.cart.models import Cart
from shop.cart.services import (
    MAX_LINE_QUANTITY,
    UnknownCartLine,
    add_item,
    add_to_new_cart,
    get_cart,
    price_cart,
    remove_line,
    set_quantity,
    update_quantities,
)
from shop.catalog.models import Category
from shop.core.clock import shop_today
from shop.core.errors import DomainError
from shop.core.i18n import current_language
from shop.core.redirects import local_path
from shop.core.security import mark_personal
from shop.core.settings import get_settings
from shop.extensions import db

bp = Blueprint("cart", __name__)
bp.before_request(mark_personal)  # a visitor's own cart: never kept by a cache

CART_COOKIE = "lov_cart"
CART_COOKIE_MAX_AGE = 30 * 24 * 60 * 60  # 30 days


def cart_token() -> str | None:
    return request.cookies.get(CART_COOKIE) or None


def current_cart() -> Cart | None:
    """The visitor's cart from the ``lov_cart`` cookie, or None (no cookie, unknown token)."""
    if "cart" not in g:
        g.cart = get_cart(cart_token())
    return g.cart



def set_cart_cookie(response, token: str):
    """Give the visitor the cookie of the cart with this token (HttpOnly, SameSite=Lax, 30 days; Secure in
    production)."""
    response.set_cookie(
        CART_COOKIE,
        token,
        max_age=CART_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/",
    )
    return response




def _item_name(line) -> str:
    item = line.product if line.product_id is not None else line.package
    return item.t("name", current_language())


# --- the cart page ------------------------------------------------------------------------------------------


def _render_cart(status: int = 200, *, values: dict[int, str] | None = None, errors: dict[int, str] | None = None,
                 message: str | None = None):
    cart = current_cart()
    priced = price_cart(cart, shop_today())
    settings = get_settings()
    threshold = settings.free_delivery_threshold_cents
    categories = [] if priced.lines else db.session.scalars(
        select(Category).where(Category.parent_id.is_(None)).order_by(Category.position, Category.name)
    ).all()
    return (
        render_template(
            "cart/cart_show.html",
            priced=priced,
            form=CartForm(),
            settings=settings,
            free_delivery=priced.goods_cents >= threshold,
            to_free_delivery_cents=max(0, threshold - priced.goods_cents),
            delivery_from_cents=settings.cheapest_delivery_fee_cents,
            checkout_url=url_for("checkout.start"),
            values=values or {},
            errors=errors or {},
            message=message,
            max_quantity=MAX_LINE_QUANTITY,
            categories=categories,
        ),
        status,
    )


@bp.get("/winkelmand")
def show():
    return _render_cart()


def _posted_fields():
    """The posted fields, as Flask-WTF hands them to a form: files and form, the form, a JSON body, or None."""
    if request.files:
        return CombinedMultiDict((request.files, request.form))
    if request.form:
        return request.form
    if request.is_json:
        return ImmutableMultiDict(request.get_json())
    return None


def _add_and_commit(kind: str, item_id: int, quantity: int) -> tuple[str, int, str]:
    """Add ``quantity`` of the item to the visitor's cart (a new one without it) and commit; (the item's name, its
    line's quantity, the cart's token). Raises like ``add_item``."""
    # A new visitor's cart is stored with its first line, after every check: the write takes only the moment
    # of two INSERTs and the commit (on SQLite, the moment other workers wait for the write lock).
    cart = get_cart(cart_token())
    if cart is None:
        added = add_to_new_cart(**{f"{kind}_id": item_id}, quantity=quantity)
        name, total, token = added.name, added.quantity, added.token
    else:
        line = add_item(cart, **{f"{kind}_id": item_id}, quantity=quantity)
        name = _item_name(line)
        total = line.quantity
        token = cart.token  # read before the commit, which expires it (reading it after costs a query)
    db.session.commit()
    return name, total, token


@bp.post("/winkelmand/toevoegen")
def add():
    asked = read_add_to_cart(_posted_fields())
    back = local_path(asked.next) or url_for("cart.show")
    if asked.error is not None:
        flash(asked.error, "error")
        return redirect(back, code=303)
    kind, item_id = asked.item
    try:
        try:
            name, total, token = _add_and_commit(kind, item_id, asked.quantity)
        except IntegrityError:
            # Another request of this visitor (a double click) stored the item's line after this one read the cart
            # without it: nothing of this one was kept. Added again, it adds to that line, checked as ever.
            db.session.rollback()
            name, total, token = _add_and_commit(kind, item_id, asked.quantity)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back, code=303)
    added = asked.quantity
    if total > added:
        flash(_("%(quantity)d × %(name)s toegevoegd aan je winkelmand (er zitten er nu %(total)d in).",
                quantity=added, name=name, total=total), "success")
    else:
        flash(_("%(quantity)d × %(name)s toegevoegd aan je winkelmand.", quantity=added, name=name), "success")
    return set_cart_cookie(redirect(back, code=303), token)


def _cart_or_404() -> Cart:
    cart = current_cart()
    if cart is None:
        abort(404)
    return cart


@bp.post("/winkelmand/<int:line_id>/aantal")
def update_line(line_id: int):
    cart = _cart_or_404()
    if not CartForm().validate_on_submit():
        flash(_("Je sessie is verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for("cart.show"), code=303)
    try:
        quantity = parse_quantity(request.form.get("quantity"), allow_zero=True)
    except QuantityError as error:
        flash(str(error.message), "error")
        return redirect(url_for("cart.show"), code=303)
    try:
        line = next((line for line in cart.lines if line.id == line_id), None)
        name = _item_name(line) if line is not None else ""
        result = set_quantity(cart, line_id, quantity)
        db.session.commit()
    except UnknownCartLine:
        db.session.rollback()
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("cart.show"), code=303)
    if result is None:
        flash(_("%(name)s is uit je winkelmand verwijderd.", name=name), "success")
    else:
        flash(_("Aantal aangepast: %(quantity)d × %(name)s.", quantity=result.quantity, name=name), "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/winkelmand/<int:line_id>/verwijderen")
def remove(line_id: int):
    cart = _cart_or_404()
    if not CartForm().validate_on_submit():
        flash(_("Je sessie is verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for("cart.show"), code=303)
    try:
        line = remove_line(cart, line_id)
        name = _item_name(line)
        db.session.commit()
    except UnknownCartLine:
        db.session.rollback()
        abort(404)
    flash(_("%(name)s is uit je winkelmand verwijderd.", name=name), "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/winkelmand/bijwerken")
def update_all():
    """One form for every line's quantity (``quantity-<line id>``); all or nothing."""
    cart = _cart_or_404()
    if not CartForm().validate_on_submit():
        flash(_("Je sessie is verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for("cart.show"), code=303)
    values: dict[int, str] = {}
    errors: dict[int, str] = {}
    quantities: dict[int, int] = {}
    for line in cart.lines:  # only this cart's lines are read; other posted ids are ignored
        raw = request.form.get(f"quantity-{line.id}")
        if raw is None:
            continue
        values[line.id] = raw
        try:
            quantities[line.id] = parse_quantity(raw, allow_zero=True)
        except QuantityError as error:
            errors[line.id] = str(error.message)
    if errors:
        return _render_cart(422, values=values, errors=errors)
    try:
        update_quantities(cart, quantities)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        g.pop("cart", None)
        return _render_cart(422, values=values, message=str(error))
    flash(_("Je winkelmand is bijgewerkt."), "success")
    return redirect(url_for("cart.show"), code=303)
