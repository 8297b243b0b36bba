import pytest

from shop.catalog.models import ProductStatus
from shop.catalog.services import (
    MissingFoodInformation,
    missing_food_information,
    publish_product,
)
from tests.factories import make_product, make_vat_category


def test_a_food_product_without_ingredients_or_storage_cannot_be_published(db):
    product = make_product(status=ProductStatus.PENDING_REVIEW, ingredients="", storage=" ")
    with pytest.raises(MissingFoodInformation) as raised:
        publish_product(product)
    assert raised.value.missing == ["ingrediënten", "bewaaradvies"]
    assert product.status == ProductStatus.PENDING_REVIEW


def test_an_alcoholic_drink_must_state_its_alcohol(db):
    product = make_product(vat=make_vat_category("alcohol", 21), alcohol_pct=None)
    assert missing_food_information(product) == ["alcohol_pct"]
    product.alcohol_pct = 6.5
    publish_product(product)
    assert product.status == ProductStatus.PUBLISHED


def test_non_food_needs_no_food_information(db):
    product = make_product(is_food=False, ingredients="", storage="", net_quantity=None, status=ProductStatus.DRAFT)
    publish_product(product)
    assert product.status == ProductStatus.PUBLISHED


def test_search_text_names_the_products_own_category_but_not_its_parent(db):
    from sqlalchemy import select

    from shop.catalog.models import Product
    from shop.catalog.search import match_clause, parse_query
    from tests.factories import make_category

    dairy = make_category("Zuivel, kaas & eieren", slug="zuivel-kaas-eieren")
    eggs = make_category("Eieren", parent=dairy, slug="eieren")
    cheese = make_category("Kaas", parent=dairy, slug="kaas", translations={"fr": {"name": "Fromage"}})
    make_product("Scharreleieren", category=eggs)
    make_product("Brugse Blomme", category=cheese)

    def found(query):
        return db.session.scalars(
            select(Product.name).where(match_clause(Product.search_text, parse_query(query))).order_by(Product.name)
        ).all()

    assert found("kaas") == ["Brugse Blomme"]
    assert found("fromage") == ["Brugse Blomme"]
    assert found("eieren") == ["Scharreleieren"]
