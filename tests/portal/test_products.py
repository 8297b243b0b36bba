"""Portal product pages through the test client: list, create, edit, status actions, photos, authorisation."""

from __future__ import annotations

import html
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from shop.accounts.models import Role, User
from shop.catalog.models import Product, ProductImage, ProductStatus
from shop.core.storage import get_storage
from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import adjust_stock
from tests.factories import make_category, make_label, make_producer, make_product, make_vat_category
from tests.helpers import meanwhile


def _producer_user(db, producer, email):
    user = User(email=email, role=Role.PRODUCER, producer_id=producer.id)
    db.session.add(user)
    db.session.flush()
    return user


def _log_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def world(db, client):
    mine = make_producer(name="Hoeve De Linde")
    other = make_producer(name="Brouwerij Anders")
    user = _producer_user(db, mine, "linde@example.be")
    top = make_category("Zuivel, kaas & eieren")
    cheese = make_category("Kaas", parent=top)
    food = make_vat_category("food", 6)
    bio = make_label("bio", "Bio")
    product = make_product("Boerenkaas", producer=mine, category=cheese, price_cents=450, stock=10)
    foreign = make_product("Andermans bier", producer=other, category=cheese, price_cents=300, stock=5)
    foreign_image = ProductImage(product=foreign, path="products/x-800.webp", position=0)
    db.session.add(foreign_image)
    db.session.commit()
    _log_in(client, user)
    return dict(mine=mine, other=other, user=user, cheese=cheese, food=food, bio=bio, product=product,
                foreign=foreign, foreign_image=foreign_image)


