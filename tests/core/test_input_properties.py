"""Properties of the parsers every piece of typed input goes through, over any text (Hypothesis): they answer with
a value in range or with their own error and a message, never with anything else (a 500 at the page)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shop.cart.forms import QuantityError, parse_quantity
from shop.cart.services import MAX_LINE_QUANTITY
from shop.core.downloads import FORMULA_STARTS, csv_cell
from shop.core.postcode import belgian_postcode
from shop.core.vat_number import (
    InvalidCompanyData,
    enterprise_number,
    format_vat_number,
    normalise_peppol_id,
    normalise_purchase_order,
    normalise_vat_number,
)

ANY_TEXT = st.text(max_size=40) | st.from_regex(r"(BE)?[ .]?[01]\d{3}[ .]?\d{3}[ .]?\d{3}", fullmatch=True)


@given(ANY_TEXT)
def test_a_vat_number_is_normalised_with_valid_check_digits_or_refused_with_a_message(text):
    try:
        number = normalise_vat_number(text)
    except InvalidCompanyData as error:
        assert str(error)
        return
    digits = number[2:]
    assert number.startswith("BE") and len(digits) == 10 and digits.isdigit() and digits[0] in "01"
    assert 97 - int(digits[:8]) % 97 == int(digits[8:])
    assert normalise_vat_number(format_vat_number(number)) == number  # the printed form reads back
    assert normalise_peppol_id("", number) == f"0208:{enterprise_number(number)}"


@given(st.text(max_size=80))
def test_a_purchase_order_reference_is_printable_and_short_or_refused(text):
    try:
        reference = normalise_purchase_order(text)
    except InvalidCompanyData as error:
        assert str(error)
        return
    assert len(reference) <= 50 and reference.isprintable() and reference == reference.strip()


@given(st.text(max_size=12))
def test_a_postcode_is_four_digits_from_1000_or_none(text):
    postcode = belgian_postcode(text)
    assert postcode is None or (len(postcode) == 4 and postcode.isdigit() and 1000 <= int(postcode) <= 9999)


@given(st.text(max_size=12) | st.integers(-10**12, 10**12).map(str))
def test_a_cart_quantity_is_a_whole_number_in_range_or_refused_with_a_message(text):
    try:
        quantity = parse_quantity(text)
    except QuantityError as error:
        assert str(error.message)
        return
    assert 1 <= quantity <= MAX_LINE_QUANTITY


@given(st.none() | st.integers() | st.text(max_size=30))
def test_no_csv_cell_starts_like_a_formula_unless_it_is_a_plain_number(value):
    cell = csv_cell(value)
    if cell.startswith(FORMULA_STARTS):
        assert cell.lstrip("-").replace(",", "").replace(".", "").isdigit()
