"""Product services of the producer portal: create, update, hide, unhide, archive, submit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.catalog.allergens import Allergen, Presence
from shop.catalog.models import ProductStatus
from shop.catalog.services import MissingFoodInformation
from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import StockChanged, adjust_stock, get_stock_from_movements
from shop.listings.product_edit import (
    Change,
    ProductData,
    ProductEditError,
    archive_product,
    create_product,
    hide_product,
    missing_food_labels,
    submit_for_review,
    unhide_product,
    update_product,
)
from shop.orders.models import OrderLine
from tests.factories import make_category, make_order, make_producer, make_product, make_vat_category


@pytest.fixture
def setup(db):
    producer = make_producer(name="Hoeve De Linde")
    user = User(email="linde@example.be", role=Role.PRODUCER, producer_id=producer.id)
    db.session.add(user)
    top = make_category("Zuivel, kaas & eieren")
    cheese = make_category("Kaas", parent=top)
    food = make_vat_category("food", 6)
    db.session.flush()
    return producer, user, cheese, food


def _data(cheese, food, **overrides) -> ProductData:
    values = dict(
        name="Linde-kaas", category_id=cheese.id, unit="250 g", price_cents=495, vat_category_id=food.id, stock=12,
        net_quantity=250, ingredients="rauwe MELK, zout, stremsel", storage="Koel bewaren (max. 7 °C).",
        contains={Allergen.MILK}, may_contain={Allergen.NUTS}, season_months=[1, 2, 3],
    )
    values.update(overrides)
    return ProductData(**values)


def test_create_product_waits_for_review_with_its_stock_as_a_movement(db, setup):
    producer, user, cheese, food = setup
    product = create_product(producer, _data(cheese, food), by=user)
    db.session.commit()
    assert product.status == ProductStatus.PENDING_REVIEW
    assert product.producer_id == producer.id
    assert product.price_cents == 495
    assert product.stock == 12
    assert product.season_mask == 0b111
    assert product.contains == [Allergen.MILK]
    assert product.may_contain == [Allergen.NUTS]
    assert product.slug == "linde-kaas-" + producer.slug
    assert "linde" in product.search_text
    movements = db.session.scalars(select(StockMovement).where(StockMovement.product_id == product.id)).all()
    assert [(m.delta, m.reason, m.by_user_id) for m in movements] == [(12, MovementReason.PRODUCER_EDIT, user.id)]


def test_create_food_product_with_missing_information_is_a_draft_listing_what_is_missing(db, setup):
    producer, user, cheese, food = setup
    product = create_product(producer, _data(cheese, food, ingredients="", storage="  ", net_quantity=None), by=user)
    assert product.status == ProductStatus.DRAFT
    assert missing_food_labels(product) == ["ingrediënten", "bewaaradvies", "nettohoeveelheid"]


def test_create_non_food_product_needs_no_food_information(db, setup):
    producer, user, cheese, food = setup
    product = create_product(producer, _data(cheese, food, is_food=False, ingredients="", storage=""), by=user)
    assert product.status == ProductStatus.PENDING_REVIEW


def test_alcohol_category_needs_alcohol_percentage(db, setup):
    producer, user, cheese, _food = setup
    alcohol = make_vat_category("alcohol", 21)
    product = create_product(producer, _data(cheese, alcohol), by=user)
    assert product.status == ProductStatus.DRAFT
    assert missing_food_labels(product) == ["alcoholpercentage"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"contains": {Allergen.MILK}, "may_contain": {Allergen.MILK}},
         "Een allergeen kan niet tegelijk in 'bevat' en in 'kan sporen bevatten van' staan."),
        ({"season_months": []}, "Kies minstens één maand waarin het product te koop is."),
        ({"price_cents": 0}, "De prijs moet tussen € 0,01 en € 10.000 liggen."),
        ({"stock": -1}, "De voorraad moet een geheel getal tussen 0 en 100.000 zijn."),
        ({"name": " "}, "Vul de naam van het product in."),
    ],
)
def test_create_refuses_broken_rules(db, setup, overrides, message):
    producer, user, cheese, food = setup
    with pytest.raises(ProductEditError) as error:
        create_product(producer, _data(cheese, food, **overrides), by=user)
    assert str(error.value) == message


def test_create_refuses_a_top_category(db, setup):
    producer, user, cheese, food = setup
    with pytest.raises(ProductEditError) as error:
        create_product(producer, _data(cheese, food, category_id=cheese.parent_id), by=user)
    assert str(error.value) == "Kies een subcategorie."


def test_price_edit_keeps_the_price_of_placed_orders(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese, price_cents=450, stock=10)
    order = make_order((product, 2))
    db.session.commit()
    data = _data(cheese, food, name="Boerenkaas", price_cents=495, stock=8, stock_seen=8)
    changes = update_product(product, data, by=user)
    db.session.commit()
    assert Change("price_cents", 450, 495) in changes
    line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
    assert (line.unit_price_cents, line.total_cents) == (450, 900)
    assert product.price_cents == 495


def test_stock_edit_is_a_movement_with_reason_and_user(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese, stock=10)
    db.session.commit()
    changes = update_product(product, _data(cheese, food, name="Boerenkaas", stock=12, stock_seen=10), by=user)
    db.session.commit()
    assert changes[:2] == [Change("price_cents", 450, 495), Change("stock", 10, 12)]
    movement = db.session.scalars(
        select(StockMovement).where(StockMovement.product_id == product.id).order_by(StockMovement.id.desc())
    ).first()
    assert (movement.delta, movement.reason, movement.by_user_id, movement.note) == (
        2, MovementReason.PRODUCER_EDIT, user.id, "portaal")
    assert get_stock_from_movements(product.id) == product.stock == 12


def test_stock_edit_after_a_sale_in_between_is_refused(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese, stock=10)
    db.session.commit()
    adjust_stock(product.id, -1, MovementReason.ORDER)  # a sale while the producer looks at the form
    db.session.commit()
    with pytest.raises(StockChanged) as error:
        update_product(product, _data(cheese, food, stock=15, stock_seen=10), by=user)
    db.session.rollback()
    assert "nu 9" in str(error.value)
    assert product.stock == 9


def test_unchanged_stock_field_does_not_undo_a_sale(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese, stock=10)
    db.session.commit()
    adjust_stock(product.id, -1, MovementReason.ORDER)
    db.session.commit()
    changes = update_product(product, _data(cheese, food, name="Boerenkaas", stock=10, stock_seen=10), by=user)
    db.session.commit()
    assert product.stock == 9
    assert [c.field for c in changes if c.field == "stock"] == []


def test_published_product_stays_published_but_food_information_must_stay_complete(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese, stock=10)
    db.session.commit()
    update_product(product, _data(cheese, food, name="Boerenkaas", storage="Koel bewaren."), by=user)
    assert product.status == ProductStatus.PUBLISHED
    with pytest.raises(MissingFoodInformation) as error:
        update_product(product, _data(cheese, food, ingredients=""), by=user)
    db.session.rollback()
    assert str(error.value) == "Dit product mist verplichte voedselinformatie: ingrediënten."
    assert product.ingredients == "melk, zout"


def test_draft_completed_goes_to_review_and_submit_for_review(db, setup):
    producer, user, cheese, food = setup
    product = create_product(producer, _data(cheese, food, ingredients=""), by=user)
    with pytest.raises(MissingFoodInformation):
        submit_for_review(product, by=user)
    update_product(product, _data(cheese, food), by=user)
    assert product.status == ProductStatus.PENDING_REVIEW


def test_hide_unhide_and_archive(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese)
    hide_product(product, by=user)
    assert product.status == ProductStatus.HIDDEN
    with pytest.raises(ProductEditError):
        hide_product(product, by=user)
    unhide_product(product, by=user)
    assert product.status == ProductStatus.PUBLISHED
    archive_product(product, by=user)
    assert product.status == ProductStatus.ARCHIVED
    with pytest.raises(ProductEditError) as error:
        update_product(product, _data(cheese, food), by=user)
    assert str(error.value) == "Een gearchiveerd product kun je niet meer aanpassen."


def test_edit_replaces_allergens_and_refreshes_search_text(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese,
                           allergens={"milk": Presence.CONTAINS, "eggs": Presence.MAY_CONTAIN})
    db.session.commit()
    changes = update_product(
        product, _data(cheese, food, name="Kruidenkaas", contains={Allergen.MILK, Allergen.CELERY}, may_contain=set()),
        by=user,
    )
    db.session.commit()
    assert sorted(product.contains) == [Allergen.CELERY, Allergen.MILK]
    assert product.may_contain == []
    assert "kruidenkaas" in product.search_text
    assert {c.field for c in changes} >= {"name", "allergens"}


def test_translations_are_merged_and_empty_ones_dropped(db, setup):
    producer, user, cheese, food = setup
    product = make_product("Boerenkaas", producer=producer, category=cheese,
                           translations={"fr": {"name": "Fromage", "unit": "250 g", "storage": "Au frais"},
                                         "en": {"name": "Cheese"}})
    data = _data(cheese, food, translations={"fr": {"name": "Fromage fermier", "storage": ""},
                                             "en": {"name": "", "description": ""}})
    changes = update_product(product, data, by=user)
    assert product.translations == {"fr": {"name": "Fromage fermier", "unit": "250 g"}}
    assert "translations" in {c.field for c in changes}
