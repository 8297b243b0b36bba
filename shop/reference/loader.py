"""Bring a database's reference data in line with the files in ``shop/reference/data``.

Every row is found by its key (a VAT category by code, a rate by category and valid-from date, a label, region
or category by slug, a municipality by NIS code, a locality by municipality, postcode and name): a missing row
is added, a row whose names or other facts differ from the files is updated. Nothing is ever deleted (orders,
products and producers point at these rows), and a recorded VAT rate is never changed: a new rate is a new row
with its own valid-from date, so the rate history stays.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from shop.catalog.models import Category, Label, Locality, Municipality, Region
from shop.catalog.search import slugify
from shop.catalog.vat import VatCategory, VatRate
from shop.extensions import db

DATA_DIR = Path(__file__).resolve().parent / "data"


class ReferenceDataError(Exception):
    """The files contradict themselves or the database in a way the loader must not repair by itself."""


@dataclass
class Changes:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ReferenceReport:
    """What load_reference_data did, per table (in loading order)."""

    tables: dict[str, Changes] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            f"{table}: {c.added} added, {c.updated} updated, {c.unchanged} unchanged"
            for table, c in self.tables.items()
        ]

    @property
    def changed(self) -> bool:
        return any(c.added or c.updated for c in self.tables.values())


def read_rows(name: str) -> list[dict[str, str]]:
    """The rows of one data file, as dicts keyed by its header, in file order."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data() -> ReferenceReport:
    """Add the missing reference rows and update the ones that differ from the files; never deletes.

    Safe to run any number of times; needs an app context; does not commit (the caller does).
    Raises ReferenceDataError when a file names an unknown key (a rate for an unknown VAT category, a
    municipality in an unknown region, ...) or when the files give a recorded rate (category + valid-from)
    another percentage: a rate change is a new row with a new valid-from date, never an edit.
    """
    report = ReferenceReport()
    _load_vat(report)
    _load_labels(report)
    _load_geography(report)
    _load_categories(report)
    return report


# --------------------------------------------------------------------------------------------


def _upsert(report: ReferenceReport, table: str, model, key_of, rows: list[tuple[Any, dict[str, Any]]]) -> dict:
    """Add or update ``rows``, each (key, column values); returns key -> row for every row of the table."""
    changes = report.tables.setdefault(table, Changes())
    existing = {key_of(row): row for row in db.session.scalars(select(model).order_by(model.id))}
    for key, values in rows:
        row = existing.get(key)
        if row is None:
            row = model(**values)
            db.session.add(row)
            existing[key] = row
            changes.added += 1
            continue
        different = {name: value for name, value in values.items() if getattr(row, name) != value}
        for name, value in different.items():
            setattr(row, name, value)
        if different:
            changes.updated += 1
        else:
            changes.unchanged += 1
    # Rows get their ids in file order, so that a fresh database numbers them as the files list them.
    db.session.flush()
    return existing


def _translations(**by_locale: dict[str, str]) -> dict[str, dict[str, str]]:
    return {locale: texts for locale, texts in by_locale.items() if texts}


def _load_vat(report: ReferenceReport) -> None:
    categories = _upsert(
        report,
        "vat_categories",
        VatCategory,
        lambda c: c.code,
        [
            (row["code"], {"code": row["code"], "name": row["name_nl"],
                           "translations": _translations(fr={"name": row["name_fr"]}, en={"name": row["name_en"]})})
            for row in read_rows("vat_categories.csv")
        ],
    )
    ids = {code: category.id for code, category in categories.items()}

    changes = report.tables.setdefault("vat_rates", Changes())
    recorded = {
        (rate.vat_category_id, rate.valid_from): rate
        for rate in db.session.scalars(select(VatRate).order_by(VatRate.id))
    }
    for row in read_rows("vat_rates.csv"):
        if row["vat_category"] not in ids:
            raise ReferenceDataError(f"vat_rates.csv: unknown VAT category {row['vat_category']!r}")
        category_id, valid_from = ids[row["vat_category"]], date.fromisoformat(row["valid_from"])
        percent = int(row["rate_percent"])
        rate = recorded.get((category_id, valid_from))
        if rate is None:
            rate = VatRate(vat_category_id=category_id, rate_percent=percent, valid_from=valid_from)
            db.session.add(rate)
            recorded[(category_id, valid_from)] = rate
            changes.added += 1
        elif rate.rate_percent != percent:
            raise ReferenceDataError(
                f"vat_rates.csv: {row['vat_category']} from {valid_from} is {percent} %, but the database "
                f"recorded {rate.rate_percent} %; a rate change needs a new valid_from date"
            )
        else:
            changes.unchanged += 1
    db.session.flush()


