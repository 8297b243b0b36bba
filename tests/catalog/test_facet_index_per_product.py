"""The facet index brought up to date per product, without a build, after a change that moves no product's place in
it or in its order by name: a price, the season, the allergens, the product's own labels, its texts (its search
text), its stock with any of these, its status (hidden, archived, published again, a draft published, approved
by staff: it leaves or enters the products for sale) and its featured flag. Each writer's change leaves every list exactly as SQL counts
it, its bounds of price and search terms kept from before the change included; and with the per-product step left
out, the same lists differ (so the comparison would catch a wrong update). A change of what places a product (its
name, category, producer) and a new product still build the index again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.catalog import facet_index
from shop.catalog.allergens import Allergen, Presence
from shop.catalog.facet_index import EXTENSION, range_bits
from shop.catalog.models import Label, Product, ProductAllergen, ProductStatus
from shop.catalog.product_queries import _search_levels
from shop.catalog.services import refresh_search_text
from tests.catalog.test_facet_counts import listed, mixed_catalogue  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("mixed_catalogue", "small_blocks")


@pytest.fixture
def small_blocks(app, monkeypatch):
    """Orders read in blocks of 8 positions, so that a block's bits kept from before a change that reorders
    ``by_featured`` would show (with the default's 8192 the catalogue is one block, the same positions in any order).
    The index of these blocks is dropped after the test."""
    monkeypatch.setattr(facet_index, "CHUNK", 8)
    yield
    app.extensions.pop(EXTENSION, None)

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


def _hide(db):
    _published(db).status = ProductStatus.HIDDEN


def _hide_in_the_portal(db):
    from shop.listings.product_edit import hide_product

    hide_product(_published(db, category_with_parent=True), by=None)


def _archive_in_the_portal(db):
    from shop.listings.product_edit import archive_product

    archive_product(_published(db), by=None)


def _hide_and_restock_by_the_weeks_list(db):
    from shop.supply.producer_lists import confirm_week

    product = _published(db)
    confirm_week(product.producer, {product.id: (product.stock + 5, False)}, by=None)


def _publish_a_draft(db):
    """A product that was a draft when the index was built (it has a position, not for sale) is published."""
    draft = next(p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.DRAFT)
                                               .order_by(Product.id)) if p.producer.active)
    draft.status = ProductStatus.PUBLISHED


def _approve_by_staff(db):
    """A draft sent for review (a change of its own), then approved by staff: the review's conditional UPDATE names
    the product it publishes."""
    from shop.catalog.review import approve_product
    from shop.listings.product_edit import submit_for_review

    draft = next(p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.DRAFT)
                                               .order_by(Product.id)) if p.producer.active)
    submit_for_review(draft, by=None)
    db.session.commit()
    approve_product(draft, by=None)


def _feature(db):
    """The last product by name for sale becomes featured: the first of the recommended order."""
    product = max((p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED))
                   if p.producer.active and not p.featured), key=lambda p: (p.name, p.id))
    product.featured = True


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
    "hidden": _hide,
    "hidden in the portal": _hide_in_the_portal,
    "archived in the portal": _archive_in_the_portal,
    "hidden and restocked by the week's list": _hide_and_restock_by_the_weeks_list,
    "draft published": _publish_a_draft,
    "approved by staff": _approve_by_staff,
    "featured": _feature,
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


def _for_sale_as_ids(index) -> dict:
    """What an index holds of the products for sale, by product id (positions differ from build to build): each set
    of bits, the counts kept, the orders, the price bounds and search terms kept."""
    for_sale = index.everything

    def ids(bits: int) -> frozenset[int]:
        bits &= for_sale
        return frozenset(index.product_ids[p] for p in range(index.size) if bits >> p & 1)

    def order(positions) -> list[int]:
        return [index.product_ids[p] for p in positions if for_sale >> p & 1]

    return {
        "for sale": ids(for_sale), "in stock": ids(index.in_stock), "in season": ids(index.in_season),
        "featured": ids(index.featured_bits),
        "categories": {key: ids(bits) for key, bits in index.category_bits.items() if ids(bits)},
        "labels": {key: ids(bits) for key, bits in index.label_bits.items() if ids(bits)},
        "allergens": {key: ids(bits) for key, bits in index.allergen_bits.items() if ids(bits)},
        "producers": {key: ids(range_bits(*run)) for key, run in index.producer_runs.items() if ids(range_bits(*run))},
        "sizes": index.sizes,
        "by name": order(index.by_name),
        "recommended": (order(index.by_featured[:index.featured]), order(index.by_featured[index.featured:])),
        "prices": {index.product_ids[p]: index.prices[p] for p in range(index.size) if for_sale >> p & 1},
        "price bounds": {key: ids(index.price_range_bits(*key)) for key in index.price_bits},
        "terms": {term: tuple(ids(bits) for bits in kept) for term, kept in index.terms.items()},
    }


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_index_brought_up_to_date_holds_what_a_build_would(app, db, change):
    assert _lists(True) == _lists(False)  # the price bounds and search terms of LISTS kept
    before = app.extensions[EXTENSION]
    CHANGES[change](db)
    db.session.commit()
    _lists(True)
    kept = app.extensions[EXTENSION]
    assert kept.by_name is before.by_name

    built = facet_index.build_index(kept.generation, kept.month)
    for low, high in kept.price_bits:
        built.price_range_bits(low, high)
    _search_levels(built, list(kept.terms))

    assert _for_sale_as_ids(kept) == _for_sale_as_ids(built)


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


@pytest.mark.parametrize("change", ["name", "category", "producer", "new product"])
def test_a_change_of_a_products_place_builds_the_index_again(app, db, change):
    from tests.factories import make_product

    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]
    product = _published(db)
    if change == "name":  # the last by name becomes the first
        product = max((p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED))
                       if p.producer.active), key=lambda p: (p.name, p.id))
        product.name = "Aaa eerst"
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


def _same_lists_without_a_build(app, before) -> None:
    assert _lists(True) == _lists(False)
    after = app.extensions[EXTENSION]
    assert after.generation != before.generation
    assert after.by_name is before.by_name


def test_a_product_hidden_and_published_again_is_followed_per_product(app, db):
    from shop.listings.product_edit import hide_product, unhide_product

    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]
    product = _published(db, category_with_parent=True)
    listed_before = _lists(True)

    hide_product(product, by=None)
    db.session.commit()
    _same_lists_without_a_build(app, before)
    assert _lists(True) != listed_before

    unhide_product(product, by=None)
    db.session.commit()
    _same_lists_without_a_build(app, before)
    assert _lists(True) == listed_before


def test_a_product_featured_and_no_longer_is_followed_per_product(app, db):
    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]
    listed_before = _lists(True)
    products = sorted((p for p in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED))
                       if p.producer.active), key=lambda p: (p.name, p.id))

    for product in (products[-1], products[len(products) // 2], products[0]):  # featured: first in their order
        product.featured = True
        db.session.commit()
        _same_lists_without_a_build(app, before)
    assert _lists(True) != listed_before
    for product in (products[len(products) // 2], products[-1], products[0]):
        product.featured = False
        db.session.commit()
        _same_lists_without_a_build(app, before)
    assert _lists(True) == listed_before


def test_a_product_hidden_before_the_build_is_published_per_product(app, db):
    """The index built while a product was hidden gives it a position: putting it back needs no build."""
    product = _published(db)
    product.status = ProductStatus.HIDDEN
    db.session.commit()
    assert _lists(True) == _lists(False)
    before = app.extensions[EXTENSION]

    product.status = ProductStatus.PUBLISHED
    db.session.commit()

    _same_lists_without_a_build(app, before)


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
