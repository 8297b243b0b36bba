"""The quick-edit table: everything validated first, all or nothing, through the services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product, ProductStatus
from shop.inventory.models import MovementReason, StockMovement
from tests.factories import log_in_as, make_producer, make_product, make_user


@pytest.fixture
def farm(db, client):
    producer = make_producer("Hoeve Oost")
    products = {
        "kaas": make_product("Kaas", producer=producer, stock=10, price_cents=450),
        "boter": make_product("Boter", producer=producer, stock=3, price_cents=300, status=ProductStatus.HIDDEN),
        "siroop": make_product("Siroop", producer=producer, stock=5, price_cents=700,
                               status=ProductStatus.PENDING_REVIEW),
        "oud": make_product("Oud", producer=producer, stock=1, status=ProductStatus.ARCHIVED),
        "ander": make_product("Van een ander", stock=4),
    }
    user = make_user(role="producer", producer=producer)
    db.session.commit()
    log_in_as(client, user)
    return {name: product.id for name, product in products.items()}


def _form(ids, **overrides):
    """The form as the page sends it: every editable row, with the current values unless overridden."""
    data = {
        f"stock-{ids['kaas']}": "10", f"price-{ids['kaas']}": "4,50", f"available-{ids['kaas']}": "1",
        f"expected-{ids['kaas']}": "10",
        f"stock-{ids['boter']}": "3", f"price-{ids['boter']}": "3,00", f"expected-{ids['boter']}": "3",
        f"stock-{ids['siroop']}": "5", f"price-{ids['siroop']}": "7,00", f"expected-{ids['siroop']}": "5",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _state(db, ids):
    db.session.expire_all()
    rows = db.session.execute(select(Product.id, Product.stock, Product.price_cents, Product.status)).all()
    movements = db.session.scalar(select(func.count()).select_from(StockMovement))
    return {row.id: (row.stock, row.price_cents, row.status) for row in rows}, movements


def test_page_lists_my_products_only_with_phone_keyboards(client, farm):
    html = client.get("/portaal/snel").get_data(as_text=True)
    assert "Kaas" in html and "Boter" in html and "Siroop" in html
    assert "Oud" not in html and "Van een ander" not in html
    assert f'id="stock-{farm["kaas"]}" name="stock-{farm["kaas"]}" value="10" inputmode="numeric"' in html
    assert f'id="price-{farm["kaas"]}" name="price-{farm["kaas"]}" value="4,50" inputmode="decimal"' in html
    assert f'name="available-{farm["kaas"]}" value="1" checked' in html
    assert f'name="available-{farm["boter"]}" value="1">' in html
    assert f'name="available-{farm["siroop"]}"' not in html
    assert "wacht op controle" in html


def test_save_applies_everything_and_names_what_changed(client, db, farm):
    ids = farm
    response = client.post("/portaal/snel", data=_form(ids, **{
        f"stock-{ids['kaas']}": "12", f"price-{ids['kaas']}": "4,95", f"available-{ids['kaas']}": None,
        f"available-{ids['boter']}": "1", f"stock-{ids['siroop']}": " 8 ",
    }))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/portaal/snel")
    products, _ = _state(db, ids)
    assert products[ids["kaas"]] == (12, 495, ProductStatus.HIDDEN)
    assert products[ids["boter"]] == (3, 300, ProductStatus.PUBLISHED)
    assert products[ids["siroop"]] == (8, 700, ProductStatus.PENDING_REVIEW)
    movements = db.session.execute(
        select(StockMovement.product_id, StockMovement.delta, StockMovement.reason)
        .where(StockMovement.reason == MovementReason.PRODUCER_EDIT).order_by(StockMovement.product_id)
    ).all()
    assert [tuple(m) for m in movements] == [(ids["kaas"], 2, MovementReason.PRODUCER_EDIT),
                                            (ids["siroop"], 3, MovementReason.PRODUCER_EDIT)]
    html = client.get("/portaal/snel").get_data(as_text=True)
    assert "3 producten aangepast: Kaas, Boter, Siroop." in html


def test_nothing_changed(client, db, farm):
    response = client.post("/portaal/snel", data=_form(farm), follow_redirects=True)
    assert "Er is niets gewijzigd." in response.get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("stock", "-2", "De voorraad kan niet negatief zijn."),
    ("stock", "tien", "Vul de voorraad in als een geheel getal, bijvoorbeeld 12."),
    ("stock", "2,5", "Vul de voorraad in als een geheel getal, bijvoorbeeld 12."),
    ("stock", "", "Vul de voorraad in (0 als je niets hebt)."),
    ("stock", "100001", "De voorraad kan hoogstens 100000 zijn."),
    ("price", "4,5x", "Vul de prijs in euro in, bijvoorbeeld 4,50."),
    ("price", "", "Vul een prijs in, bijvoorbeeld 4,50."),
    ("price", "0", "De prijs moet tussen € 0,01 en € 10.000 liggen."),
    ("price", "-1", "Vul de prijs in euro in, bijvoorbeeld 4,50."),
])
def test_one_bad_field_changes_nothing(client, db, farm, field, value, message):
    ids = farm
    before = _state(db, ids)
    response = client.post("/portaal/snel", data=_form(ids, **{
        f"stock-{ids['boter']}": "9", f"price-{ids['boter']}": "3,50",  # valid, but must not be applied
        f"{field}-{ids['kaas']}": value,
    }))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _state(db, ids) == before
    assert f'<a href="#{field}-{ids["kaas"]}">Kaas: {message}</a>' in html
    assert f'id="{field}-{ids["kaas"]}-error"' in html
    assert f'name="stock-{ids["boter"]}" value="9"' in html  # input kept
    assert "<title>Fout: " in html


def test_a_product_in_review_cannot_be_published_here(client, db, farm):
    ids = farm
    before = _state(db, ids)
    response = client.post("/portaal/snel", data=_form(ids, **{f"available-{ids['siroop']}": "1"}))
    # The page has no checkbox for it: a forged field is ignored, nothing else changes.
    assert response.status_code == 303
    assert _state(db, ids)[0] == before[0]


def test_concurrent_sale_applies_nothing_and_says_so(client, db, farm):
    ids = farm
    # Between showing the form (stock 10) and saving it, a customer bought 2 cheeses.
    from shop.inventory.services import adjust_stock
    adjust_stock(ids["kaas"], -2, MovementReason.ORDER)
    db.session.commit()
    before = _state(db, ids)
    response = client.post("/portaal/snel", data=_form(ids, **{
        f"stock-{ids['kaas']}": "15", f"price-{ids['boter']}": "3,95",
    }))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert _state(db, ids) == before
    assert "De voorraad van Kaas is intussen gewijzigd (nu 8); bekijk het nieuwe cijfer en probeer opnieuw." in html
    assert f'name="expected-{ids["kaas"]}" value="8"' in html
    assert f'name="stock-{ids["kaas"]}" value="15"' in html
    # Saving again after looking applies it.
    again = client.post("/portaal/snel", data=_form(ids, **{
        f"stock-{ids['kaas']}": "15", f"expected-{ids['kaas']}": "8", f"price-{ids['boter']}": "3,95",
    }))
    assert again.status_code == 303
    products, _ = _state(db, ids)
    assert products[ids["kaas"]][0] == 15 and products[ids["boter"]][1] == 395


def test_another_producers_fields_are_ignored(client, db, farm):
    ids = farm
    before = _state(db, ids)
    response = client.post("/portaal/snel", data=_form(ids, **{
        f"stock-{ids['ander']}": "99", f"price-{ids['ander']}": "1,00", f"expected-{ids['ander']}": "4",
        f"stock-{ids['oud']}": "99", f"expected-{ids['oud']}": "1",
    }))
    assert response.status_code == 303
    assert _state(db, ids) == before
