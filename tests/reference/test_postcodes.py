"""Every address's postcode and place (shop.reference.postcodes): the postcode exists in Belgium (Statbel's table
in shop/reference/data/belgian_postcodes.csv), in Oost-Vlaanderen the place is one of its localities, elsewhere
the postcode's municipality or a name we do not know; another municipality's name is refused with the one the
postcode belongs to. The province's real reference data is loaded."""

from __future__ import annotations

import csv

import pytest

from shop.reference.loader import DATA_DIR, load_reference_data
from shop.reference.postcodes import check_place, check_places, municipalities_at
from tests.helpers import count_queries


@pytest.fixture
def province(db):
    load_reference_data()
    db.session.commit()


@pytest.mark.parametrize(("postcode", "place"), [
    ("1000", "Brussel"), ("1000", "Bruxelles"), ("1000", "BRUXELLES"), ("1020", "Brussel"),
    ("2000", "Antwerpen"), ("2000", "Anvers"), ("8000", "Brugge"), ("8000", "Bruges"), ("3000", "Leuven"),
    ("3000", "Louvain"), ("1210", "St.-Joost-ten-Node"), ("1210", "Saint-Josse-ten-Noode"), ("1180", "Ukkel"),
    ("4780", "Saint-Vith"), ("4780", "sankt vith"), ("1040", "Etterbeek"), ("1040", "Brussel"),
    ("5000", "Namur"), ("6000", "Charleroi"), ("2070", "Beveren-Kruibeke-Zwijndrecht"),
])
def test_the_municipality_of_a_postcode_outside_the_province_is_accepted(province, postcode, place):
    assert check_place(postcode, place) is None


@pytest.mark.parametrize(("postcode", "place"), [
    ("2600", "Berchem"), ("3001", "Heverlee"), ("2600", "Antwerpen-Berchem"), ("1050", "Ixelles-Centre"),
    ("8300", "Knokke"), ("4000", "Sclessin"),
])
def test_a_name_we_do_not_know_is_accepted_as_a_part_of_the_municipality(province, postcode, place):
    assert check_place(postcode, place) is None


@pytest.mark.parametrize(("postcode", "place", "municipality"), [
    ("2600", "Gent", "Antwerpen"),
    ("2600", "gand", "Antwerpen"),
    ("1000", "Antwerpen", "Brussel"),
    ("8000", "Sint-Niklaas", "Brugge"),
    ("3000", "St. Niklaas", "Leuven"),
    ("1040", "Elsene", "Brussel, Etterbeek"),
])
def test_another_municipality_is_refused_naming_the_postcodes_one(province, postcode, place, municipality):
    problem = check_place(postcode, place)

    assert problem.field == "city"
    assert str(problem.message) == (f"“{place}” hoort niet bij postcode {postcode}: {postcode} hoort bij "
                                    f"{municipality}. Kijk de postcode na, of schrijf de gemeente.")


@pytest.mark.parametrize("postcode", ["1001", "9999", "1234", "2999"])
def test_a_postcode_that_does_not_exist_is_refused(province, postcode):
    for place in ("Brussel", ""):
        problem = check_place(postcode, place)
        assert problem.field == "postcode"
        assert str(problem.message) == f"Postcode {postcode} bestaat niet in België. Kijk de postcode na."


@pytest.mark.parametrize("postcode", ["", "900", "B-9000", "90000"])
def test_a_postcode_of_the_wrong_form_is_left_to_the_callers_message(province, postcode):
    assert check_place(postcode, "Gent") is None


def test_in_the_province_the_finer_locality_check_stays(province):
    assert check_place("9030", "Mariakerke") is None
    problem = check_place("9030", "Drongen")  # a deelgemeente of Gent, at 9031: the municipality alone is not enough

    assert (problem.field, str(problem.message)) == (
        "city", "“Drongen” hoort niet bij postcode 9030 (plaatsen met die postcode: Gent, Mariakerke). Kijk de "
                "postcode en de gemeente na.")


def test_many_addresses_are_checked_with_one_query_and_the_province_is_known(province, db):
    addresses = [("9000", "Gent"), ("2600", "Gent"), ("1001", "Brussel"), ("3001", "Heverlee")] * 500

    with count_queries(db.engine) as statements:
        checked = check_places(addresses)

    assert len(statements) == 1
    assert [(c.problem.field if c.problem else None, c.in_province) for c in checked[:4]] == [
        (None, True), ("city", False), ("postcode", False), (None, False)]


def test_the_national_table_knows_every_postcode_of_the_province_in_oost_vlaanderen():
    with open(DATA_DIR / "localities.csv", encoding="utf-8", newline="") as handle:
        province = {row["postcode"] for row in csv.DictReader(handle)}

    assert {postcode: {m.province for m in municipalities_at(postcode)} for postcode in province} == {
        postcode: {"Oost-Vlaanderen"} for postcode in province}
    assert [m.nis_code for m in municipalities_at("1040")] == ["21004", "21005"]
    assert municipalities_at("9000")[0].names == ("Gent", "Gand")
