"""Staff rules for packages (shop.packages.admin) and the back office's reads (shop.packages.admin_queries)."""

from __future__ import annotations

import io
from contextlib import contextmanager
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from shop.catalog.images import ImageRejected
from shop.catalog.models import ProductStatus
from shop.core.audit import AuditEntry
from shop.core.storage import get_storage
from shop.packages import admin
from shop.packages.admin import ComponentLine, PackageData
from shop.packages.admin_queries import (
    get_package_editor,
    list_admin_packages,
    margin_percent,
    package_figures,
    search_products_for_package,
)
from shop.packages.models import Package
from tests import helpers
from tests.factories import (
    make_occasion,
    make_package,
    make_producer,
    make_product,
    make_staff,
    make_vat_category,
)


@contextmanager
def count_queries(db):
    db.session.expire_all()
    with helpers.count_queries(db.engine) as statements:
        yield statements


def _actions(db, package_id: int) -> list[str]:
    return list(db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_type == "package", AuditEntry.subject_id == package_id)
        .order_by(AuditEntry.id)
    ))


def _data(**overrides) -> PackageData:
    fields = dict(name="Kerst in het Meetjesland", price="39,95", story="Het beste van de streek.")
    fields.update(overrides)
    return PackageData(**fields)


@pytest.fixture
def staff(db):
    return make_staff()


# --- details --------------------------------------------------------------------------------------------------


def test_create_package_parses_the_dutch_price_and_makes_an_inactive_package_with_a_slug(db, staff):
    kerst = make_occasion("kerst", "Kerst")
    package = admin.create_package(
        _data(occasion_ids=[kerst.id], featured=True,
              translations={"fr": {"name": "Noël au Meetjesland", "story": ""}, "en": {"name": "", "story": ""}}),
        by=staff,
    )
    assert package.price_cents == 3995
    assert package.slug == "kerst-in-het-meetjesland"
    assert package.active is False and package.featured is True
    assert [o.slug for o in package.occasions] == ["kerst"]
    assert package.translations == {"fr": {"name": "Noël au Meetjesland"}}
    assert " meetjesland " in package.search_text and " noel " in package.search_text
    assert _actions(db, package.id) == ["package.create"]


def test_slugs_stay_unique(db, staff):
    first = admin.create_package(_data(name="Kerstpakket"), by=staff)
    second = admin.create_package(_data(name="Kerstpakket!"), by=staff)
    third = admin.create_package(_data(name="kerstpakket"), by=staff)
    assert [first.slug, second.slug, third.slug] == ["kerstpakket", "kerstpakket-2", "kerstpakket-3"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "ab"}, "name", "Geef het pakket een naam van minstens 3 tekens."),
        ({"name": "   "}, "name", "Geef het pakket een naam van minstens 3 tekens."),
        ({"name": "x" * 161}, "name", "Een naam is hoogstens 160 tekens lang."),
        ({"price": ""}, "price", "Geef de prijs in euro, bijvoorbeeld 39,95."),
        ({"price": "veertig"}, "price", "Geef de prijs in euro, bijvoorbeeld 39,95."),
        ({"price": "-5"}, "price", "Geef de prijs in euro, bijvoorbeeld 39,95."),
        ({"price": "39,955"}, "price", "Geef de prijs in euro, bijvoorbeeld 39,95."),
        ({"price": "0"}, "price", "De prijs moet meer dan € 0 zijn."),
        ({"price": "0,00"}, "price", "De prijs moet meer dan € 0 zijn."),
        ({"price": "100000"}, "price", "De prijs is te hoog (hoogstens € 99.999,99)."),
        ({"occasion_ids": [999999]}, "occasion_ids", "Kies alleen gelegenheden uit de lijst."),
        ({"story": "x" * 5001}, "story", "Een verhaal is hoogstens 5000 tekens lang."),
        ({"translations": {"fr": {"name": "x" * 161}}}, "name_fr", "Een naam is hoogstens 160 tekens lang."),
    ],
)
def test_create_package_refuses_bad_details(db, staff, overrides, field, message):
    with pytest.raises(admin.PackageDataInvalid) as refused:
        admin.create_package(_data(**overrides), by=staff)
    assert {k: str(v) for k, v in refused.value.errors.items()} == {field: message}
    assert db.session.scalar(select(Package.id)) is None


