"""The facet index brought up to date per product, without a build, after a change that moves no product's place in
it or in its orders: a price, the season, the allergens, the product's own labels, its texts (its search text), its
stock with any of these. Each writer's change leaves every list exactly as SQL counts it, its bounds of price and
search terms kept from before the change included; and with the per-product step left out, the same lists differ
(so the comparison would catch a wrong update). A change of what places a product (its name, featured flag, status,
producer) still builds the index again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.catalog import facet_index
from shop.catalog.allergens import Allergen, Presence
from shop.catalog.facet_index import EXTENSION
from shop.catalog.models import Label, Product, ProductAllergen, ProductStatus
from shop.catalog.services import refresh_search_text
from tests.catalog.test_facet_counts import listed, mixed_catalogue  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("mixed_catalogue")

# Lists whose numbers each change moves: asked before the change too, so that the index keeps their price bounds
# and search terms from before it (brought up to date with the rest, or they would be stale).
LISTS = (
    {},
    {"prijs_min": ["50"]},
    {"prijs_max": ["10"], "voorraad": ["1"]},
    {"zonder": ["milk", "eggs"]},
    {"label": ["bio", "weidemelk"]},
    {"seizoen": ["1"]},
    {"q": ["kaas"]},
    {"q": ["nieuwwoord"]},
    {"q": ["nieuwwoord"], "sorteer": ["prijs_af"]},
    {"sorteer": ["prijs_af"], "pagina": ["2"]},
    {"sorteer": ["aanbevolen"], "pagina": ["3"]},
    {"sorteer": ["naam"]},
)


def _lists(use_index: bool) -> list[dict]:
    return [listed(args, use_index=use_index) for args in LISTS]


def _published(db, *, category_with_parent: bool = False) -> Product:
    products = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                  .order_by(Product.id)).all()
    return next(p for p in products if p.producer.active and (not category_with_parent or p.category.parent_id))


def _change_price(db):
    _published(db).price_cents = 99_00


def _change_price_in_portal(db):
    from shop.listings.product_edit import data_from_product, update_product

    product = _published(db, category_with_parent=True)
    data = data_from_product(product)
    data.price_cents = 99_00
    update_product(product, data, by=None)


def _change_prices_by_supply_list(db):
    from shop.inventory.models import MovementReason
    from shop.listings.product_csv import SupplyChange, apply_supply_changes

    product = _published(db)
    others = db.session.scalars(select(Product).where(Product.producer_id == product.producer_id,
                                                      Product.status == ProductStatus.PUBLISHED)).all()
    apply_supply_changes(product.producer_id, [SupplyChange(p.id, price_cents=99_00 + p.id, stock=p.stock + 2)
                                               for p in others], by=None, reason=MovementReason.PRODUCER_EDIT)


def _change_season(db):
    product = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED,
                                                       Product.season_mask.op("&")(1 << 5) != 0)
                                 .order_by(Product.id)).first()
    product.season_mask = 1 << 11  # no longer in season in June


def _add_allergen(db):
    product = _published(db)
    held = {a.allergen for a in product.allergens}
    missing = next(a for a in (Allergen.MILK, Allergen.EGGS) if a not in held)
    product.allergens.append(ProductAllergen(allergen=missing, presence=Presence.MAY_CONTAIN))


def _clear_allergens(db):
    product = next(p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                                 .order_by(Product.id)) if p.allergens and p.producer.active)
    product.allergens.clear()


def _add_label(db):
    for product in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                      .order_by(Product.id)):
        if not product.producer.active:
            continue
        held = {label.slug for label in product.labels} | {label.slug for label in product.producer.labels}
        wanted = [label for label in db.session.scalars(select(Label).order_by(Label.id)) if label.slug not in held
                  and label.slug in ("bio", "weidemelk")]
        if wanted:
            product.labels.append(wanted[0])
            return
    raise AssertionError("no product without a label")


def _clear_labels(db):
    product = next(p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                                 .order_by(Product.id))
                   if p.producer.active and {label.slug for label in p.labels} - {label.slug for label in p.producer.labels})
    product.labels.clear()


def _change_description(db):
    product = _published(db)
    product.description = "Met nieuwwoord erin."
    refresh_search_text(product)


def _change_price_and_sell_out(db):
    from shop.inventory.models import MovementReason
    from shop.inventory.services import take_stock

    product = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED, Product.stock > 0)
                                 .order_by(Product.id)).first()
    product.price_cents = 1
    take_stock({product.id: product.stock}, MovementReason.ORDER)


CHANGES = {
    "price": _change_price,
    "price in the portal": _change_price_in_portal,
    "prices and stock by supply list": _change_prices_by_supply_list,
    "season": _change_season,
    "allergen added": _add_allergen,
    "allergens cleared": _clear_allergens,
    "own label added": _add_label,
    "own labels cleared": _clear_labels,
    "description": _change_description,
    "price and sold out": _change_price_and_sell_out,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_of_a_product_is_followed_per_product_exactly(app, db, change):
    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]
    CHANGES[change](db)
    db.session.commit()

    assert _lists(True) == _lists(False)
    after = app.extensions[EXTENSION]
    assert after.generation != before.generation
    assert after.by_name is before.by_name  # brought up to date, not built again


@pytest.mark.parametrize("change", list(CHANGES))
def test_without_the_per_product_step_the_same_lists_differ(app, db, monkeypatch, change):
    assert _lists(True) == _lists(False)
    CHANGES[change](db)
    db.session.commit()
    monkeypatch.setattr(facet_index, "_apply_product_changes", lambda index, product_ids: True)

    assert _lists(True) != _lists(False)


def test_a_change_of_a_product_not_for_sale_changes_nothing_listed(app, db):
    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]
    draft = db.session.scalars(select(Product).where(Product.status == ProductStatus.DRAFT)).first()
    draft.price_cents = 99_00
    draft.allergens.clear()
    db.session.commit()

    assert _lists(True) == _lists(False)
    assert app.extensions[EXTENSION].by_name is before.by_name


@pytest.mark.parametrize("change", ["name", "featured", "hidden", "category", "producer", "new product"])
def test_a_change_of_a_products_place_builds_the_index_again(app, db, change):
    from tests.factories import make_product

    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]
    product = _published(db)
    if change == "name":  # the last by name becomes the first
        product = max((p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED))
                       if p.producer.active), key=lambda p: (p.name, p.id))
        product.name = "Aaa eerst"
    elif change == "featured":
        product.featured = not product.featured
    elif change == "hidden":
        product.status = ProductStatus.HIDDEN
    elif change == "category":
        product.category_id = next(p.category_id for p in db.session.scalars(select(Product))
                                   if p.category_id != product.category_id)
    elif change == "producer":
        product.producer.name = "Hoeve Nieuw"
    elif change == "new product":
        make_product("Nieuwe kaas", producer=product.producer, category=product.category)
    db.session.commit()

    assert _lists(True) == _lists(False)
    assert app.extensions[EXTENSION].by_name is not before.by_name


def test_a_package_change_leaves_the_index_as_it_is(app, db):
    from tests.factories import make_package

    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]
    make_package([(_published(db), 1)])
    db.session.commit()

    assert _lists(True) == _lists(False)
    after = app.extensions[EXTENSION]
    assert after.generation != before.generation and after.by_name is before.by_name


def test_another_instance_sharing_redis_follows_a_price_change_per_product(app, db):
    import uuid

    from tests.storefront.test_page_cache import REDIS_URL, _close, _instance, _redis_or_skip, _until_pushed

    redis = _redis_or_skip()
    prefix = f"shop-test-{uuid.uuid4().hex[:12]}:"
    one, two = (_instance(app, REDIS_URL=REDIS_URL, PAGE_CACHE_PREFIX=prefix, FACET_INDEX_IN_BACKGROUND=False)
                for _ in range(2))
    try:
        with one.app_context():  # a first note in the shared change log, for the index to start from
            from shop.core.page_cache import catalogue_changed

            catalogue_changed("test")
        with two.app_context():
            assert _lists(True) == _lists(False)
            before = two.extensions[EXTENSION]
        with one.app_context():
            _change_price(db)
            db.session.commit()
            db.session.remove()
        _until_pushed(two.extensions["page_cache"].generation)
        with two.app_context():
            assert _lists(True) == _lists(False)
            after = two.extensions[EXTENSION]
            assert after.generation != before.generation and after.by_name is before.by_name
    finally:
        for key in redis.scan_iter(match=prefix + "*"):
            redis.delete(key)
        _close(one, two)
