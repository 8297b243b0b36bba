"""Belgian structured references (+++123/4567/89002+++): ten digits and their mod-97 check digits."""

from __future__ import annotations

import pytest

from shop.core.structured_reference import is_structured_reference, parse_structured_reference, structured_reference


@pytest.mark.parametrize("number, reference", [
    (1234567890, "+++123/4567/89002+++"),  # 1234567890 mod 97 = 2
    (2026000123, "+++202/6000/12320+++"),  # mod 97 = 20
    (97, "+++000/0000/09797+++"),  # mod 97 = 0: the check digits are 97
    (0, "+++000/0000/00097+++"),
    (9_999_999_999, "+++999/9999/99948+++"),  # mod 97 = 48
])
def test_a_number_gets_its_reference_with_mod_97_check_digits(number, reference):
    assert structured_reference(number) == reference
    assert parse_structured_reference(reference) == number


@pytest.mark.parametrize("number", [-1, 10_000_000_000])
def test_a_number_beyond_ten_digits_has_no_reference(number):
    with pytest.raises(ValueError):
        structured_reference(number)


@pytest.mark.parametrize("text", ["+++123/4567/89002+++", "***123/4567/89002***", "123/4567/89002", "123456789002",
                                  " +++ 123 / 4567 / 89002 +++ "])
def test_a_reference_is_read_as_people_type_it(text):
    assert parse_structured_reference(text) == 1234567890


@pytest.mark.parametrize("text", ["+++123/4567/89003+++", "12345678900", "1234567890021", "", None, "+++abc/defg/hijkl+++"])
def test_a_wrong_check_digit_or_shape_is_not_a_reference(text):
    assert parse_structured_reference(text) is None
    assert not is_structured_reference(text)


@pytest.mark.parametrize("number", [0, 1, 96, 97, 98, 194, 1234567890, 2026000123, 2026999999, 9_999_999_999])
def test_our_references_are_valid_ogm_vcs_for_python_stdnum(number):
    from stdnum.be import ogm_vcs

    reference = structured_reference(number)

    digits = ogm_vcs.validate(reference)
    assert digits == f"{number:010d}" + ogm_vcs.calc_check_digits(f"{number:010d}")
    assert f"+++{ogm_vcs.format(digits)}+++" == reference


def test_a_reference_stdnum_refuses_is_not_ours_either():
    from stdnum.be import ogm_vcs

    for number in (1234567890, 97, 2026000123):
        digits = structured_reference(number).strip("+").replace("/", "")
        for wrong in range(1, 98):
            if wrong == int(digits[10:]):
                continue
            candidate = digits[:10] + f"{wrong:02d}"
            assert ogm_vcs.is_valid(candidate) is False
            assert parse_structured_reference(candidate) is None
