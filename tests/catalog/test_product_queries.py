from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from shop.catalog.allergens import Allergen
from shop.catalog.product_filters import Sort, parse_filters
from shop.catalog.product_queries import (
    StockLevel,
    get_product_for_page,
    list_more_from_producer,
    list_products,
    season_ranges,
    stock_level,
    vat_rate_for,
)

JUNE_15 = date(2025, 6, 15)
DECEMBER_15 = date(2025, 12, 15)
MAY_TO_AUGUST = sum(1 << (m - 1) for m in (5, 6, 7, 8))

ALL_VISIBLE = ["Aardbeienconfituur", "Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Tripel"]


def months(*numbers: int) -> int:
    return sum(1 << (m - 1) for m in numbers)


# Without a search or a chosen sort: featured first (none here), products in stock before sold-out ones, then name.
RECOMMENDED_ORDER = ["Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Tripel", "Aardbeienconfituur"]


def test_recommended_order_puts_featured_then_in_stock_first(catalogue, db):
    catalogue["tripel"].featured = True
    db.session.flush()
    assert names(listing(sorteer="aanbevolen")) == ["Tripel", "Hoeveboter", "Oude hoevekaas", "Paté van de hoeve",
                                                     "Aardbeienconfituur"]


def listing(today: date = JUNE_15, per_page: int = 24, **args):
    """The listing for these GET arguments; sorted by name unless a search or a sort is given, so the
    expected lists below read alphabetically."""
    if "q" not in args and "sorteer" not in args:
        args["sorteer"] = "naam"
    pairs = [(key, v) for key, value in args.items() for v in (value if isinstance(value, list) else [value])]
    filters = parse_filters(MultiDict(pairs), per_page=per_page, max_per_page=96)
    return list_products(filters, today=today)


def names(result) -> list[str]:
    return [p.name for p in result.products]


def facet(result, name: str) -> dict[str, int]:
    return {value.value: value.count for value in result.facets[name]}


# --- what is listed --------------------------------------------------------------------------------------


def test_lists_only_published_products_of_active_producers_by_name(catalogue):
    result = listing()
    assert names(result) == ALL_VISIBLE
    assert result.total == 5
    assert result.pages == 1
    assert result.notices == []


@pytest.mark.parametrize(
    "categories, expected",
    [
        ("zuivel", ["Hoeveboter", "Oude hoevekaas"]),
        ("kaas", ["Oude hoevekaas"]),
        (["kaas", "bier"], ["Oude hoevekaas", "Tripel"]),
        (["zuivel", "kaas"], ["Hoeveboter", "Oude hoevekaas"]),
        (["vlees", "zoet"], ["Aardbeienconfituur", "Paté van de hoeve"]),
    ],
)
def test_category_filter_includes_subcategories_and_ors_values(catalogue, categories, expected):
    assert names(listing(categorie=categories)) == expected


def test_region_filter_goes_through_the_producers_municipality(catalogue):
    assert names(listing(streek="waasland")) == ["Aardbeienconfituur", "Hoeveboter", "Tripel"]
    assert names(listing(streek=["waasland", "meetjesland"])) == ALL_VISIBLE


def test_municipality_filter_ors_values(catalogue):
    assert names(listing(gemeente="lokeren")) == ["Aardbeienconfituur", "Hoeveboter"]
    assert names(listing(gemeente=["lokeren", "sint-niklaas"])) == ["Aardbeienconfituur", "Hoeveboter", "Tripel"]


def test_label_matches_the_products_own_label_or_its_producers(catalogue):
    assert names(listing(label="bio")) == ["Aardbeienconfituur", "Hoeveboter", "Tripel"]
    assert names(listing(label="hoevewinkel")) == ["Oude hoevekaas", "Paté van de hoeve"]
    assert names(listing(label=["bio", "hoevewinkel"])) == ALL_VISIBLE


def test_free_of_leaves_out_contains_and_may_contain(catalogue):
    assert names(listing(zonder="milk")) == ["Aardbeienconfituur", "Paté van de hoeve", "Tripel"]
    assert names(listing(zonder="nuts")) == ["Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Tripel"]
    assert names(listing(zonder=["milk", "gluten", "nuts"])) == ["Paté van de hoeve"]


def test_in_season_uses_the_day_given(catalogue):
    assert names(listing(seizoen="1", today=JUNE_15)) == ALL_VISIBLE
    assert names(listing(seizoen="1", today=DECEMBER_15)) == [
        "Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Tripel"
    ]


def test_in_stock_filter(catalogue):
    assert names(listing(voorraad="1")) == ["Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Tripel"]


def test_producer_filter(catalogue):
    assert names(listing(producent="hoeve-dierickx")) == ["Oude hoevekaas", "Paté van de hoeve"]


