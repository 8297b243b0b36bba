"""Belgian VAT numbers (ondernemingsnummers): BE + 10 digits, the first 0 or 1, with mod-97 check digits."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from shop.core.errors import DomainError


class InvalidVatNumber(DomainError):
    pass


_SEPARATORS = re.compile(r"[\s.\-/]")


def normalise_vat_number(text: str | None) -> str:
    """Accept "BE 0123.456.749", "be0123456749" or "0123456749" and return "BE0123456749".

    The number must be 10 digits starting with 0 or 1, and 97 - (first 8 digits mod 97) must equal the last
    two. Raises InvalidVatNumber with a message that says how to fix it.
    """
    value = _SEPARATORS.sub("", text or "").upper()
    if not value:
        raise InvalidVatNumber(_l("Geef het btw-nummer van je bedrijf, zoals BE 0123.456.749."))
    if value.startswith("BE"):
        value = value[2:]
    elif value[:2].isalpha():
        raise InvalidVatNumber(_l("Geef een Belgisch btw-nummer: BE en 10 cijfers, zoals BE 0123.456.749."))
    if not value.isdigit() or len(value) != 10:
        raise InvalidVatNumber(_l("Een Belgisch btw-nummer heeft 10 cijfers na BE, zoals BE 0123.456.749."))
    if value[0] not in "01":
        raise InvalidVatNumber(_l("Een Belgisch btw-nummer begint na BE met 0 of 1, zoals BE 0123.456.749."))
    if 97 - int(value[:8]) % 97 != int(value[8:]):
        raise InvalidVatNumber(
            _l("Dit btw-nummer klopt niet: de laatste twee cijfers zijn een controlegetal. Kijk het nummer na.")
        )
    return "BE" + value


def format_vat_number(number: str) -> str:
    """BE0123456749 → BE 0123.456.749, as printed on invoices."""
    digits = number[2:]
    return f"BE {digits[:4]}.{digits[4:7]}.{digits[7:]}"
