"""Belgian VAT numbers: normalised form and mod-97 check digits."""

from __future__ import annotations

import pytest

from shop.core.vat_number import InvalidVatNumber, format_vat_number, normalise_vat_number


@pytest.mark.parametrize("text, expected", [
    ("BE 0123.456.749", "BE0123456749"),
    ("be0123456749", "BE0123456749"),
    ("0123456749", "BE0123456749"),
    (" BE0207.725.104 ", "BE0207725104"),
    ("BE 0207 725 104", "BE0207725104"),
    ("1000.000.021", "BE1000000021"),
])
def test_valid_numbers_are_normalised(text, expected):
    assert normalise_vat_number(text) == expected


@pytest.mark.parametrize("text, message", [
    ("", "Geef het btw-nummer van je bedrijf, zoals BE 0123.456.749."),
    ("NL123456789B01", "Geef een Belgisch btw-nummer: BE en 10 cijfers, zoals BE 0123.456.749."),
    ("BE 123.456.749", "Een Belgisch btw-nummer heeft 10 cijfers na BE, zoals BE 0123.456.749."),
    ("BE01234567490", "Een Belgisch btw-nummer heeft 10 cijfers na BE, zoals BE 0123.456.749."),
    ("BE 0123.456.74x", "Een Belgisch btw-nummer heeft 10 cijfers na BE, zoals BE 0123.456.749."),
    ("BE 2123.456.749", "Een Belgisch btw-nummer begint na BE met 0 of 1, zoals BE 0123.456.749."),
    ("BE 0123.456.748", "Dit btw-nummer klopt niet: de laatste twee cijfers zijn een controlegetal. Kijk het nummer na."),
    ("BE 0207.725.105", "Dit btw-nummer klopt niet: de laatste twee cijfers zijn een controlegetal. Kijk het nummer na."),
])
def test_invalid_numbers_say_how_to_fix_them(app, text, message):
    with app.test_request_context():
        with pytest.raises(InvalidVatNumber) as error:
            normalise_vat_number(text)
        assert str(error.value) == message


def test_format_for_invoices():
    assert format_vat_number("BE0123456749") == "BE 0123.456.749"
