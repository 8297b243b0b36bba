"""Package rules: availability from the components' stock, the VAT split, the rolled-up food information."""

from __future__ import annotations

from datetime import date

from shop.catalog.allergens import Allergen, Presence
from shop.catalog.models import ProductStatus
from shop.catalog.vat import VatRate
from shop.packages.services import (
    available_quantity,
    components_list_price_cents,
    food_summary,
    is_available,
    vat_split,
)
from tests.factories import make_package, make_producer, make_product, make_vat_category

TODAY = date(2026, 12, 1)


def _cheese_and_beer_package(**overrides):
    """A € 35,00 gift box: one 6 % cheese of € 12,50 and two 21 % beers of € 3,00 (list price € 18,50)."""
    cheese = make_product("Hoevekaas", price_cents=1250, stock=10, vat=make_vat_category("food", 6))
    beer = make_product("Oudenaards bruin", price_cents=300, stock=10, vat=make_vat_category("alcohol", 21), alcohol_pct=5.5)
    return make_package([(cheese, 1), (beer, 2)], price_cents=3500, **overrides), cheese, beer


# --- availability ---------------------------------------------------------------------------------


def test_the_scarcest_component_decides_how_many_packages_can_be_sold(db):
    plenty = make_product(stock=10)
    scarce = make_product(stock=3)
    package = make_package([(plenty, 1), (scarce, 1)])

    assert available_quantity(package) == 3
    assert is_available(package) is True


def test_a_component_needed_twice_counts_its_stock_twice(db):
    jam = make_product(stock=7)
    package = make_package([(jam, 2)])

    assert available_quantity(package) == 3


def test_a_component_with_too_little_stock_for_one_package_makes_it_sold_out(db):
    beer = make_product(stock=1)
    package = make_package([(make_product(stock=50), 1), (beer, 2)])

    assert available_quantity(package) == 0
    assert is_available(package) is False


def test_a_component_out_of_stock_makes_the_package_sold_out(db):
    package = make_package([(make_product(stock=5), 1), (make_product(stock=0), 1)])

    assert available_quantity(package) == 0


def test_a_component_of_an_inactive_producer_makes_the_package_unavailable(db):
    stopped = make_producer(active=False)
    package = make_package([(make_product(stock=5), 1), (make_product(stock=5, producer=stopped), 1)])

    assert available_quantity(package) == 0


def test_an_unpublished_component_makes_the_package_unavailable(db):
    hidden = make_product(stock=5, status=ProductStatus.HIDDEN)
    package = make_package([(make_product(stock=5), 1), (hidden, 1)])

    assert available_quantity(package) == 0


def test_an_inactive_package_or_one_without_components_is_unavailable(db):
    assert available_quantity(make_package([(make_product(stock=5), 1)], active=False)) == 0
    assert available_quantity(make_package([])) == 0


# --- prices and VAT -------------------------------------------------------------------------------


def test_components_list_price_counts_quantities(db):
    package, _, _ = _cheese_and_beer_package()

    assert components_list_price_cents(package) == 1850


def test_vat_split_of_a_mixed_package_gives_exact_base_and_vat_per_rate(db):
    package, _, _ = _cheese_and_beer_package()

    lines = vat_split(package, TODAY)

    # € 35,00 shared 1250 : 600 -> € 23,65 at 6 % and € 11,35 at 21 % (the left-over cent goes to the
    # larger remainder); VAT inside each gross part is gross*rate/(100+rate), rounded half up.
    assert lines == [
        {"rate": 6, "gross_cents": 2365, "vat_cents": 134, "base_cents": 2231},
        {"rate": 21, "gross_cents": 1135, "vat_cents": 197, "base_cents": 938},
    ]
    assert sum(line["base_cents"] + line["vat_cents"] for line in lines) == 3500


def test_vat_split_parts_always_sum_to_the_price(db):
    a = make_product(price_cents=333, vat=make_vat_category("food", 6))
    b = make_product(price_cents=333, vat=make_vat_category("food", 6))
    c = make_product(price_cents=334, vat=make_vat_category("alcohol", 21), alcohol_pct=8.0)
    package = make_package([(a, 1), (b, 1), (c, 1)], price_cents=1001)

    lines = vat_split(package, TODAY)

    assert [line["rate"] for line in lines] == [6, 21]
    assert sum(line["gross_cents"] for line in lines) == 1001
    assert all(line["base_cents"] + line["vat_cents"] == line["gross_cents"] for line in lines)


def test_vat_split_follows_the_rate_in_force_on_the_day(db):
    package, _, beer = _cheese_and_beer_package()
    beer.vat_category.rates.append(VatRate(rate_percent=12, valid_from=date(2027, 1, 1)))
    db.session.flush()

    before = vat_split(package, date(2026, 12, 31))
    after = vat_split(package, date(2027, 1, 1))

    assert [line["rate"] for line in before] == [6, 21]
    assert [line["rate"] for line in after] == [6, 12]
    assert after[1] == {"rate": 12, "gross_cents": 1135, "vat_cents": 122, "base_cents": 1013}


def test_vat_split_of_a_single_rate_package_puts_everything_on_that_rate(db):
    package = make_package([(make_product(price_cents=450), 2), (make_product(price_cents=900), 1)], price_cents=1500)

    assert vat_split(package, TODAY) == [{"rate": 6, "gross_cents": 1500, "vat_cents": 85, "base_cents": 1415}]


# --- food information -----------------------------------------------------------------------------


def test_food_summary_rolls_up_allergens_storage_and_warnings(db):
    cheese = make_product(
        allergens={Allergen.MILK: Presence.CONTAINS, Allergen.NUTS: Presence.MAY_CONTAIN},
        storage="Koel bewaren (max. 7 °C).",
        perishable=True,
        shelf_life_days=14,
    )
    biscuits = make_product(
        allergens={Allergen.GLUTEN: Presence.CONTAINS, Allergen.EGGS: Presence.CONTAINS, Allergen.MILK: Presence.MAY_CONTAIN},
        storage="Droog bewaren.",
        shelf_life_days=90,
    )
    beer = make_product(
        vat=make_vat_category("alcohol", 21), alcohol_pct=6.5, storage="Droog bewaren.", shelf_life_days=None
    )
    package = make_package([(cheese, 1), (biscuits, 1), (beer, 2)])

    summary = food_summary(package)

    assert summary.contains == [Allergen.GLUTEN, Allergen.EGGS, Allergen.MILK]  # in Annex II order
    assert summary.may_contain == [Allergen.NUTS]  # milk is already "contains"
    assert summary.storage == ["Koel bewaren (max. 7 °C).", "Droog bewaren."]
    assert summary.perishable is True
    assert summary.has_alcohol is True
    assert summary.shortest_shelf_life_days == 14


def test_food_summary_of_durable_alcohol_free_goods(db):
    alcohol_free_beer = make_product(vat=make_vat_category("soft_drink", 6), alcohol_pct=0.4, storage="", perishable=False)
    jam = make_product(storage="Na opening in de koelkast.", perishable=False)
    package = make_package([(alcohol_free_beer, 1), (jam, 1)])

    summary = food_summary(package)

    assert summary.contains == []
    assert summary.may_contain == []
    assert summary.storage == ["Na opening in de koelkast."]
    assert summary.perishable is False
    assert summary.has_alcohol is False  # 0.4 % vol is below the 1.2 % that must be stated
    assert summary.shortest_shelf_life_days is None