def _form(world, **overrides):
    data = {
        "name": "Linde-kaas", "description": "Romig.", "category_id": str(world["cheese"].id), "unit": "250 g",
        "net_quantity": "250", "net_unit": "g", "price": "4,95", "vat_category_id": str(world["food"].id),
        "stock": "12", "is_food": "y", "ingredients": "rauwe MELK, zout", "contains": ["milk"],
        "may_contain": ["nuts"], "storage": "Koel bewaren.", "alcohol_pct": "", "origin": "Eeklo",
        "shelf_life_days": "30", "season_months": ["1", "2", "12"], "label_ids": [str(world["bio"].id)],
        "name_fr": "Fromage Linde", "description_fr": "", "name_en": "", "description_en": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_list_shows_my_products_only(client, world):
    response = client.get("/portaal/producten")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Boerenkaas" in page
    assert "Andermans bier" not in page
    assert "€ 4,50" in page.replace("\xa0", " ")


def test_list_search_and_status_filter(client, world, db):
    make_product("Geitenkaas", producer=world["mine"], category=world["cheese"], status=ProductStatus.HIDDEN)
    db.session.commit()
    page = client.get("/portaal/producten?q=geiten").get_data(as_text=True)
    assert "Geitenkaas" in page and "Boerenkaas" not in page
    page = client.get("/portaal/producten?status=hidden").get_data(as_text=True)
    assert "Geitenkaas" in page and "Boerenkaas" not in page


def test_list_needs_a_producer(client, db):
    response = client.get("/portaal/producten")
    assert response.status_code == 302


def test_new_form_has_phone_keyboards_and_every_field(client, world):
    page = client.get("/portaal/producten/nieuw").get_data(as_text=True)
    assert 'name="price"' in page and 'inputmode="decimal"' in page
    assert 'id="stock"' in page and 'inputmode="numeric"' in page
    assert page.count('name="contains"') == 14 and page.count('name="may_contain"') == 14
    assert page.count('name="season_months"') == 12
    assert "food (6 % btw)" in page
    assert '<optgroup label="Zuivel, kaas &amp; eieren">' in page


def test_create_product_waits_for_review(client, world, db):
    response = client.post("/portaal/producten/nieuw", data=_form(world))
    assert response.status_code == 303
    product = db.session.scalar(select(Product).where(Product.name == "Linde-kaas"))
    assert response.headers["Location"] == f"/portaal/producten/{product.id}"
    assert product.producer_id == world["mine"].id
    assert (product.status, product.price_cents, product.stock) == (ProductStatus.PENDING_REVIEW, 495, 12)
    assert product.translations == {"fr": {"name": "Fromage Linde"}}
    assert product.season_months == [1, 2, 12]
    assert [label.slug for label in product.labels] == ["bio"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Het verschijnt in de winkel zodra de winkel het heeft gecontroleerd" in page


def test_a_double_submitted_new_product_is_created_with_the_next_free_address(client, world, db, monkeypatch):
    # Both submits found the product's address (slug) free; the second to store its product ran into the first
    # one's: a server error.
    from shop.listings import product_edit

    calls = meanwhile(monkeypatch, product_edit, "_unique_slug", lambda slug, *_: make_product(
        "Linde-kaas", producer=world["mine"], category=world["cheese"], slug=slug))

    response = client.post("/portaal/producten/nieuw", data=_form(world))

    assert response.status_code == 303
    db.session.expire_all()
    slugs = db.session.scalars(select(Product.slug).where(Product.name == "Linde-kaas").order_by(Product.id)).all()
    assert slugs == [calls[0], f"{calls[0]}-2"]
    created = db.session.scalar(select(Product).where(Product.slug == f"{calls[0]}-2"))
    assert response.headers["Location"] == f"/portaal/producten/{created.id}"
    assert (created.status, created.price_cents, created.stock) == (ProductStatus.PENDING_REVIEW, 495, 12)


def test_create_with_missing_food_information_is_a_draft(client, world, db):
    response = client.post("/portaal/producten/nieuw", data=_form(world, ingredients="", storage=""),
                           follow_redirects=True)
    assert response.status_code == 200
    product = db.session.scalar(select(Product).where(Product.name == "Linde-kaas"))
    assert product.status == ProductStatus.DRAFT
    assert ("Bewaard als ontwerp. Vul nog in voor je het ter controle kunt indienen: ingrediënten, bewaaradvies."
            in response.get_data(as_text=True))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "Vul de naam van het product in."),
        ({"price": "vier euro"}, "Vul de prijs in als een bedrag in euro, bijvoorbeeld 4,50."),
        ({"price": "0"}, "De prijs moet tussen € 0,01 en € 10.000 liggen."),
        ({"stock": "-3"}, "De voorraad moet een geheel getal tussen 0 en 100.000 zijn."),
        ({"stock": "2,5"}, "De voorraad moet een geheel getal tussen 0 en 100.000 zijn."),
        ({"category_id": "999999"}, "Kies een categorie."),
        ({"vat_category_id": "abc"}, "Kies een btw-categorie."),
        ({"unit": ""}, "Vul de eenheid in, bijvoorbeeld 'per stuk' of '250 g'."),
        ({"net_quantity": "veel"}, "Vul de nettohoeveelheid in als een geheel getal groter dan 0, bv. 250."),
        ({"net_unit": "kg"}, "Kies gram, milliliter of stuks."),
        ({"alcohol_pct": "sterk"}, "Vul het alcoholpercentage in als een getal, bijvoorbeeld 7,5."),
        ({"alcohol_pct": "120"}, "Het alcoholpercentage ligt tussen 0 en 100."),
        ({"shelf_life_days": "0"}, "Vul de houdbaarheid in als een aantal dagen tussen 1 en 3650."),
        ({"season_months": None}, "Kies minstens één maand waarin het product te koop is."),
        ({"season_months": ["13"]}, "Kies alleen uit de lijst."),
        ({"contains": ["milk", "gold"]}, "Kies alleen uit de lijst."),
        ({"may_contain": ["milk"]},
         "Een allergeen staat in 'bevat' of in 'kan sporen bevatten van', niet in beide: melk."),
        ({"name": "x" * 161}, "Gebruik hoogstens 160 tekens."),
    ],
)
def test_create_refuses_bad_input_with_a_message_and_keeps_it(client, world, db, overrides, message):
    before = db.session.scalar(select(func.count()).select_from(Product))
    response = client.post("/portaal/producten/nieuw", data=_form(world, **overrides))
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")
    assert message in page
    assert "<title>Fout:" in page
    assert 'value="4,95"' in page or overrides.get("price")
    assert db.session.scalar(select(func.count()).select_from(Product)) == before