def test_producer_filter_ignores_inactive_producers_as_unknown(catalogue):
    result = listing(producent="gesloten-hoeve")
    assert names(result) == ALL_VISIBLE
    assert result.notices == ["Onbekende producent genegeerd: gesloten-hoeve."]


def test_price_range_accepts_comma_decimals_and_is_inclusive(catalogue):
    assert names(listing(prijs_min="4,50")) == ["Aardbeienconfituur", "Oude hoevekaas", "Paté van de hoeve"]
    assert names(listing(prijs_max="3.25")) == ["Hoeveboter", "Tripel"]
    assert names(listing(prijs_min="€ 3", prijs_max="5,20")) == [
        "Aardbeienconfituur", "Hoeveboter", "Paté van de hoeve"
    ]


def test_min_above_max_is_swapped_with_a_notice(catalogue):
    result = listing(prijs_min="5,20", prijs_max="3")
    assert names(result) == ["Aardbeienconfituur", "Hoeveboter", "Paté van de hoeve"]
    assert (result.filters.min_cents, result.filters.max_cents) == (300, 520)
    assert result.notices == ["De minimumprijs was hoger dan de maximumprijs; we hebben ze omgewisseld."]


@pytest.mark.parametrize("value", ["abc", "-5", "1e9", "99999999", "4,555", "€€"])
def test_unusable_prices_are_ignored_with_a_notice(catalogue, value):
    result = listing(prijs_min=value)
    assert names(result) == ALL_VISIBLE
    assert result.filters.min_cents is None
    assert len(result.notices) == 1
    assert result.notices[0].startswith("Ongeldige minimumprijs genegeerd")


def test_filters_and_across_parameters(catalogue):
    assert names(listing(streek="waasland", categorie="zuivel")) == ["Hoeveboter"]
    assert names(listing(label="bio", zonder="milk", voorraad="1")) == ["Tripel"]
    assert names(listing(streek="meetjesland", categorie="bier")) == []


# --- search ----------------------------------------------------------------------------------------------


def test_search_finds_compounds_plurals_and_accents(catalogue):
    assert names(listing(q="boter")) == ["Hoeveboter"]
    assert names(listing(q="pate")) == ["Paté van de hoeve"]
    assert names(listing(q="PATÉ")) == ["Paté van de hoeve"]
    assert names(listing(q="aardbeien")) == ["Aardbeienconfituur"]


def test_search_ranks_name_matches_before_other_matches(catalogue):
    # "hoeve": name starts with it, then names containing it, then the confituur of "Zuivelhoeve Lokeren"
    assert names(listing(q="hoeve")) == ["Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Aardbeienconfituur"]
    assert names(listing(q="dierickx")) == ["Oude hoevekaas", "Paté van de hoeve"]
    assert names(listing(q="kaas")) == ["Oude hoevekaas"]


def test_search_sorts_by_relevance_by_default_and_by_choice_otherwise(catalogue):
    assert listing(q="hoeve").filters.sort == Sort.RELEVANCE
    assert names(listing(q="hoeve", sorteer="prijs_af")) == [
        "Oude hoevekaas", "Paté van de hoeve", "Aardbeienconfituur", "Hoeveboter"
    ]


def test_search_without_usable_words_shows_everything_with_a_notice(catalogue):
    result = listing(q="%%% ___ 🧀")
    assert names(result) == RECOMMENDED_ORDER
    assert result.notices == ["We vonden geen bruikbare zoekwoorden in \u201c%%% ___ 🧀\u201d; we tonen alle producten."]


def test_very_long_search_is_cut_and_says_so(catalogue):
    result = listing(q="boter " * 1000)
    assert names(result) == ["Hoeveboter"]
    assert result.notices == ["Je zoekopdracht was erg lang; we zochten met de eerste 100 tekens."]


# --- sorting and paging ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("prijs_op", ["Tripel", "Hoeveboter", "Aardbeienconfituur", "Paté van de hoeve", "Oude hoevekaas"]),
        ("prijs_af", ["Oude hoevekaas", "Paté van de hoeve", "Aardbeienconfituur", "Hoeveboter", "Tripel"]),
        ("naam", ALL_VISIBLE),
        ("nieuw", ["Paté van de hoeve", "Aardbeienconfituur", "Tripel", "Hoeveboter", "Oude hoevekaas"]),
    ],
)
def test_sort_orders(catalogue, sort, expected):
    assert names(listing(sorteer=sort)) == expected


def test_unknown_sort_falls_back_to_recommended_with_a_notice(catalogue):
    result = listing(sorteer="goedkoopst")
    assert names(result) == RECOMMENDED_ORDER
    assert result.notices == ["Onbekende sortering genegeerd."]