def test_all_bad_fields_are_reported_at_once(db, staff):
    with pytest.raises(admin.PackageDataInvalid) as refused:
        admin.create_package(_data(name="x", price="gratis"), by=staff)
    assert sorted(refused.value.errors) == ["name", "price"]


def test_update_renames_an_inactive_package_with_a_new_slug_but_keeps_an_active_ones(db, staff):
    draft = admin.create_package(_data(name="Ontbijtmand"), by=staff)
    admin.update_package(draft, _data(name="Ontbijtmand deluxe", price="49,50"), by=staff)
    assert (draft.slug, draft.price_cents) == ("ontbijtmand-deluxe", 4950)

    live = make_package([(make_product(), 1)], slug="zomerbox", name="Zomerbox", active=True)
    admin.update_package(live, _data(name="Zomerbox groot"), by=staff)
    assert (live.name, live.slug) == ("Zomerbox groot", "zomerbox")
    assert _actions(db, draft.id) == ["package.create", "package.update"]
    assert _actions(db, live.id) == ["package.update"]


# --- composition ----------------------------------------------------------------------------------------------


def test_set_components_keeps_order_quantities_and_substitutes(db, staff):
    cheese, beer, jam = make_product("Hoevekaas", price_cents=600), make_product("Tripel"), make_product("Confituur")
    better_cheese = make_product("Oude hoevekaas", price_cents=600)
    package = make_package(active=False)
    admin.set_components(package, [(beer.id, 2, None), (cheese.id, 1, better_cheese.id), (jam.id, 3, None)],
                         by=staff)
    assert [(c.product.name, c.quantity, c.position, c.substitute_product_id) for c in package.components] == [
        ("Tripel", 2, 0, None), ("Hoevekaas", 1, 1, better_cheese.id), ("Confituur", 3, 2, None)]
    assert " tripel " in package.search_text
    kept_id = package.components[0].id

    admin.set_components(package, [(jam.id, 1, None), (beer.id, 4, None)], by=staff)
    db.session.expire_all()
    package = db.session.get(Package, package.id)
    assert [(c.product.name, c.quantity, c.position) for c in package.components] == [
        ("Confituur", 1, 0), ("Tripel", 4, 1)]
    assert package.components[1].id == kept_id
    assert _actions(db, package.id) == ["package.components", "package.components"]


def _refusal_cases():
    return [
        ("unpublished", "Concept staat niet in de winkel en kan niet in een pakket."),
        ("quantity_zero", "Het aantal van Kaas moet tussen 1 en 99 liggen."),
        ("quantity_hundred", "Het aantal van Kaas moet tussen 1 en 99 liggen."),
        ("duplicate", "Kaas zit al in dit pakket; pas het aantal aan."),
        ("unknown", "Dat product bestaat niet (meer)."),
        ("substitute_self", "Een product kan niet zijn eigen vervanger zijn."),
        ("substitute_unpublished", "De vervanger Concept staat niet in de winkel."),
        ("substitute_cheaper", "De vervanger Goedkoop is goedkoper dan Kaas; kies een product van minstens dezelfde prijs."),
        ("substitute_unknown", "De vervanger van Kaas bestaat niet (meer)."),
    ]


