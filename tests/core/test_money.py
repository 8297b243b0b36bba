import pytest

from shop.core.money import (
    MoneyParseError,
    NetPrice,
    format_eur,
    gross_per_rate,
    net_price,
    parse_cents,
    price_per_kg_cents,
    split_largest_remainder,
    split_over_rates,
    vat_in_gross,
    vat_lines,
)


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [(1060, 6, 60), (1210, 21, 210), (100, 6, 6), (1, 21, 0), (3, 21, 1), (0, 6, 0), (999, 0, 0), (-1060, 6, -60)],
)
def test_vat_inside_a_gross_amount_rounds_half_up(gross, rate, vat):
    assert vat_in_gross(gross, rate) == vat


def test_split_largest_remainder_sums_exactly_and_is_proportional():
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert split_largest_remainder(3500, [450, 250]) == [2250, 1250]
    parts = split_largest_remainder(9999, [333, 777, 1, 1])
    assert sum(parts) == 9999
    assert split_largest_remainder(500, []) == []
    assert split_largest_remainder(500, [0, 0]) == [500, 0]


def test_vat_lines_give_base_and_vat_per_rate():
    assert vat_lines({21: 1210, 6: 1060}) == [
        {"rate": 6, "gross_cents": 1060, "vat_cents": 60, "base_cents": 1000},
        {"rate": 21, "gross_cents": 1210, "vat_cents": 210, "base_cents": 1000},
    ]


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12,50", 1250), ("12.5", 1250), ("€ 3", 300), ("3 €", 300), ("0,05", 5), (" 7 ", 700), ("4,5", 450)],
)
def test_parse_cents_reads_amounts_as_people_type_them(text, cents):
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1,234", "-3", "12,50,1", "1e3", "99999999"])
def test_parse_cents_refuses_junk(text):
    with pytest.raises(MoneyParseError):
        parse_cents(text)


def test_format_eur_per_locale():
    assert format_eur(1250, "nl_BE") == "€\xa012,50"
    assert format_eur(1250, "fr_BE") == "12,50\xa0€"
    assert format_eur(1250, "en_IE") == "€12.50"
    assert format_eur(None) == ""


def test_price_per_kg():
    assert price_per_kg_cents(450, 250) == 1800
    assert price_per_kg_cents(399, 330) == 1209
    assert price_per_kg_cents(450, None) is None


def test_split_over_rates_keeps_each_part_s_rate_and_sums_exactly():
    # 3999 over 1250 : 666 : 1499 -> 1463.76, 779.88, 1755.35; the 2 left-over cents go to the largest remainders.
    assert split_over_rates(3999, [(6, 1250), (6, 666), (21, 1499)]) == [(6, 1464), (6, 780), (21, 1755)]
    assert split_over_rates(695, [(6, 3000), (21, 1000)]) == [(6, 521), (21, 174)]
    assert split_over_rates(500, []) == []


def test_gross_per_rate_adds_up_per_rate():
    assert gross_per_rate([(6, 1464), (6, 780), (21, 1755)]) == {6: 2244, 21: 1755}
    assert gross_per_rate([]) == {}


def test_net_price_tells_a_gross_price_apart_per_rate_and_keeps_the_gross():
    assert net_price(1060, [(6, 1)]) == NetPrice(gross_cents=1060, net_cents=1000, vat_cents=60)
    # 20,00 over 9,34 at 6 % and 10,66 at 21 %: VAT 0,53 + 1,85, counted once per rate
    assert net_price(2000, [(6, 934), (21, 1066)]) == NetPrice(gross_cents=2000, net_cents=1762, vat_cents=238)
    # a cart's VAT lines as weights give back the sum of their bases
    lines = vat_lines({6: 3054, 21: 1066})
    price = net_price(4120, [(line["rate"], line["gross_cents"]) for line in lines])
    assert price.net_cents == sum(line["base_cents"] for line in lines) == 3762
    for gross in range(0, 500, 7):
        split = net_price(gross, [(6, 3), (21, 2), (12, 1)])
        assert split.net_cents + split.vat_cents == gross