def test_pages_split_the_list(catalogue):
    first = listing(per_page=2)
    assert (names(first), first.total, first.pages, first.first_index, first.last_index) == (
        ["Aardbeienconfituur", "Hoeveboter"], 5, 3, 1, 2
    )
    last = listing(per_page=2, pagina="3")
    assert (names(last), last.first_index, last.last_index) == (["Tripel"], 5, 5)
    assert (last.has_previous, last.has_next) == (True, False)


@pytest.mark.parametrize("sort", [None, "aanbevolen", "naam", "prijs_op", "prijs_af", "nieuw", "relevantie"])
@pytest.mark.parametrize("per_page", [1, 2])
def test_pages_in_the_second_half_show_the_same_products_as_the_whole_list(catalogue, db, sort, per_page):
    # given a featured product and a sold-out one, so that the recommended order has all its keys
    catalogue["tripel"].featured = True
    db.session.flush()
    args = {"q": "hoeve"} if sort in (None, "relevantie") else {}
    if sort:
        args["sorteer"] = sort
    whole = names(listing(**args))

    # when every page is read (the later ones are chosen from the end of the list, in the reverse order)
    pages = listing(per_page=per_page, **args).pages
    paged = [name for page in range(1, pages + 1) for name in names(listing(per_page=per_page, pagina=str(page), **args))]

    # then they show the whole list, in its order, each product once
    assert len(whole) >= 3
    assert paged == whole


@pytest.mark.parametrize("page", ["4", "99", "1000000", "9" * 5000])
def test_page_beyond_the_last_shows_the_last_page_with_a_notice(catalogue, page):
    result = listing(per_page=2, pagina=page)
    assert result.page == 3
    assert names(result) == ["Tripel"]
    assert len(result.notices) == 1
    assert result.notices[0].endswith("bestaat niet; we tonen de laatste pagina (3).")


@pytest.mark.parametrize("page", ["abc", "-1", "0", "1.5", "", "٣"])
def test_page_that_is_no_page_number_shows_the_first(catalogue, page):
    result = listing(per_page=2, pagina=page)
    assert result.page == 1
    assert names(result) == ["Aardbeienconfituur", "Hoeveboter"]
    assert result.notices == ([] if page == "" else ["Ongeldig paginanummer; we tonen de eerste pagina."])


def test_page_numbers_leave_gaps(db):
    from shop.catalog.product_queries import ProductListing

    def numbers(page, pages):
        return ProductListing(None, [], 0, page, pages, {}, 0, 0, [], [], []).page_numbers

    assert numbers(1, 1) == [1]
    assert numbers(1, 10) == [1, 2, 3, None, 10]
    assert numbers(6, 10) == [1, None, 4, 5, 6, 7, 8, None, 10]
    assert numbers(4, 10) == [1, 2, 3, 4, 5, 6, None, 10]


# --- facets ----------------------------------------------------------------------------------------------


def test_facet_counts_without_filters(catalogue):
    result = listing()
    assert [(v.value, v.count, [(c.value, c.count) for c in v.children]) for v in result.facets["categorie"]] == [
        ("zuivel", 2, [("kaas", 1), ("boter", 1)]),
        ("drank", 1, [("bier", 1)]),
        ("zoet", 1, []),
        ("vlees", 1, []),
    ]
    assert facet(result, "streek") == {"meetjesland": 2, "waasland": 3}
    assert facet(result, "gemeente") == {"eeklo": 2, "lokeren": 2, "sint-niklaas": 1}
    assert facet(result, "label") == {"bio": 3, "hoevewinkel": 2}
    assert facet(result, "producent") == {"brouwerij-waas": 1, "hoeve-dierickx": 2, "zuivelhoeve-lokeren": 2}
    assert facet(result, "zonder") == {a.value: 5 for a in Allergen} | {"milk": 3, "gluten": 4, "nuts": 4}
    assert (result.in_season_count, result.in_stock_count) == (5, 4)


def test_a_facet_ignores_its_own_selection_but_applies_the_others(catalogue):
    result = listing(categorie="kaas", streek="waasland")
    assert names(result) == []
    # categories counted within Waasland only; regions counted within "kaas" only
    assert [(v.value, v.count, v.selected) for v in result.facets["categorie"]] == [
        ("zuivel", 1, False),
        ("drank", 1, False),
        ("zoet", 1, False),
    ]
    assert [(c.value, c.count, c.selected) for c in result.facets["categorie"][0].children] == [
        ("kaas", 0, True),
        ("boter", 1, False),
    ]
    assert [(v.value, v.count, v.selected) for v in result.facets["streek"]] == [
        ("meetjesland", 1, False),
        ("waasland", 0, True),
    ]
    assert facet(result, "gemeente") == {}