def _load_labels(report: ReferenceReport) -> None:
    _upsert(
        report,
        "labels",
        Label,
        lambda label: label.slug,
        [
            (row["slug"], {"slug": row["slug"], "name": row["name_nl"], "description": row["description_nl"],
                           "translations": _translations(fr={"name": row["name_fr"]}, en={"name": row["name_en"]})})
            for row in read_rows("labels.csv")
        ],
    )


def _load_geography(report: ReferenceReport) -> None:
    region_rows = read_rows("regions.csv")
    regions = _upsert(
        report,
        "regions",
        Region,
        lambda region: region.slug,
        [
            (row["slug"], {
                "slug": row["slug"], "name": row["name_nl"], "description": row["description_nl"],
                "translations": _translations(
                    fr={"name": row["name_fr"], "description": row["description_fr"]},
                    en={"name": row["name_en"], "description": row["description_en"]},
                ),
            })
            for row in region_rows
        ],
    )
    # municipalities.csv names its region by the Dutch name.
    region_ids = {row["name_nl"]: regions[row["slug"]].id for row in region_rows}
    english = {row["municipality"]: row["name_en"] for row in read_rows("municipality_names_en.csv")}

    municipality_rows = []
    for row in read_rows("municipalities.csv"):
        if row["region"] not in region_ids:
            raise ReferenceDataError(f"municipalities.csv: {row['name']} lies in an unknown region {row['region']!r}")
        municipality_rows.append((row["nis_code"], {
            "nis_code": row["nis_code"], "slug": slugify(row["name"]), "name": row["name"],
            "main_postcode": row["main_postcode"], "region_id": region_ids[row["region"]],
            "latitude": float(row["latitude"]), "longitude": float(row["longitude"]),
            "translations": _translations(
                fr={"name": row["name_fr"]}, en={"name": english[row["name"]]} if row["name"] in english else {}
            ),
        }))
    municipalities = _upsert(report, "municipalities", Municipality, lambda m: m.nis_code, municipality_rows)
    municipality_ids = {nis_code: municipality.id for nis_code, municipality in municipalities.items()}

    locality_rows = []
    for row in read_rows("localities.csv"):
        if row["nis_code"] not in municipality_ids:
            raise ReferenceDataError(
                f"localities.csv: {row['locality']} lies in an unknown municipality {row['nis_code']}"
            )
        municipality_id = municipality_ids[row["nis_code"]]
        locality_rows.append(((municipality_id, row["postcode"], row["locality"]), {
            "postcode": row["postcode"], "name": row["locality"], "municipality_id": municipality_id,
            "latitude": float(row["latitude"]), "longitude": float(row["longitude"]),
        }))
    _upsert(report, "localities", Locality, lambda loc: (loc.municipality_id, loc.postcode, loc.name), locality_rows)


def _load_categories(report: ReferenceReport) -> None:
    """Two levels: a row without parent is a top category; ``position`` is the row's place among its siblings."""
    rows = read_rows("categories.csv")
    positions: dict[str, int] = {}

    def values(row: dict[str, str], parent_id: int | None) -> dict[str, Any]:
        position = positions.get(row["parent"], 0)
        positions[row["parent"]] = position + 1
        return {
            "slug": row["slug"], "name": row["name_nl"], "parent_id": parent_id, "position": position,
            "illustration": row["illustration"],
            "translations": _translations(fr={"name": row["name_fr"]}, en={"name": row["name_en"]}),
        }

    # Top categories first: their subcategories need their ids.
    tops = _upsert(report, "categories", Category, lambda c: c.slug,
                   [(row["slug"], values(row, None)) for row in rows if not row["parent"]])
    sub_rows = []
    for row in rows:
        if not row["parent"]:
            continue
        if row["parent"] not in tops or tops[row["parent"]].parent_id is not None:
            raise ReferenceDataError(f"categories.csv: {row['slug']} has an unknown top category {row['parent']!r}")
        sub_rows.append((row["slug"], values(row, tops[row["parent"]].id)))
    _upsert(report, "categories", Category, lambda c: c.slug, sub_rows)
