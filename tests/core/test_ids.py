"""Ids and whole numbers from outside: every ``<int:...>`` route and every id read from a query string or a form
refuses what the database's integer columns cannot hold (PostgreSQL answers 2**31 with an error, SQLite 2**63).

The routes are read from ``app.url_map``, so a route added later is covered without editing this file.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from shop.core.ids import MAX_ID, IdConverter, parse_id, parse_whole_number
from tests.factories import log_in_as, make_paid_order, make_producer, make_product, make_staff, make_user
from tests.helpers import table_rows

# Out of range for a route: not an id (0, -1), too large for PostgreSQL's integer (2**31) or SQLite's (2**64).
BAD_IDS = ("0", "-1", str(2**31), str(2**64), "9" * 5000)
# A stand-in for the id under test, replaced in the built URL (url_for only builds numbers).
MARK = 987_654_321


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_every_id_the_database_holds_is_read_back(number):
    assert parse_id(str(number)) == number
    assert parse_id(f"  {number} ") == number


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_ID + 1)))
def test_a_number_outside_the_ids_is_no_id(number):
    assert parse_id(str(number)) is None


@given(st.text())
def test_any_text_is_an_id_in_range_or_none(text):
    value = parse_id(text)
    assert value is None or (1 <= value <= MAX_ID and str(value) == text.strip().lstrip("0"))


@pytest.mark.parametrize("raw", [None, "", " ", "abc", "1.5", "1e3", "+5", "1_000", "²", "٣", "0x10", "1 2", "-"])
def test_text_that_is_not_written_with_digits_is_no_number(raw):
    assert parse_whole_number(raw) is None
    assert parse_id(raw) is None


@pytest.mark.parametrize(("raw", "number"), [("0", 0), ("-7", -7), ("007", 7), (" 42 ", 42), (str(MAX_ID), MAX_ID)])
def test_whole_numbers_within_the_range_are_read(raw, number):
    assert parse_whole_number(raw, minimum=-10) == number


def test_the_apps_int_converter_is_the_id_converter(app):
    assert app.url_map.converters["int"] is IdConverter
    int_rules = [rule for rule in app.url_map.iter_rules() if _int_arguments(rule)]
    assert len(int_rules) > 40  # the walk below has routes to walk
    for rule in int_rules:
        for name in _int_arguments(rule):
            assert isinstance(rule._converters[name], IntegerConverter)


# --- every <int:...> route -------------------------------------------------------------------------------------


def _int_arguments(rule) -> list[str]:
    return [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]


@pytest.fixture
def signed_in(client, db):
    """Log the client in as the role that can see a path: an admin in the back office, a producer user in the
    portal, a customer elsewhere."""
    producer = make_producer("Hoeve Grens")
    product = make_product("Grenskaas", producer=producer, stock=5)
    make_paid_order((product, 1))
    users = {
        "/beheer": make_staff(role="admin"),
        "/portaal": make_user(role="producer", producer=producer),
        "": make_user(),
    }
    db.session.commit()

    def as_role_for(path: str) -> None:
        prefix = next(prefix for prefix in users if path.startswith(prefix))
        log_in_as(client, users[prefix])

    return as_role_for


def test_every_int_route_answers_404_to_an_id_out_of_range(app, client, db, signed_in):
    adapter = app.url_map.bind("localhost")
    before = table_rows()
    failures = []
    walked = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        for name in _int_arguments(rule):
            values = {argument: 1 for argument in rule.arguments} | {name: MARK}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                template = adapter.build(rule.endpoint, values, method=method)
                signed_in(template)
                # The largest id still reaches the view (its page or its own 404), never a routing refusal.
                adapter.match(template.replace(str(MARK), str(MAX_ID)), method=method)
                for bad in BAD_IDS:
                    url = template.replace(str(MARK), bad)
                    response = client.open(url, method=method, data={})
                    walked += 1
                    if response.status_code != 404 or "Deze pagina bestaat niet" not in response.text:
                        failures.append(f"{method} {url[:80]} answered {response.status_code}")
    assert failures == []
    assert walked >= 250
    assert table_rows() == before


@pytest.mark.parametrize("path", ["/portaal/producten/2147483648", "/beheer/bestellingen/2147483648",
                                  "/beheer/bestellingen/%D9%A3", "/winkelmand/00000000000000000001/verwijderen"])
def test_the_reported_urls_do_not_reach_a_view(app, path):
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(path, method="POST" if path.endswith("verwijderen") else "GET")


# --- ids and page numbers in query strings and forms -----------------------------------------------------------

HUGE = str(2**64)


@pytest.fixture
def staff_client(client, db):
    log_in_as(client, _commit(make_staff(role="admin"), db))
    return client


def _commit(obj, db):
    db.session.commit()
    return obj


@pytest.mark.parametrize("path", [
    f"/beheer/bestellingen?producent={HUGE}",
    f"/beheer/bestellingen?producent={2**31}",
    f"/beheer/bestellingen?pagina={HUGE}",
    "/beheer/bestellingen?producent=%C2%B2&pagina=%D9%A3",
    f"/beheer/voorraad?pagina={HUGE}",
    f"/beheer/producenten?pagina={HUGE}",
    f"/beheer/tekorten/nieuw?order={HUGE}",
    f"/beheer/tekorten/nieuw?order={2**31}",
    f"/beheer/picklijst?order={HUGE}",
    f"/beheer/pakbonnen?order={2**31}",
    f"/producten?pagina={HUGE}",
])
def test_back_office_lists_take_huge_numbers_in_the_query_string_without_an_error(staff_client, path):
    response = staff_client.get(path)

    assert response.status_code in (200, 422)


def test_a_huge_stock_page_shows_the_last_page(staff_client, db):
    product = make_product("Bladzijdekaas", stock=3)
    db.session.commit()

    response = staff_client.get(f"/beheer/voorraad/{product.id}?pagina={HUGE}")

    assert response.status_code == 200
    assert "Bladzijdekaas" in response.text


def test_an_unknown_producer_filter_out_of_range_is_ignored_with_a_notice(staff_client):
    response = staff_client.get(f"/beheer/bestellingen?producent={2**31}")

    assert "Onbekende producent; die filter is genegeerd." in response.text


def test_selecting_orders_by_ids_out_of_range_selects_nothing(staff_client, db):
    before = table_rows()

    response = staff_client.post("/beheer/bestellingen/selectie",
                                 data={"order": [HUGE, str(2**31), "²"], "action": "pick_list"})

    assert response.status_code == 303
    assert table_rows() == before


def test_a_producer_list_page_out_of_range_is_shown(client, db):
    producer = make_producer("Hoeve Pagina")
    user = make_user(role="producer", producer=producer)
    make_product("Paginakaas", producer=producer)
    db.session.commit()
    log_in_as(client, user)

    response = client.get(f"/portaal/producten?pagina={HUGE}")

    assert response.status_code == 200
    assert "Paginakaas" in response.text