def test_yes_no_facets_count_with_the_other_filters(catalogue):
    result = listing(seizoen="1", voorraad="1", today=DECEMBER_15)
    assert names(result) == ["Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Tripel"]
    assert (result.in_season_count, result.in_stock_count) == (4, 4)
    result = listing(zonder="milk", today=DECEMBER_15)
    assert (result.total, result.in_season_count, result.in_stock_count) == (3, 2, 2)


def test_allergen_facet_counts_products_free_of_each(catalogue):
    result = listing(zonder="milk", categorie="zuivel")
    assert names(result) == []
    assert facet(result, "zonder") == {a.value: 2 for a in Allergen} | {"milk": 0}
    assert [v.value for v in result.facets["zonder"] if v.selected] == ["milk"]


# --- bad input -------------------------------------------------------------------------------------------


def test_unknown_values_are_ignored_with_notices(catalogue):
    result = listing(
        categorie=["kaas", "snoep"], streek="kempen", gemeente="brugge", label="fairtrade", zonder="chocolade",
        seizoen="misschien",
    )
    assert names(result) == ["Oude hoevekaas"]
    assert result.notices == [
        "Onbekend allergeen genegeerd: chocolade.",
        "Onbekende waarde voor \u201cin het seizoen\u201d genegeerd.",
        "Onbekende categorie genegeerd: snoep.",
        "Onbekende streek genegeerd: kempen.",
        "Onbekende gemeente genegeerd: brugge.",
        "Onbekend label genegeerd: fairtrade.",
    ]
    assert result.filters.to_args() == {"categorie": ["kaas"], "sorteer": ["naam"]}


def test_slugs_are_matched_case_insensitively_and_once(catalogue):
    assert names(listing(categorie=["KAAS", " kaas ", "kaas"])) == ["Oude hoevekaas"]


def test_chips_name_each_applied_value_and_link_without_it(catalogue):
    result = listing(q="hoeve", categorie=["kaas", "vlees"], zonder="milk", prijs_min="1", voorraad="1")
    assert [(c.parameter, c.value) for c in result.chips] == [
        ("q", None),
        ("categorie", "kaas"),
        ("categorie", "vlees"),
        ("zonder", "milk"),
        ("voorraad", None),
        ("prijs_min", "1,00"),
    ]
    filters = result.filters
    assert filters.args_without("categorie", "kaas") == {
        "q": ["hoeve"], "categorie": ["vlees"], "zonder": ["milk"], "voorraad": ["1"], "prijs_min": ["1,00"]
    }
    assert filters.args_without("q") == {
        "categorie": ["kaas", "vlees"], "zonder": ["milk"], "voorraad": ["1"], "prijs_min": ["1,00"]
    }
    assert filters.args_cleared() == {}


# --- product page reads ----------------------------------------------------------------------------------


def test_product_page_loads_published_products_of_active_producers_only(catalogue):
    assert get_product_for_page(catalogue["kaas"].slug).name == "Oude hoevekaas"
    assert get_product_for_page(catalogue["draft"].slug) is None
    assert get_product_for_page(catalogue["hidden"].slug) is None
    assert get_product_for_page(catalogue["inactive"].slug) is None
    assert get_product_for_page("bestaat-niet") is None
    assert get_product_for_page("x" * 5000) is None


def test_more_from_producer_lists_other_published_products_in_stock_first(catalogue):
    more = list_more_from_producer(catalogue["kaas"])
    assert [p.name for p in more] == ["Paté van de hoeve"]
    confituur_siblings = list_more_from_producer(catalogue["confituur"])
    assert [p.name for p in confituur_siblings] == ["Hoeveboter"]


def test_vat_rate_is_the_rate_in_force_on_the_day(catalogue):
    assert vat_rate_for(catalogue["kaas"], JUNE_15) == 6
    assert vat_rate_for(catalogue["tripel"], JUNE_15) == 21


@pytest.mark.parametrize(
    "stock, level", [(0, StockLevel.OUT), (1, StockLevel.LOW), (5, StockLevel.LOW), (6, StockLevel.IN)]
)
def test_stock_level(stock, level):
    assert stock_level(stock) == level


@pytest.mark.parametrize(
    "mask, ranges",
    [
        (4095, [(1, 12)]),
        (0, []),
        (MAY_TO_AUGUST, [(5, 8)]),
        (months(11, 12, 1, 2), [(11, 2)]),
        (months(1, 3, 4, 12), [(3, 4), (12, 1)]),
        (months(6), [(6, 6)]),
    ],
)
def test_season_ranges(mask, ranges):
    assert season_ranges(mask) == ranges
