"""The add-to-cart form as the view reads it (shop.cart.forms.read_add_to_cart)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from shop.cart.forms import read_add_to_cart


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


def test_a_product_with_its_quantity_and_where_to_go_back(request_context):
    asked = read_add_to_cart(MultiDict({"product_id": "12", "quantity": " 3 ", "next": "/producten/kaas"}))
    assert (asked.item, asked.quantity, asked.next, asked.error) == (("product", 12), 3, "/producten/kaas", None)


def test_a_list_cards_package_without_quantity_is_one(request_context):
    asked = read_add_to_cart(MultiDict({"package_id": "7"}))
    assert (asked.item, asked.quantity, asked.next, asked.error) == (("package", 7), 1, None, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"product_id": "abc", "quantity": "abc"}, "Dit product of pakket bestaat niet."),  # the item's problem first
        ({"product_id": "1", "package_id": "2"}, "Kies een product of een pakket."),
        ({"quantity": "1"}, "Kies een product of een pakket."),
        ({"product_id": "1", "package_id": "x"}, "Dit product of pakket bestaat niet."),
        ({"product_id": "1", "quantity": ""}, "Vul een aantal in."),
        ({"product_id": "1", "quantity": "0"}, "Het aantal moet minstens 1 zijn."),
    ],
)
def test_the_first_problem_is_told(request_context, fields, message):
    asked = read_add_to_cart(MultiDict(fields))
    assert (asked.item, asked.quantity, asked.error) == (None, None, message)


def test_nothing_posted_asks_for_an_item(request_context):
    assert read_add_to_cart(None).error == "Kies een product of een pakket."
