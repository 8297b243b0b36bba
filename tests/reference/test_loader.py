"""The reference-data loader (shop.reference.loader): idempotent, updates names, keeps the VAT rate history."""

import csv
import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Category, Label, Locality, Municipality, Producer, Product, Region
from shop.catalog.search import slugify
from shop.catalog.vat import VatCategory, VatRate
from shop.packages.models import Package
from shop.reference import loader
from shop.reference.loader import ReferenceDataError, load_reference_data, read_rows

REFERENCE_TABLES = (VatCategory, VatRate, Label, Region, Municipality, Locality, Category)


def _counts(db) -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in REFERENCE_TABLES
    }


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A copy of the reference files the test may edit; the loader reads it instead of shop/reference/data."""
    copy = tmp_path / "data"
    shutil.copytree(loader.DATA_DIR, copy)
    monkeypatch.setattr(loader, "DATA_DIR", copy)
    return copy


def _rewrite(path, change) -> None:
    """Rewrite a CSV file: ``change(rows)`` returns the new rows (dicts with the same header)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_loading_fills_every_reference_table_and_nothing_else(db):
    report = load_reference_data()
    db.session.commit()

    assert _counts(db) == {
        "vat_categories": 4, "vat_rates": 4, "labels": 8, "regions": 7,
        "municipalities": 55, "localities": 311, "categories": 40,
    }
    assert report.lines()[0] == "vat_categories: 4 added, 0 updated, 0 unchanged"
    assert report.tables["localities"].added == 311
    for model in (Producer, Product, Package):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0

    gent = db.session.scalar(select(Municipality).where(Municipality.nis_code == "44021"))
    assert (gent.name, gent.slug, gent.region.slug) == ("Gent", "gent", "gent-en-rand")
    assert gent.translations == {"fr": {"name": "Gand"}, "en": {"name": "Ghent"}}
    assert {loc.postcode for loc in gent.localities} >= {"9000", "9030", "9052"}
    kaas = db.session.scalar(select(Category).where(Category.slug == "kaas"))
    assert (kaas.parent.slug, kaas.position) == ("zuivel-kaas-eieren", 1)
    assert kaas.illustration == "static/img/catalog/cheese.svg"
    assert kaas.translations == {"fr": {"name": "Fromages"}, "en": {"name": "Cheese"}}
    tops = db.session.scalars(select(Category.slug).where(Category.parent_id.is_(None)).order_by(Category.position))
    assert list(tops)[:2] == ["zuivel-kaas-eieren", "vlees-charcuterie"]
    alcohol = db.session.scalar(select(VatCategory).where(VatCategory.code == "alcohol"))
    assert alcohol.rate_on(date(2026, 1, 1)) == 21


def test_loading_twice_adds_nothing_and_changes_nothing(db):
    load_reference_data()
    db.session.commit()
    before = _counts(db)

    report = load_reference_data()
    db.session.commit()

    assert _counts(db) == before
    assert not report.changed
    assert all(c.added == 0 and c.updated == 0 for c in report.tables.values())
    assert report.tables["localities"].unchanged == 311


def test_a_name_changed_in_the_database_is_set_back_to_the_files(db):
    load_reference_data()
    db.session.commit()
    bio = db.session.scalar(select(Label).where(Label.slug == "bio"))
    bio.name = "Biologisch (oud)"
    bio.translations = {"fr": {"name": "Bio"}}
    db.session.commit()
    before = _counts(db)

    report = load_reference_data()
    db.session.commit()

    assert (bio.name, bio.translations) == ("Bio", {"fr": {"name": "Bio"}, "en": {"name": "Organic"}})
    assert (report.tables["labels"].added, report.tables["labels"].updated) == (0, 1)
    assert _counts(db) == before