@pytest.mark.parametrize(("case", "message"), _refusal_cases())
def test_set_components_refuses(db, staff, case, message):
    cheese = make_product("Kaas", price_cents=500)
    draft = make_product("Concept", price_cents=900, status=ProductStatus.DRAFT)
    cheap = make_product("Goedkoop", price_cents=499)
    lines = {
        "unpublished": [(draft.id, 1, None)],
        "quantity_zero": [(cheese.id, 0, None)],
        "quantity_hundred": [(cheese.id, 100, None)],
        "duplicate": [(cheese.id, 1, None), (cheese.id, 2, None)],
        "unknown": [(987654, 1, None)],
        "substitute_self": [(cheese.id, 1, cheese.id)],
        "substitute_unpublished": [(cheese.id, 1, draft.id)],
        "substitute_cheaper": [(cheese.id, 1, cheap.id)],
        "substitute_unknown": [(cheese.id, 1, 987654)],
    }[case]
    package = make_package(active=False)
    with pytest.raises(admin.CompositionInvalid) as refused:
        admin.set_components(package, lines, by=staff)
    assert str(refused.value) == message
    assert package.components == []
    assert _actions(db, package.id) == []


def test_an_active_package_keeps_at_least_one_component(db, staff):
    cheese = make_product("Kaas")
    package = make_package([(cheese, 1)], active=True)
    with pytest.raises(admin.CompositionInvalid) as refused:
        admin.remove_component(package, cheese.id, by=staff)
    assert str(refused.value) == "Een actief pakket heeft minstens één product nodig. Haal het eerst uit de winkel."
    admin.deactivate_package(package, by=staff)
    admin.remove_component(package, cheese.id, by=staff)
    assert package.components == []


def test_add_update_and_remove_one_component(db, staff):
    cheese, beer = make_product("Kaas", price_cents=500), make_product("Bier", price_cents=300)
    substitute = make_product("Andere kaas", price_cents=500)
    package = make_package(active=False)
    admin.add_component(package, cheese.id, 2, by=staff)
    admin.add_component(package, beer.id, by=staff)
    admin.update_component(package, cheese.id, 3, substitute.id, by=staff)
    assert [(c.product_id, c.quantity, c.substitute_product_id) for c in package.components] == [
        (cheese.id, 3, substitute.id), (beer.id, 1, None)]
    admin.remove_component(package, cheese.id, by=staff)
    assert [c.product_id for c in package.components] == [beer.id]
    with pytest.raises(admin.CompositionInvalid) as refused:
        admin.update_component(package, cheese.id, 1, None, by=staff)
    assert str(refused.value) == "Dat product zit niet (meer) in dit pakket."


def test_a_substitute_of_equal_price_is_accepted(db, staff):
    cheese, other = make_product("Kaas", price_cents=500), make_product("Kaas bis", price_cents=500)
    package = make_package(active=False)
    admin.set_components(package, [ComponentLine(cheese.id, 1, other.id)], by=staff)
    assert package.components[0].substitute_product_id == other.id


# --- activation -----------------------------------------------------------------------------------------------


def test_activate_and_deactivate_record_who_did_it(db, staff):
    package = make_package([(make_product(stock=4), 2)], active=False)
    assert admin.activate_package(package, by=staff) is True
    assert package.active is True
    assert admin.activate_package(package, by=staff) is False  # a replayed form changes nothing
    assert admin.deactivate_package(package, by=staff) is True
    assert admin.deactivate_package(package, by=staff) is False
    assert _actions(db, package.id) == ["package.activate", "package.deactivate"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "package.activate"))
    assert (entry.by_user_id, entry.actor) == (staff.id, staff.email)


@pytest.mark.parametrize(
    ("case", "reasons"),
    [
        ("empty", ["het pakket heeft nog geen producten"]),
        ("unpublished", ["Kaas staat niet in de winkel"]),
        ("producer_inactive", ["de producent van Kaas is niet actief"]),
        ("out_of_stock", ["Kaas heeft te weinig voorraad (0, nodig: 1)"]),
        ("too_little_stock", ["Kaas heeft te weinig voorraad (1, nodig: 2)"]),
        ("no_vat_rate", ["Kaas heeft geen btw-tarief"]),
        ("two_problems", ["Kaas staat niet in de winkel", "Bier heeft te weinig voorraad (0, nodig: 1)"]),
    ],
)
def test_activation_is_refused_with_every_reason(db, staff, case, reasons):
    from datetime import date

    cheese = make_product("Kaas", stock=1 if case == "too_little_stock" else 5,
                          vat=make_vat_category("future", 6, date(2999, 1, 1)) if case == "no_vat_rate" else None)
    quantity = 2 if case == "too_little_stock" else 1
    package = make_package([] if case == "empty" else [(cheese, quantity)], active=False)
    if case in ("unpublished", "two_problems"):
        cheese.status = ProductStatus.HIDDEN
    if case == "producer_inactive":
        cheese.producer.active = False
    if case == "out_of_stock":
        cheese.stock = 0
    if case == "two_problems":
        package.components.append(type(package.components[0])(product=make_product("Bier", stock=0), quantity=1,
                                                               position=1))
    db.session.flush()
    with pytest.raises(admin.ActivationRefused) as refused:
        admin.activate_package(package, by=staff)
    assert refused.value.reasons == reasons
    assert str(refused.value) == "Dit pakket kan nog niet in de winkel: " + "; ".join(reasons)
    assert package.active is False
    assert _actions(db, package.id) == []


