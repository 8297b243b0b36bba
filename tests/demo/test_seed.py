"""The demo catalogue seed (shop.demo.seed, seed_producers.py).

A full seed takes a few seconds, so the read-only checks share one seeded catalogue (module fixture) and
only the determinism/reset test seeds again: three full seeds in all.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from shop.accounts.models import Role, User
from shop.catalog.models import (
    Category,
    Locality,
    Municipality,
    Producer,
    Product,
    ProductImage,
    ProductStatus,
    Region,
)
from shop.catalog.producer_queries import get_producer_of
from shop.catalog.services import missing_food_information, refresh_search_text
from shop.catalog.vat import VatCategory
from shop.core.audit import AuditEntry
from shop.demo.data import read_csv
from shop.demo.data.geography import LATITUDE_BOUNDS, LONGITUDE_BOUNDS
from shop.demo.data.packages import SUBCATEGORY_PREFIX, THEMES
from shop.demo.data.producers import GROOT_VLEESHUIS, SHOP_HOURS, TYPES
from shop.demo.data.templates import ALLERGEN_WORDS, PACK_UNITS, SUBCATEGORIES, TEMPLATES
from shop.demo.seed import (
    DEMO_USERS,
    DatabaseNotEmpty,
    empty_database,
    food_texts,
    packs_for,
    refresh_planner_statistics,
    season_mask,
    seed,
)
from shop.extensions import db as _db
from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import InvalidStock, receive_initial_stock
from shop.packages.models import Package, PackageComponent
from tests import factories
from tests.helpers import empty_all_tables

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def catalogue_digest() -> str:
    """Names, prices and stock of producers, products and packages, independent of row ids."""
    lines = sorted(f"P|{slug}|{name}" for slug, name in _db.session.execute(select(Producer.slug, Producer.name)))
    lines += sorted(
        f"A|{slug}|{name}|{unit}|{price}|{stock}|{status}"
        for slug, name, unit, price, stock, status in _db.session.execute(
            select(Product.slug, Product.name, Product.unit, Product.price_cents, Product.stock, Product.status)
        )
    )
    components = _db.session.execute(
        select(Package.slug, Product.slug, PackageComponent.quantity)
        .join(PackageComponent, PackageComponent.package_id == Package.id)
        .join(Product, Product.id == PackageComponent.product_id)
    )
    lines += sorted(f"C|{package}|{product}|{quantity}" for package, product, quantity in components)
    lines += sorted(f"K|{slug}|{name}|{price}" for slug, name, price in
                    _db.session.execute(select(Package.slug, Package.name, Package.price_cents)))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.fixture(scope="module")
def catalogue(app):
    """One seeded demo catalogue for the read-only tests of this module."""
    with app.app_context():
        empty_all_tables()
        lines: list[str] = []
        counts = seed(seed=2026, out=lines.append)
        digest = catalogue_digest()
        _db.session.remove()
    yield {"counts": counts, "output": lines, "digest": digest}
    with app.app_context():
        empty_all_tables()
        _db.session.remove()


@pytest.fixture
def seeded(app, catalogue):
    with app.app_context():
        yield _db
        _db.session.remove()


def test_seed_reports_counts_and_demo_logins(catalogue):
    counts, output = catalogue["counts"], "\n".join(catalogue["output"])
    assert counts["producers"] >= 250
    assert counts["products"] >= 2000
    assert counts["packages"] >= 30
    assert "producent@lekkeroostvlaams.be" in output and "demo-producent-2026" in output
    assert "Done in" in output


def test_planner_statistics_describe_the_seeded_catalogue_on_postgresql(seeded):
    # PostgreSQL plans from its statistics, which a bulk load leaves empty until autovacuum (off on CI) runs.
    lines: list[str] = []
    refresh_planner_statistics(out=lines.append)
    if seeded.engine.dialect.name != "postgresql":
        assert lines == []  # SQLite's planner is left as it was
        return
    products = seeded.session.scalar(select(func.count()).select_from(Product))
    assert seeded.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'products'")) == products
    assert seeded.session.scalar(text(
        "SELECT count(*) FROM pg_stats WHERE tablename = 'products' AND attname IN ('status', 'producer_id')")) == 2
    assert lines and lines[0].startswith("Planner statistics updated")


def test_catalogue_has_the_geography_and_reference_data(seeded):
    assert seeded.session.scalar(select(func.count()).select_from(Region)) == 7
    assert seeded.session.scalar(select(func.count()).select_from(Municipality)) == 55
    assert seeded.session.scalar(select(func.count()).select_from(Locality)) == 311
    gent = seeded.session.scalar(select(Municipality).where(Municipality.name == "Gent"))
    assert gent.translations["fr"]["name"] == "Gand"
    rates = {
        category.code: [(r.rate_percent, r.valid_from.isoformat()) for r in category.rates]
        for category in seeded.session.scalars(select(VatCategory).options(selectinload(VatCategory.rates)))
    }
    assert rates == {
        "food": [(6, "2000-01-01")],
        "soft_drink": [(6, "2000-01-01")],
        "alcohol": [(21, "2000-01-01")],
        "non_food": [(21, "2000-01-01")],
    }


def test_producers_cover_every_municipality_and_many_villages(seeded):
    per_municipality = dict(
        seeded.session.execute(
            select(Municipality.name, func.count(Producer.id))
            .outerjoin(Producer, Producer.municipality_id == Municipality.id)
            .group_by(Municipality.name)
        ).all()
    )
    assert len(per_municipality) == 55
    assert min(per_municipality.values()) >= 1
    localities = seeded.session.scalar(select(func.count(func.distinct(Producer.locality_id))))
    assert localities >= 150


def test_producers_sit_in_their_locality_with_complete_details(seeded):
    rows = seeded.session.execute(
        select(Producer, Locality).join(Locality, Locality.id == Producer.locality_id)
    ).all()
    assert len(rows) == seeded.session.scalar(select(func.count()).select_from(Producer))
    for producer, locality in rows:
        assert producer.postcode == locality.postcode
        assert producer.municipality_id == locality.municipality_id
        assert LATITUDE_BOUNDS[0] <= producer.latitude <= LATITUDE_BOUNDS[1]
        assert LONGITUDE_BOUNDS[0] <= producer.longitude <= LONGITUDE_BOUNDS[1]
        assert abs(producer.latitude - locality.latitude) < 0.02
        assert producer.street and producer.email and producer.phone and producer.photo_path
        assert 2 <= producer.story.count(". ") + 1 <= 4
        assert producer.translations["fr"]["story"] and producer.translations["en"]["story"]
    vleeshuis = seeded.session.scalar(select(Producer).where(Producer.slug == "groot-vleeshuis"))
    assert (vleeshuis.street, vleeshuis.postcode) == ("Groentenmarkt 7", "9000")
    assert {p.category.parent.slug for p in vleeshuis.products} == {"bereide-gerechten"}
    inactive = seeded.session.scalar(select(func.count()).select_from(Producer).where(Producer.active.is_(False)))
    assert 0 < inactive < 0.1 * len(rows)


def test_products_sit_in_a_subcategory_with_one_image(seeded):
    without_sub = seeded.session.scalar(
        select(func.count()).select_from(Product).join(Category).where(Category.parent_id.is_(None))
    )
    assert without_sub == 0
    images = dict(
        seeded.session.execute(select(ProductImage.product_id, func.count()).group_by(ProductImage.product_id)).all()
    )
    assert len(images) == seeded.session.scalar(select(func.count()).select_from(Product))
    assert set(images.values()) == {1}


def test_every_published_food_product_has_complete_food_information(seeded):
    products = seeded.session.scalars(
        select(Product)
        .where(Product.status == ProductStatus.PUBLISHED, Product.is_food.is_(True))
        .options(selectinload(Product.vat_category))
    ).all()
    assert len(products) >= 1900
    incomplete = {p.slug: missing_food_information(p) for p in products if missing_food_information(p)}
    assert incomplete == {}
    statuses = Counter(seeded.session.scalars(select(Product.status)))
    assert statuses[ProductStatus.PUBLISHED] > 0.9 * sum(statuses.values())
    assert statuses[ProductStatus.DRAFT] and statuses[ProductStatus.PENDING_REVIEW] and statuses[ProductStatus.HIDDEN]


ALLERGEN_IN_CAPITALS = re.compile(r"[A-ZÀ-ÖØ-ÞŒ]{3,}")


def test_every_published_product_has_french_and_english_food_texts(seeded):
    products = seeded.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)).all()
    assert len(products) >= 1900
    untranslated = []
    for product in products:
        for language in ("fr", "en"):
            texts = product.translations.get(language, {})
            if not all((texts.get(field) or "").strip() for field in ("ingredients", "storage", "unit")):
                untranslated.append((product.slug, language))
            # Allergens stay emphasised in CAPITALS in every language's ingredient list.
            elif bool(ALLERGEN_IN_CAPITALS.search(texts["ingredients"])) != bool(
                ALLERGEN_IN_CAPITALS.search(product.ingredients)
            ):
                untranslated.append((product.slug, language, texts["ingredients"]))
    assert untranslated == []
    cheese = next(p for p in products if p.ingredients.startswith("Rauwe koeMELK"))
    assert cheese.translations["fr"]["ingredients"].startswith("Lait cru de vache (LAIT), sel")
    assert cheese.translations["en"]["ingredients"].startswith("Raw cow's MILK, salt")
    assert cheese.t("storage", "fr").startswith("À conserver au réfrigérateur (7 °C maximum)")
    hours = seeded.session.scalars(select(Producer).where(Producer.farm_shop_hours != "")).all()
    assert len(hours) >= 100
    assert all(p.translations["fr"]["farm_shop_hours"] and p.translations["en"]["farm_shop_hours"] for p in hours)


def test_every_text_a_seed_can_pick_has_a_french_and_english_version():
    """Whatever the seed number: each template with each variant, all 14 allergens in the 'may contain'
    sentence, every pack size and the farm-shop hours."""
    assert list(TEMPLATES) == [row["id"] for row in read_csv("products.csv")]
    for template in TEMPLATES.values():
        for variant in [None, *template.variants]:
            texts = food_texts(template, variant, list(ALLERGEN_WORDS))
            assert texts["nl"]["ingredients"].startswith(template.ingredients[0].partition(".")[0])
            assert all(texts[language]["ingredients"] and texts[language]["storage"] for language in ("fr", "en"))
        for pack in packs_for(template):
            assert all(PACK_UNITS[pack.unit]), pack.unit
    assert all(len(hours) == 3 and all(hours) for hours in SHOP_HOURS)


def test_the_data_files_name_only_templates_and_subcategories_that_exist():
    """A mistyped template id or subcategory in a data file would silently never be picked."""
    subcategories = set(SUBCATEGORIES)
    assert {t.subcategory for t in TEMPLATES.values()} <= subcategories
    assert {t for producer_type in TYPES for t in producer_type.templates} <= set(TEMPLATES)
    assert set(GROOT_VLEESHUIS.templates) <= set(TEMPLATES)
    picks = {pick for theme in THEMES for slot in theme.slots for pick in slot.pick}
    assert {p for p in picks if not p.startswith(SUBCATEGORY_PREFIX)} <= set(TEMPLATES)
    assert {p.removeprefix(SUBCATEGORY_PREFIX) for p in picks if p.startswith(SUBCATEGORY_PREFIX)} <= subcategories


def test_stock_equals_the_sum_of_movements_for_every_product(seeded):
    movements = (
        select(StockMovement.product_id, func.sum(StockMovement.delta).label("total"))
        .group_by(StockMovement.product_id)
        .subquery()
    )
    mismatches = seeded.session.execute(
        select(Product.id, Product.stock, movements.c.total)
        .outerjoin(movements, movements.c.product_id == Product.id)
        .where(Product.stock != func.coalesce(movements.c.total, 0))
    ).all()
    assert mismatches == []
    stocks = list(seeded.session.scalars(select(Product.stock)))
    assert min(stocks) == 0 and max(stocks) <= 60
    assert sum(1 for s in stocks if s == 0) > 0 and sum(1 for s in stocks if 0 < s < 5) > 0
    reasons = set(seeded.session.scalars(select(StockMovement.reason).distinct()))
    # Opening stock, the demo orders taking theirs, and the cancelled demo order giving it back.
    assert reasons == {MovementReason.INITIAL, MovementReason.ORDER, MovementReason.CANCEL}


def test_demo_orders_give_the_demo_producer_demand_and_go_through_the_lifecycle(seeded):
    from shop.accounts.models import Role, User
    from shop.invoicing.queries import invoices_by_order
    from shop.orders.models import Order, OrderStatus
    from shop.supply.demand import get_demand

    statuses = sorted(status.value for status in seeded.session.scalars(select(Order.status)))
    assert statuses == sorted(
        ["cancelled", "completed", "in_preparation", "in_preparation", "paid", "paid", "paid", "paid",
         "pending_payment", "ready_for_pickup"]
    )
    producer_user = seeded.session.scalars(select(User).where(User.role == Role.PRODUCER)).one()
    assert get_demand(producer_user.producer_id)
    paid = seeded.session.scalars(select(Order).where(Order.status == OrderStatus.PAID)).all()
    invoiced = invoices_by_order(order.id for order in paid)
    assert all(order.id in invoiced for order in paid)


def test_prices_end_in_0_5_or_9(seeded):
    endings = Counter(price % 10 for price in seeded.session.scalars(select(Product.price_cents)))
    assert set(endings) <= {0, 5, 9}
    assert endings[9] and endings[0]


def test_every_package_has_3_to_8_components_from_two_producers_priced_below_their_sum(seeded):
    rows = seeded.session.execute(
        select(
            Package.slug,
            Package.price_cents,
            func.count(PackageComponent.id),
            func.count(func.distinct(Product.producer_id)),
            func.sum(Product.price_cents * PackageComponent.quantity),
        )
        .join(PackageComponent, PackageComponent.package_id == Package.id)
        .join(Product, Product.id == PackageComponent.product_id)
        .group_by(Package.slug, Package.price_cents)
    ).all()
    assert len(rows) == seeded.session.scalar(select(func.count()).select_from(Package))
    for slug, price, components, producers, list_price in rows:
        assert 3 <= components <= 8, slug
        assert producers >= 2, slug
        assert 0.8 * list_price <= price < list_price, slug
    packages = seeded.session.scalars(
        select(Package).options(
            selectinload(Package.occasions),
            selectinload(Package.components).selectinload(PackageComponent.product).selectinload(Product.producer),
            selectinload(Package.components).selectinload(PackageComponent.substitute).selectinload(Product.producer),
        )
    ).all()
    assert sum(p.featured for p in packages) >= 5
    assert sum(p.active for p in packages) >= 0.9 * len(packages)
    substitutes = 0
    for package in packages:
        assert package.occasions and package.translations["fr"]["name"] and package.search_text.strip()
        for component in package.components:
            product = component.product
            assert product.status == ProductStatus.PUBLISHED and product.producer.active
            if component.substitute:
                substitutes += 1
                assert component.substitute.producer_id != product.producer_id
                assert component.substitute.price_cents >= product.price_cents
    assert substitutes >= 10


def test_place_bound_specialities_come_from_their_place(seeded):
    rows = seeded.session.execute(
        select(Product.name, Municipality.name)
        .join(Producer, Producer.id == Product.producer_id)
        .join(Municipality, Municipality.id == Producer.municipality_id)
        .where(Product.name.in_(["Geraardsbergse mattentaart", "Lokerse paardenworst (vers)", "Gentse mosterd",
                                 "Aardbeien uit Lochristi", "Zelzaatse jenever", "Koffie uit het Land van Aalst"]))
    ).all()
    places = {
        "Geraardsbergse mattentaart": {"Geraardsbergen", "Lierde"},
        "Lokerse paardenworst (vers)": {"Lokeren"},
        "Gentse mosterd": {"Gent"},
        "Aardbeien uit Lochristi": {"Lochristi"},
        "Zelzaatse jenever": {"Zelzate"},
        "Koffie uit het Land van Aalst": {"Aalst"},
    }
    assert {name for name, _ in rows} == set(places)
    for name, municipality in rows:
        assert municipality in places[name], name
    assert not seeded.session.scalar(select(func.count()).select_from(Product).where(Product.name.like("%Tierenteyn%")))


def test_search_text_is_what_the_catalogue_service_computes(seeded):
    products = seeded.session.scalars(
        select(Product)
        .order_by(Product.id)
        .limit(40)
        .options(
            selectinload(Product.producer).selectinload(Producer.locality),
            selectinload(Product.producer).selectinload(Producer.municipality),
            selectinload(Product.category).selectinload(Category.parent),
        )
    ).all()
    for product in products:
        stored = product.search_text
        refresh_search_text(product)
        assert product.search_text == stored
    seeded.session.rollback()


def test_every_picture_the_seed_names_exists(seeded):
    paths = set(seeded.session.scalars(select(ProductImage.path).distinct()))
    paths |= set(seeded.session.scalars(select(Producer.photo_path).distinct()))
    paths |= set(seeded.session.scalars(select(Package.image_path).distinct()))
    paths |= set(seeded.session.scalars(select(Category.illustration).distinct()))
    assert len(paths) >= 40
    missing = sorted(p for p in paths if not (PROJECT_ROOT / p).is_file())
    assert missing == []
    for path in paths:
        svg = (PROJECT_ROOT / path).read_text(encoding="utf-8")
        assert 'viewBox="0 0 400 300"' in svg and "<text" not in svg and "http" not in svg.replace(
            "http://www.w3.org/2000/svg", ""
        )


def test_demo_users_exist_with_their_roles(seeded):
    users = {u.email: u for u in seeded.session.scalars(select(User))}
    for email, password, role, _ in DEMO_USERS:
        user = users[email]
        assert user.role == role
        assert user.check_password(password)
        assert len(password) >= 12
    producer_user = users["producent@lekkeroostvlaams.be"]
    producer = get_producer_of(producer_user)
    assert producer is not None and producer.active
    assert producer.products
    assert users["personeel@lekkeroostvlaams.be"].producer_id is None
    assert users["beheer@lekkeroostvlaams.be"].role == Role.ADMIN
    # every account the seed hands out is in the audit log, as the system's doing
    entries = seeded.session.execute(select(AuditEntry.subject_id, AuditEntry.actor).where(
        AuditEntry.action == "user.create")).all()
    assert sorted(entries) == sorted((users[email].id, "system") for email, *_ in DEMO_USERS)


@pytest.mark.parametrize(
    ("season", "mask"),
    [("all", 4095), ("", 4095), ("4-10", 0b001111111000), ("10-3", 0b111000000111), ("6-6", 0b100000)],
)
def test_season_mask_sets_bit_m_minus_1_for_each_month(season, mask):
    assert season_mask(season) == mask


def test_same_seed_gives_the_same_catalogue_and_reset_replaces_it(db, catalogue):
    # Given the module's catalogue, emptied and seeded again with the same seed
    seed(seed=2026, reset=True, out=lambda line: None)
    assert catalogue_digest() == catalogue["digest"]

    # Without --reset a filled database is refused, and --if-empty skips it
    with pytest.raises(DatabaseNotEmpty):
        seed(seed=2026, out=lambda line: None)
    assert seed(seed=2026, if_empty=True, out=lambda line: None) == {"skipped": 1}

    # A reset with another seed replaces everything (no leftovers, no duplicates)
    db.session.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES ('keepme')"))
    db.session.commit()
    try:
        counts = seed(seed=7, reset=True, out=lambda line: None)
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "keepme"
    finally:
        db.session.rollback()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    assert catalogue_digest() != catalogue["digest"]
    assert db.session.scalar(select(func.count()).select_from(Producer)) == counts["producers"]
    assert db.session.scalar(select(func.count()).select_from(Municipality)) == 55
    assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)


def test_empty_database_removes_every_row(db):
    factories.make_product(stock=3)
    db.session.commit()
    assert empty_database() > 0
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 0


def test_receive_initial_stock_adds_stock_and_one_movement_per_product(db):
    first, second, third = (factories.make_product(stock=0) for _ in range(3))
    third_stock_before = factories.make_product(stock=4)

    made = receive_initial_stock({first.id: 12, second.id: 0, third.id: 5, third_stock_before.id: 2})
    db.session.flush()

    assert made == 3
    assert (first.stock, second.stock, third.stock, third_stock_before.stock) == (12, 0, 5, 6)
    movements = db.session.execute(
        select(StockMovement.product_id, StockMovement.delta, StockMovement.reason).order_by(StockMovement.id)
    ).all()
    assert movements[-3:] == [
        (first.id, 12, MovementReason.INITIAL),
        (third.id, 5, MovementReason.INITIAL),
        (third_stock_before.id, 2, MovementReason.INITIAL),
    ]


def test_receive_initial_stock_refuses_a_negative_quantity(db):
    product = factories.make_product(stock=0)
    with pytest.raises(InvalidStock):
        receive_initial_stock({product.id: 3, product.id + 1: -1})
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 0