def test_a_name_changed_in_the_files_updates_the_row_in_place(db, data_dir):
    load_reference_data()
    db.session.commit()
    eggs_id = db.session.scalar(select(Category.id).where(Category.slug == "eieren"))

    def rename(rows):
        for row in rows:
            if row["slug"] == "eieren":
                row["name_nl"], row["name_en"] = "Verse eieren", "Fresh eggs"
        return rows

    _rewrite(data_dir / "categories.csv", rename)
    _rewrite(data_dir / "municipalities.csv",
             lambda rows: [{**row, "name_fr": "Alost (ville)"} if row["name"] == "Aalst" else row for row in rows])
    report = load_reference_data()
    db.session.commit()

    eggs = db.session.get(Category, eggs_id)
    assert (eggs.name, eggs.t("name", "en"), eggs.t("name", "fr")) == ("Verse eieren", "Fresh eggs", "Œufs")
    assert db.session.scalar(select(Municipality).where(Municipality.name == "Aalst")).translations == {
        "fr": {"name": "Alost (ville)"}
    }
    assert report.tables["categories"].updated == 1
    assert report.tables["municipalities"].updated == 1
    assert db.session.scalar(select(func.count()).select_from(Category)) == 40


def test_a_row_left_out_of_the_files_is_kept(db, data_dir):
    load_reference_data()
    db.session.commit()

    _rewrite(data_dir / "labels.csv", lambda rows: [row for row in rows if row["slug"] != "weidemelk"])
    load_reference_data()
    db.session.commit()

    assert db.session.scalar(select(Label.name).where(Label.slug == "weidemelk")) == "Weidemelk"


def test_a_new_rate_is_a_new_row_and_the_old_rate_stays(db, data_dir):
    load_reference_data()
    db.session.commit()

    _rewrite(data_dir / "vat_rates.csv",
             lambda rows: [*rows, {"vat_category": "soft_drink", "rate_percent": "12", "valid_from": "2027-01-01"}])
    report = load_reference_data()
    db.session.commit()

    soft_drink = db.session.scalar(select(VatCategory).where(VatCategory.code == "soft_drink"))
    assert [(r.rate_percent, r.valid_from) for r in soft_drink.rates] == [(6, date(2000, 1, 1)), (12, date(2027, 1, 1))]
    assert soft_drink.rate_on(date(2026, 12, 31)) == 6
    assert soft_drink.rate_on(date(2027, 1, 1)) == 12
    assert (report.tables["vat_rates"].added, report.tables["vat_rates"].unchanged) == (1, 4)

    load_reference_data()
    assert db.session.scalar(select(func.count()).select_from(VatRate)) == 5


def test_a_recorded_rate_is_never_edited(db, data_dir):
    load_reference_data()
    db.session.commit()

    _rewrite(data_dir / "vat_rates.csv",
             lambda rows: [{**row, "rate_percent": "12"} if row["vat_category"] == "food" else row for row in rows])
    with pytest.raises(ReferenceDataError, match="food from 2000-01-01 is 12 %"):
        load_reference_data()
    db.session.rollback()

    food = db.session.scalar(select(VatCategory).where(VatCategory.code == "food"))
    assert [r.rate_percent for r in food.rates] == [6]


@pytest.mark.parametrize(
    "name, change, message",
    [
        ("vat_rates.csv",
         lambda rows: [*rows, {"vat_category": "tobacco", "rate_percent": "21", "valid_from": "2000-01-01"}],
         "unknown VAT category 'tobacco'"),
        ("categories.csv", lambda rows: [*rows, {**rows[1], "slug": "nieuw", "parent": "bestaat-niet"}],
         "unknown top category 'bestaat-niet'"),
        ("municipalities.csv", lambda rows: [{**rows[0], "region": "Nergensland"}, *rows[1:]],
         "unknown region 'Nergensland'"),
    ],
)
def test_a_file_naming_an_unknown_key_is_refused(db, data_dir, name, change, message):
    _rewrite(data_dir / name, change)
    with pytest.raises(ReferenceDataError, match=message):
        load_reference_data()


def test_every_locality_and_category_row_of_the_files_is_unique():
    localities = [(row["nis_code"], row["postcode"], row["locality"]) for row in read_rows("localities.csv")]
    assert len(localities) == len(set(localities)) == 311
    categories = [row["slug"] for row in read_rows("categories.csv")]
    assert len(categories) == len(set(categories)) == 40
    slugs = [slugify(row["name"]) for row in read_rows("municipalities.csv")]
    assert len(slugs) == len(set(slugs)) == 55