def test_price_comma_is_accepted_and_change_is_named(client, world, db):
    product = world["product"]
    edit = client.get(f"/portaal/producten/{product.id}").get_data(as_text=True)
    assert 'value="4,50"' in edit and 'name="stock_seen" type="hidden" value="10"' in edit
    response = client.post(f"/portaal/producten/{product.id}",
                           data=_form(world, name="Boerenkaas", price="4,95", stock="12", stock_seen="10"),
                           follow_redirects=True)
    page = response.get_data(as_text=True).replace("\xa0", " ")
    assert "Prijs gewijzigd van € 4,50 naar € 4,95; voorraad van 10 naar 12" in page
    db.session.refresh(product)
    assert (product.price_cents, product.stock, product.status) == (495, 12, ProductStatus.PUBLISHED)
    movement = db.session.scalars(select(StockMovement).where(StockMovement.product_id == product.id)
                                  .order_by(StockMovement.id.desc())).first()
    assert (movement.delta, movement.reason, movement.by_user_id) == (2, MovementReason.PRODUCER_EDIT, world["user"].id)


def test_stock_changed_by_a_sale_meanwhile_is_refused_with_a_message(client, world, db):
    product = world["product"]
    adjust_stock(product.id, -2, MovementReason.ORDER)
    db.session.commit()
    response = client.post(f"/portaal/producten/{product.id}",
                           data=_form(world, name="Boerenkaas", price="5,00", stock="20", stock_seen="10"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "De voorraad is intussen gewijzigd (nu 8)" in page
    assert 'name="stock_seen" type="hidden" value="8"' in page
    db.session.refresh(product)
    assert (product.price_cents, product.stock) == (450, 8)


def test_published_product_edit_without_ingredients_is_refused(client, world, db):
    product = world["product"]
    response = client.post(f"/portaal/producten/{product.id}",
                           data=_form(world, ingredients="", stock="10", stock_seen="10"))
    assert response.status_code == 422
    assert "Dit product mist verplichte voedselinformatie: ingrediënten." in response.get_data(as_text=True)
    db.session.refresh(product)
    assert product.ingredients == "melk, zout"


def test_hide_unhide_archive(client, world, db):
    product = world["product"]
    assert client.post(f"/portaal/producten/{product.id}/verbergen").status_code == 303
    db.session.refresh(product)
    assert product.status == ProductStatus.HIDDEN
    client.post(f"/portaal/producten/{product.id}/tonen")
    db.session.refresh(product)
    assert product.status == ProductStatus.PUBLISHED
    response = client.post(f"/portaal/producten/{product.id}/archiveren")
    assert response.headers["Location"] == "/portaal/producten"
    db.session.refresh(product)
    assert product.status == ProductStatus.ARCHIVED
    page = client.get("/portaal/producten").get_data(as_text=True)
    assert "Boerenkaas is gearchiveerd." in page
    assert f'href="/portaal/producten/{product.id}"' not in page


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 750), (120, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_photo_upload_shows_on_the_product_page(client, world, db, app):
    product = world["product"]
    page = client.get(f"/portaal/producten/{product.id}").get_data(as_text=True)
    assert 'accept="image/*"' in page and "capture" not in page
    response = client.post(f"/portaal/producten/{product.id}/fotos",
                           data={"photo": (io.BytesIO(_jpeg()), "IMG_0001.JPG"), "alt": "Kaas op een plank"},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    image = db.session.scalar(select(ProductImage).where(ProductImage.product_id == product.id))
    assert image.path.startswith("products/") and image.path.endswith("-800.webp")
    assert image.alt == "Kaas op een plank"
    assert get_storage().exists(image.path)
    shop_page = client.get(f"/producten/{product.slug}").get_data(as_text=True)
    assert f"/media/{image.path}" in shop_page
    assert client.get(f"/media/{image.path}").status_code == 200


def test_fake_photo_is_refused_with_a_message(client, world, db):
    product = world["product"]
    response = client.post(f"/portaal/producten/{product.id}/fotos",
                           data={"photo": (io.BytesIO(b"geen foto"), "foto.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Dit bestand is geen foto die we kunnen lezen." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProductImage).where(
        ProductImage.product_id == product.id)) == 0


def test_photo_delete_and_reorder(client, world, db):
    product = world["product"]
    for _ in range(2):
        client.post(f"/portaal/producten/{product.id}/fotos", data={"photo": (io.BytesIO(_jpeg()), "a.jpg")},
                    content_type="multipart/form-data")
    first, second = db.session.scalars(select(ProductImage).where(ProductImage.product_id == product.id)
                                       .order_by(ProductImage.position)).all()
    client.post(f"/portaal/producten/{product.id}/fotos/{second.id}/verplaatsen", data={"richting": "eerder"})
    db.session.expire_all()
    order = db.session.scalars(select(ProductImage.id).where(ProductImage.product_id == product.id)
                               .order_by(ProductImage.position)).all()
    assert order == [second.id, first.id]
    path = first.path
    assert client.post(f"/portaal/producten/{product.id}/fotos/{first.id}/verwijderen").status_code == 303
    assert db.session.get(ProductImage, first.id) is None
    assert not get_storage().exists(path)


def test_other_producers_ids_answer_404_and_change_nothing(client, world, db):
    foreign, image = world["foreign"], world["foreign_image"]
    mine = world["product"]
    requests = [
        ("get", f"/portaal/producten/{foreign.id}", None),
        ("post", f"/portaal/producten/{foreign.id}", _form(world, stock="99", stock_seen="5")),
        ("post", f"/portaal/producten/{foreign.id}/verbergen", {}),
        ("post", f"/portaal/producten/{foreign.id}/tonen", {}),
        ("post", f"/portaal/producten/{foreign.id}/archiveren", {}),
        ("post", f"/portaal/producten/{foreign.id}/indienen", {}),
        ("post", f"/portaal/producten/{foreign.id}/fotos", {"photo": (io.BytesIO(_jpeg()), "a.jpg")}),
        ("post", f"/portaal/producten/{foreign.id}/fotos/{image.id}/verwijderen", {}),
        ("post", f"/portaal/producten/{foreign.id}/fotos/{image.id}/verplaatsen", {"richting": "later"}),
        # my product, another producer's photo
        ("post", f"/portaal/producten/{mine.id}/fotos/{image.id}/verwijderen", {}),
        ("post", f"/portaal/producten/{mine.id}/fotos/{image.id}/verplaatsen", {"richting": "later"}),
    ]
    for method, url, data in requests:
        response = getattr(client, method)(url, data=data, content_type="multipart/form-data") if data else \
            getattr(client, method)(url)
        assert response.status_code == 404, url
    db.session.expire_all()
    foreign = db.session.get(Product, foreign.id)
    assert (foreign.status, foreign.stock, foreign.price_cents, foreign.name) == (
        ProductStatus.PUBLISHED, 5, 300, "Andermans bier")
    assert db.session.get(ProductImage, image.id) is not None
    assert db.session.scalar(select(func.count()).select_from(ProductImage)) == 1


def test_unchanged_form_changes_nothing(client, world, db, app):
    from werkzeug.datastructures import MultiDict

    from shop.listings.product_edit import data_from_product
    from shop.portal.product_forms import ProductForm

    product = make_product("Trappist", producer=world["mine"], category=world["cheese"], alcohol_pct=8.5,
                           translations={"fr": {"name": "Trappiste", "ingredients": "Eau, ORGE"}})
    db.session.commit()
    with app.test_request_context():
        form = ProductForm(formdata=None)
        form.fill_from(data_from_product(product))
        data = MultiDict()
        for f in form:
            if f.type == "CheckboxesField":
                for value in f.data or []:
                    data.add(f.name, str(value))
            elif f.type == "BooleanField":
                if f.data:
                    data.add(f.name, "y")
            elif f.type != "CSRFTokenField":
                data.add(f.name, "" if f.data is None else str(f.data))
    assert data["alcohol_pct"] == "8,5" and data["ingredients_fr"] == "Eau, ORGE"
    movements = db.session.scalar(select(func.count()).select_from(StockMovement))
    response = client.post(f"/portaal/producten/{product.id}", data=data, follow_redirects=True)
    assert "Niets gewijzigd." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == movements


def test_translation_too_long_is_refused(client, world, db):
    response = client.post("/portaal/producten/nieuw", data=_form(world, unit_en="x" * 61))
    assert response.status_code == 422
    assert "Gebruik hoogstens 60 tekens." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Product).where(Product.name == "Linde-kaas")) == 0


def test_archived_product_cannot_be_edited(client, world, db):
    product = world["product"]
    client.post(f"/portaal/producten/{product.id}/archiveren")
    response = client.post(f"/portaal/producten/{product.id}", data=_form(world, stock="10", stock_seen="10"),
                           follow_redirects=True)
    assert "Een gearchiveerd product kun je niet meer aanpassen." in response.get_data(as_text=True)
    db.session.refresh(product)
    assert (product.name, product.price_cents, product.status) == ("Boerenkaas", 450, ProductStatus.ARCHIVED)