# --- figures --------------------------------------------------------------------------------------------------


def test_figures_sum_margin_and_percentage_are_exact(db):
    cheese = make_product(price_cents=450, stock=9)
    beer = make_product(price_cents=1250, stock=5, vat=make_vat_category("alcohol", 21))
    jam = make_product(price_cents=799, stock=30)
    package = make_package([(cheese, 2), (beer, 1), (jam, 3)], price_cents=3995, active=True)
    figures = package_figures(package)
    assert figures.list_price_cents == 2 * 450 + 1250 + 3 * 799 == 4547
    assert figures.margin_cents == 3995 - 4547 == -552
    assert figures.margin_percent == Decimal("-13.8")  # -552 / 3995 = -13.817 %
    assert figures.available_quantity == 4  # cheese: 9 // 2
    assert figures.capacity == 4


@pytest.mark.parametrize(
    ("price", "list_price", "expected"),
    [(5000, 4547, Decimal("9.1")), (2000, 1999, Decimal("0.1")), (2000, 2001, Decimal("-0.1")),
     (3000, 3000, Decimal("0.0")), (0, 100, None)],
)
def test_margin_percent_rounds_half_up_to_one_decimal(price, list_price, expected):
    assert margin_percent(price, list_price) == expected


def test_editor_shows_vat_split_and_capacity_of_an_inactive_package(db):
    cheese = make_product(price_cents=600, stock=7)
    beer = make_product(price_cents=400, stock=3, vat=make_vat_category("alcohol", 21))
    package = make_package([(cheese, 1), (beer, 1)], price_cents=2000, active=False)
    db.session.commit()
    editor = get_package_editor(package.id)
    assert editor.figures.available_quantity == 0
    assert editor.figures.capacity == 3
    assert editor.vat_lines == [
        {"rate": 6, "gross_cents": 1200, "vat_cents": 68, "base_cents": 1132},
        {"rate": 21, "gross_cents": 800, "vat_cents": 139, "base_cents": 661},
    ]
    assert [view.line_price_cents for view in editor.components] == [600, 400]


def test_substitute_choices_are_same_category_and_not_cheaper(db):
    cheese = make_product("Kaas", price_cents=500)
    dearer = make_product("Dure kaas", price_cents=700)
    cheaper = make_product("Goedkope kaas", price_cents=400)
    hidden = make_product("Verborgen kaas", price_cents=800, status=ProductStatus.HIDDEN)
    package = make_package([(cheese, 1)], active=False)
    db.session.commit()
    editor = get_package_editor(package.id)
    names = [p.name for p in editor.components[0].substitute_options]
    assert "Dure kaas" in names
    assert not {"Kaas", "Goedkope kaas", "Verborgen kaas"} & set(names)
    assert cheaper.id and hidden.id and dearer.id


