"""Cart forms. They carry only ids and quantities: prices never come from the browser."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField
from wtforms.validators import ValidationError
from wtforms.widgets import NumberInput

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


class QuantityField(Field):
    """An <input type=number> whose errors are our own Dutch sentences (not WTForms' English ones)."""

    widget = NumberInput(min=1, max=MAX_LINE_QUANTITY)

    def __init__(self, label=None, validators=None, allow_zero: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_zero = allow_zero
        self.raw = None

    def process_formdata(self, valuelist):
        if not valuelist:  # not posted at all (a list card's button): the default
            self.data = self.default
            return
        self.raw = valuelist[0]
        self.data = None
        try:
            self.data = parse_quantity(self.raw, allow_zero=self.allow_zero)
        except QuantityError as error:
            raise ValueError(str(error.message)) from None

    def _value(self):
        if self.raw is not None:
            return self.raw
        return "" if self.data is None else str(self.data)


class AddToCartForm(FlaskForm):
    """From a product or package page, or a list card: which item, how many, and where to go back to.

    Its CSRF token is checked by the app's CSRFProtect before the view runs (a POST without the page's token is
    answered 400 and reaches no view), so the form does not check it a second time, nor make a new signed token
    that nothing would show (the answer is a redirect)."""

    class Meta:
        csrf = False

    # Labelled (never shown): a field without a label asks WTForms for a translated default one, which loads its
    # message catalogue from disk on every request.
    product_id = HiddenField("product_id")
    package_id = HiddenField("package_id")
    quantity = QuantityField(_l("Aantal"), default=1)
    next = HiddenField("next")

    def validate_product_id(self, field):
        product_id = parse_id(field.data) if field.data else None
        package_id = parse_id(self.package_id.data) if self.package_id.data else None
        if field.data and product_id is None or self.package_id.data and package_id is None:
            raise ValidationError(_l("Dit product of pakket bestaat niet."))
        if (product_id is None) == (package_id is None):
            raise ValidationError(_l("Kies een product of een pakket."))
        self.item = ("product", product_id) if product_id is not None else ("package", package_id)


class CartForm(FlaskForm):
    """The cart page's forms: only the CSRF token is a declared field; quantities are ``quantity-<line id>``."""
