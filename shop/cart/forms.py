"""Cart forms. They carry only ids and quantities: prices never come from the browser."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from shop.cart.services import MAX_LINE_QUANTITY
from shop.core.ids import parse_id

_WHOLE_NUMBER = re.compile(r"^\s*[+-]?\d{1,9}\s*$")


class QuantityError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_quantity(text: str | None, *, allow_zero: bool = False) -> int:
    """A quantity as typed: a whole number from 1 (or 0, to remove) to MAX_LINE_QUANTITY.

    Raises QuantityError with a translated message.
    """
    if text is None or not str(text).strip():
        raise QuantityError(_l("Vul een aantal in."))
    if not _WHOLE_NUMBER.match(str(text)):
        raise QuantityError(_l("Vul als aantal een heel getal in."))
    quantity = int(text)
    if quantity < (0 if allow_zero else 1):
        raise QuantityError(_l("Het aantal moet minstens 1 zijn.") if not allow_zero else _l("Het aantal kan niet negatief zijn."))
    if quantity > MAX_LINE_QUANTITY:
        raise QuantityError(
            _l("Je kunt per product hoogstens %(max)d stuks bestellen. Voor grotere bestellingen: neem contact met ons op.",
               max=MAX_LINE_QUANTITY)
        )
    return quantity


@dataclass(frozen=True)
class AddToCart:
    """What an add-to-cart form asked: the item (``("product", id)`` or ``("package", id)``), the quantity, where to
    go back to, and the first problem's message (None when the form is valid; item or quantity are None then)."""

    item: tuple[str, int] | None
    quantity: int | None
    next: str | None
    error: str | None


def read_add_to_cart(formdata) -> AddToCart:
    """The add-to-cart form of a product or package page, or a list card: ``product_id`` or ``package_id`` (one
    of the two, a record id), ``quantity`` (a whole number 1..MAX_LINE_QUANTITY; 1 when not posted: a list card's
    button) and ``next``. ``formdata`` is the posted form (a MultiDict; None when nothing was posted).

    Its CSRF token is checked by the app's CSRFProtect before the view runs (a POST without the page's token is
    answered 400 and reaches no view), so it is not checked a second time here. A plain function, not a WTForms
    form: building and validating one cost ~70 µs of every addition, for four fields that are never rendered from
    it. The rules and messages are the form's: the item's problem first, then the quantity's."""
    formdata = formdata if formdata is not None else {}
    raw_product, raw_package, raw_next = (_first(formdata, name) for name in ("product_id", "package_id", "next"))
    item, error = _item(raw_product, raw_package)
    quantity = 1
    if "quantity" in formdata:
        try:
            quantity = parse_quantity(_first(formdata, "quantity"))
        except QuantityError as problem:
            quantity = None
            error = error or str(problem.message)
    return AddToCart(item if error is None else None, quantity if error is None else None, raw_next,
                     str(error) if error is not None else None)


def _first(formdata, name: str):
    values = formdata.getlist(name) if hasattr(formdata, "getlist") else [formdata[name]] if name in formdata else []
    return values[0] if values else None


def _item(raw_product, raw_package) -> tuple[tuple[str, int] | None, str | None]:
    product_id = parse_id(raw_product) if raw_product else None
    package_id = parse_id(raw_package) if raw_package else None
    if raw_product and product_id is None or raw_package and package_id is None:
        return None, str(_l("Dit product of pakket bestaat niet."))
    if (product_id is None) == (package_id is None):
        return None, str(_l("Kies een product of een pakket."))
    return ("product", product_id) if product_id is not None else ("package", package_id), None


class CartForm(FlaskForm):
    """The cart page's forms: only the CSRF token is a declared field; quantities are ``quantity-<line id>``."""
