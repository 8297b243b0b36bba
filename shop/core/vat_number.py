"""Belgian company identifiers: VAT numbers (BE + 10 digits, the first 0 or 1, with mod-97 check digits), the
enterprise number inside them, Peppol participant ids, and purchase-order references."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from shop.core.errors import DomainError


class InvalidCompanyData(DomainError):
    """A company's identification that cannot go on an invoice (VAT number, Peppol id, PO reference)."""


class InvalidVatNumber(InvalidCompanyData):
    pass


class InvalidPeppolId(InvalidCompanyData):
    pass


class InvalidPurchaseOrder(InvalidCompanyData):
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


def format_enterprise_number(vat_number: str) -> str:
    """The enterprise number of a normalised VAT number as it is usually written: BE0123456749 → 0123.456.749."""
    return format_vat_number(vat_number)[3:]


def enterprise_number(vat_number: str) -> str:
    """The enterprise number (KBO/BCE) inside a normalised Belgian VAT number: BE0123456749 → 0123456749.

    Belgium uses the same ten digits for both; Peppol identifies a Belgian company by it (scheme 0208)."""
    return vat_number[2:] if vat_number.startswith("BE") else vat_number


# Peppol participant ids: "<scheme>:<identifier>". Belgian companies are reached by 0208 (the enterprise number);
# 9925 (the VAT number) is also in use. Other schemes are accepted as written, within Peppol's limits.
PEPPOL_SCHEME_ENTERPRISE = "0208"
PEPPOL_SCHEME_VAT = "9925"
_PEPPOL_ID = re.compile(r"^(\d{4}):([A-Za-z0-9.\-_]{1,50})$")


def default_peppol_id(vat_number: str) -> str:
    """The participant id a Belgian company has unless it says otherwise: 0208:<enterprise number>."""
    return f"{PEPPOL_SCHEME_ENTERPRISE}:{enterprise_number(vat_number)}"


def normalise_peppol_id(text: str | None, vat_number: str) -> str:
    """Check a Peppol participant id against the company's VAT number; empty means the default (0208).

    Accepts "0208:0123456749", "0208:0123.456.749", "iso6523-actorid-upis::0208:0123456749" and "9925:BE0123456749".
    A Belgian scheme must carry this company's number: a 0208 id whose enterprise number differs, or whose check
    digits fail, is refused (Peppol rejects it: PEPPOL-COMMON-R043). Raises InvalidPeppolId with how to fix it.
    """
    value = (text or "").strip()
    if not value:
        return default_peppol_id(vat_number)
    value = value.removeprefix("iso6523-actorid-upis::")
    scheme, _, identifier = value.partition(":")
    scheme = scheme.strip()
    identifier = _SEPARATORS.sub("", identifier)
    if scheme == PEPPOL_SCHEME_ENTERPRISE:
        if identifier != enterprise_number(vat_number):
            raise InvalidPeppolId(_l("Het Peppol-adres 0208:… moet het ondernemingsnummer van het bedrijf dragen: "
                                      "%(expected)s. Laat het veld leeg om dat te gebruiken."),
                                   expected=default_peppol_id(vat_number))
    elif scheme == PEPPOL_SCHEME_VAT:
        if identifier.upper() != vat_number:
            raise InvalidPeppolId(_l("Het Peppol-adres 9925:… moet het btw-nummer van het bedrijf dragen: "
                                      "9925:%(vat)s. Laat het veld leeg om 0208 te gebruiken."), vat=vat_number)
        identifier = identifier.upper()
    value = f"{scheme}:{identifier}"
    if not _PEPPOL_ID.match(value):
        raise InvalidPeppolId(_l("Geef het Peppol-adres als schema:nummer, zoals 0208:0123456749, of laat het veld "
                                  "leeg."))
    return value


PURCHASE_ORDER_MAX = 50


def normalise_purchase_order(text: str | None) -> str:
    """A purchase-order reference as the company wrote it: trimmed, at most 50 printable characters (it travels
    in the e-invoice's BuyerReference). Raises InvalidPurchaseOrder with how to fix it."""
    value = " ".join((text or "").split())
    if any(not character.isprintable() for character in value):
        raise InvalidPurchaseOrder(_l("Een bestelbonnummer mag alleen gewone tekens bevatten."))
    if len(value) > PURCHASE_ORDER_MAX:
        raise InvalidPurchaseOrder(_l("Een bestelbonnummer is hoogstens %(max)s tekens lang."), max=PURCHASE_ORDER_MAX)
    return value