def test_list_filters_by_status_and_search(db, staff):
    cheese = make_product("Hoevekaas")
    make_package([(cheese, 1)], name="Kaasplank", active=True,
                 search_text=" kaasplank hoevekaas ")
    make_package(name="Ontbijtmand", active=False, search_text=" ontbijtmand ")
    db.session.commit()
    assert [r.package.name for r in list_admin_packages()] == ["Kaasplank", "Ontbijtmand"]
    assert [r.package.name for r in list_admin_packages("actief")] == ["Kaasplank"]
    assert [r.package.name for r in list_admin_packages("inactief")] == ["Ontbijtmand"]
    assert [r.package.name for r in list_admin_packages("", "ontbijt")] == ["Ontbijtmand"]


def test_list_runs_two_queries_whatever_the_number_of_packages(db):
    for n in range(6):
        make_package([(make_product(), 1), (make_product(), 2)], name=f"Pakket {n}")
    db.session.commit()
    with count_queries(db) as statements:
        rows = list_admin_packages()
        assert [r.figures.list_price_cents for r in rows] == [1350] * 6
    assert len(statements) == 2


# --- the picker -----------------------------------------------------------------------------------------------


def test_picker_finds_only_published_products_of_active_producers(db):
    make_product("Hoevekaas jong")
    make_product("Hoevekaas oud", status=ProductStatus.PENDING_REVIEW)
    make_product("Hoevekaas blauw", producer=make_producer(active=False))
    make_product("Appelsap")
    db.session.commit()
    assert [p.name for p in search_products_for_package("hoevekaas")] == ["Hoevekaas jong"]
    assert search_products_for_package("") == []
    assert search_products_for_package("  de  ") == []


def test_picker_returns_at_most_twenty_in_one_query(db):
    producer = make_producer()
    for n in range(25):
        make_product(f"Kaas {n:02d}", producer=producer)
    db.session.commit()
    with count_queries(db) as statements:
        found = search_products_for_package("kaas", limit=500)
        assert [p.producer.name for p in found] == [producer.name] * 20
    assert len(found) == 20
    assert [p.name for p in found][:2] == ["Kaas 00", "Kaas 01"]
    assert len(statements) == 1


# --- photo ----------------------------------------------------------------------------------------------------


def _upload(data: bytes, filename: str = "pakket.jpg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type="image/jpeg")


def _jpeg(size=(1200, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_set_photo_stores_webp_variants_like_product_photos(db, staff):
    package = make_package(image_path="static/img/packages/kerst.svg")
    previous = admin.set_photo(package, _upload(_jpeg()), by=staff)
    assert previous == "static/img/packages/kerst.svg"
    assert package.image_path.startswith("packages/") and package.image_path.endswith("-800.webp")
    stored = Image.open(io.BytesIO(get_storage().open(package.image_path)))
    assert (stored.format, stored.size) == ("WEBP", (800, 600))
    assert get_storage().exists(package.image_path.replace("-800.", "-400."))
    assert _actions(db, package.id) == ["package.photo"]


def test_set_photo_refuses_a_file_that_is_not_a_picture(db, staff):
    package = make_package(image_path=None)
    with pytest.raises(ImageRejected) as refused:
        admin.set_photo(package, _upload(b"%PDF-1.4 not a picture"), by=staff)
    assert str(refused.value) == "Dit bestand is geen foto die we kunnen lezen. Stuur een JPEG-, PNG- of WebP-foto."
    assert package.image_path is None


# --- two people at once ---------------------------------------------------------------------------------------


def test_two_staff_activating_at_once_activate_it_once(app, db):
    from shop.accounts.models import User
    from shop.extensions import db as _db

    package = make_package([(make_product(stock=5), 1)], active=False)
    people = [make_staff(), make_staff(), make_staff()]
    db.session.commit()
    package_id, user_ids = package.id, [p.id for p in people]

    def press(user_id: int):
        def step() -> str:
            user = _db.session.get(User, user_id)
            changed = admin.activate_package(_db.session.get(Package, package_id), by=user)
            return "activated" if changed else "unchanged"
        return step

    outcomes = helpers.race(app, [press(user_id) for user_id in user_ids])

    assert sorted(outcomes) == ["activated", "unchanged", "unchanged"]
    db.session.expire_all()
    assert db.session.get(Package, package_id).active is True
    assert _actions(db, package_id) == ["package.activate"]
