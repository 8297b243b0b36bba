"""Back office, packages: list, create, compose, activate, photo, the picker's JSON, and who may use them."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from PIL import Image
from sqlalchemy import select

from shop.cart.services import get_cart
from shop.catalog.models import Product, ProductStatus
from shop.checkout.services import place_order
from shop.core.audit import AuditEntry
from shop.inventory.models import StockMovement
from shop.packages.models import Package, PackageComponent
from tests import helpers
from tests.factories import (
    log_in_as,
    make_occasion,
    make_order_data,
    make_package,
    make_producer,
    make_product,
    make_staff,
    make_user,
    make_vat_category,
)
from tests.helpers import meanwhile


def _text(response) -> str:
    """The page's text with no-break spaces (money, percentages) as plain spaces."""
    return response.get_data(as_text=True).replace("\xa0", " ")


@contextmanager
def count_queries(db):
    db.session.expire_all()
    with helpers.count_queries(db.engine) as statements:
        yield statements


@pytest.fixture
def staff_client(client, db):
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    client.staff = staff
    return client


# --- who may --------------------------------------------------------------------------------------------------

PAGES = [
    ("get", "/beheer/pakketten"),
    ("get", "/beheer/pakketten/nieuw"),
    ("post", "/beheer/pakketten/nieuw"),
    ("get", "/beheer/pakketten/{id}"),
    ("post", "/beheer/pakketten/{id}"),
    ("get", "/beheer/pakketten/producten?q=kaas"),
    ("post", "/beheer/pakketten/{id}/producten"),
    ("post", "/beheer/pakketten/{id}/producten/{product}"),
    ("post", "/beheer/pakketten/{id}/producten/{product}/verwijderen"),
    ("post", "/beheer/pakketten/{id}/activeren"),
    ("post", "/beheer/pakketten/{id}/deactiveren"),
    ("post", "/beheer/pakketten/{id}/foto"),
]


def _url(template: str, package: Package) -> str:
    return template.format(id=package.id, product=package.components[0].product_id)


@pytest.mark.parametrize(("method", "template"), PAGES)
@pytest.mark.parametrize("role", ["customer", "producer"])
def test_customers_and_producers_get_403(client, db, method, template, role):
    package = make_package([(make_product(), 1)], active=False)
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)
    response = getattr(client, method)(_url(template, package))
    assert response.status_code == 403
    assert db.session.get(Package, package.id).active is False
    assert db.session.scalar(select(AuditEntry.id)) is None


@pytest.mark.parametrize(("method", "template"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, db, method, template):
    package = make_package([(make_product(), 1)], active=False)
    db.session.commit()
    response = getattr(client, method)(_url(template, package))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen?next=")


def test_admins_may_use_the_package_pages(client, db):
    admin_user = make_staff(role="admin")
    db.session.commit()
    log_in_as(client, admin_user)
    assert client.get("/beheer/pakketten").status_code == 200


# --- the whole way: create, compose, activate, sell ------------------------------------------------------------


def test_a_package_composed_in_the_back_office_sells_in_the_shop(staff_client, db):
    client = staff_client
    cheese = make_product("Hoevekaas van de Leie", price_cents=650, stock=7)
    beer = make_product("Meetjeslandse tripel", price_cents=325, stock=20, vat=make_vat_category("alcohol", 21))
    substitute = make_product("Oude hoevekaas", price_cents=700, stock=3)
    kerst = make_occasion("kerst", "Kerst")
    db.session.commit()

    # Given a new package
    response = client.post("/beheer/pakketten/nieuw", data={
        "name": "Leiebox", "price": "19,95", "story": "Kaas en bier van bij ons.", "occasion_ids": [str(kerst.id)],
        "name_fr": "Boîte de la Lys",
    })
    assert response.status_code == 303
    package = db.session.scalar(select(Package).where(Package.name == "Leiebox"))
    assert response.headers["Location"].endswith(f"/beheer/pakketten/{package.id}")
    assert (package.slug, package.price_cents, package.active) == ("leiebox", 1995, False)
    edit = f"/beheer/pakketten/{package.id}"

    # When staff find products with the picker and add them
    found = client.get("/beheer/pakketten/producten?q=hoevekaas").get_json()
    assert [r["name"] for r in found["results"]] == ["Hoevekaas van de Leie", "Oude hoevekaas"]
    assert found["results"][0] == {"id": cheese.id, "name": "Hoevekaas van de Leie", "producer": cheese.producer.name,
                                   "unit": "250 g", "price": "€\xa06,50", "price_cents": 650, "stock": 7}
    assert client.post(f"{edit}/producten", data={"product_id": str(cheese.id), "quantity": "2"}).status_code == 303
    assert client.post(f"{edit}/producten", data={"product_id": str(beer.id)}).status_code == 303
    response = client.post(f"{edit}/producten/{cheese.id}",
                           data={"quantity": "2", "substitute_product_id": str(substitute.id)})
    assert response.status_code == 303

    # Then the editor shows the figures from the database
    page = _text(client.get(edit))
    assert "Hoevekaas van de Leie" in page and "Meetjeslandse tripel" in page
    assert "€ 16,25" in page  # 2 x 6,50 + 3,25
    assert "€ 3,70" in page and "18,5 %" in page  # margin 1995 - 1625 = 370 = 18.5 % of the price
    assert f'<option value="{substitute.id}" selected>' in page

    # When it is activated, it is in the shop, can be added to the cart and ordered
    response = client.post(f"{edit}/activeren", follow_redirects=True)
    assert "Het pakket staat nu in de winkel." in _text(response)
    db.session.expire_all()
    assert db.session.get(Package, package.id).active is True
    assert "Leiebox" in _text(client.get("/pakketten"))
    assert client.get("/pakketten/leiebox").status_code == 200

    response = client.post("/winkelmand/toevoegen", data={"package_id": str(package.id), "quantity": "3"})
    assert response.status_code == 303
    cart = get_cart(client.get_cookie("lov_cart").value)
    order = place_order(cart, make_order_data())
    db.session.commit()

    # Then the stock is taken from the components
    db.session.expire_all()
    assert db.session.get(Product, cheese.id).stock == 7 - 6
    assert db.session.get(Product, beer.id).stock == 20 - 3
    assert db.session.get(Product, substitute.id).stock == 3
    assert db.session.scalar(select(StockMovement.delta).where(StockMovement.product_id == cheese.id)
                             .order_by(StockMovement.id.desc()).limit(1)) == -6
    assert order.lines[0].package_id == package.id
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == package.id)
                              .order_by(AuditEntry.id)).all() == [
        "package.create", "package.components", "package.components", "package.components", "package.activate"]


def test_the_list_shows_every_package_with_its_figures(staff_client, db):
    cheese = make_product(price_cents=500, stock=10)
    make_package([(cheese, 2)], name="Kaasbox", price_cents=900, active=True)
    make_package([(cheese, 1)], name="Mini", price_cents=600, active=False)
    db.session.commit()
    page = _text(staff_client.get("/beheer/pakketten"))
    assert "Kaasbox" in page and "Mini" in page
    assert "€ 10,00" in page and "€ -1,00" in page and "-11,1 %" in page
    assert "(10 na activeren)" in page
    inactive = _text(staff_client.get("/beheer/pakketten?status=inactief"))
    assert "Mini" in inactive and "Kaasbox" not in inactive


def test_the_list_runs_a_fixed_number_of_queries(staff_client, db):
    def queries() -> int:
        with count_queries(db) as statements:
            assert staff_client.get("/beheer/pakketten").status_code == 200
        return len(statements)

    make_package([(make_product(), 1)])
    db.session.commit()
    few = queries()
    for _ in range(5):
        make_package([(make_product(), 1), (make_product(), 2)])
    db.session.commit()
    assert queries() == few


# --- bad input ------------------------------------------------------------------------------------------------


def test_a_bad_new_package_shows_the_messages_at_their_fields(staff_client, db):
    response = staff_client.post("/beheer/pakketten/nieuw", data={"name": "ab", "price": "gratis"})
    assert response.status_code == 422
    page = _text(response)
    assert "<title>Fout: Nieuw pakket" in page
    assert "Geef het pakket een naam van minstens 3 tekens." in page
    assert "Geef de prijs in euro, bijvoorbeeld 39,95." in page
    assert db.session.scalar(select(Package.id)) is None


def _slug_taken_by_another_request(monkeypatch, db, times: int) -> list[str]:
    """``slug_for`` as it is, except that the first ``times`` slugs it finds free are taken by another package
    stored right after (the same form sent twice at once, or two staff): the slugs it gave, in order."""
    from shop.packages import admin

    return meanwhile(monkeypatch, admin, "slug_for", lambda slug, *_, **__: make_package(name="De andere", slug=slug),
                     times=times)


def test_a_new_package_whose_address_was_taken_meanwhile_gets_the_next_free_one(staff_client, db, monkeypatch):
    # The second of two packages of one name to be stored ran into the first one's address: the staff member got
    # "try again" and had to fill in the form once more.
    given = _slug_taken_by_another_request(monkeypatch, db, times=1)

    response = staff_client.post("/beheer/pakketten/nieuw", data={"name": "Leiebox", "price": "19,95"})

    assert response.status_code == 303
    db.session.expire_all()
    package = db.session.scalar(select(Package).where(Package.name == "Leiebox"))
    assert given == ["leiebox", "leiebox-2"]
    assert (package.slug, package.price_cents) == ("leiebox-2", 1995)
    assert response.headers["Location"].endswith(f"/beheer/pakketten/{package.id}")


def test_a_new_package_whose_address_is_taken_twice_keeps_the_form_and_says_so(staff_client, db, monkeypatch):
    _slug_taken_by_another_request(monkeypatch, db, times=2)

    response = staff_client.post("/beheer/pakketten/nieuw", data={"name": "Leiebox", "price": "19,95"})

    assert response.status_code == 409
    page = _text(response)
    assert "Er werd net een pakket met dezelfde naam aangemaakt. Probeer opnieuw." in page
    assert 'value="Leiebox"' in page
    db.session.expire_all()
    assert db.session.scalar(select(Package.id).where(Package.name == "Leiebox")) is None


def test_editing_details_saves_them(staff_client, db):
    package = make_package(name="Oude naam", price_cents=2000, active=False)
    db.session.commit()
    response = staff_client.post(f"/beheer/pakketten/{package.id}", data={"name": "Nieuwe naam", "price": "24,50"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (package.name, package.price_cents, package.slug) == ("Nieuwe naam", 2450, "nieuwe-naam")
    bad = staff_client.post(f"/beheer/pakketten/{package.id}", data={"name": "Nieuwe naam", "price": "0"})
    assert bad.status_code == 422 and "De prijs moet meer dan € 0 zijn." in _text(bad)


def test_activation_refused_lists_the_reasons(staff_client, db):
    hidden = make_product("Verborgen kaas", stock=5)
    package = make_package([(hidden, 1)], active=False)
    hidden.status = ProductStatus.HIDDEN
    db.session.commit()
    response = staff_client.post(f"/beheer/pakketten/{package.id}/activeren", follow_redirects=True)
    assert ("Dit pakket kan nog niet in de winkel: Verborgen kaas staat niet in de winkel") in _text(response)
    db.session.expire_all()
    assert db.session.get(Package, package.id).active is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"product_id": "", "quantity": "1"}, "Kies een product uit de zoekresultaten."),
        ({"product_id": "{draft}", "quantity": "1"}, "Concept staat niet in de winkel en kan niet in een pakket."),
        ({"product_id": "{cheese}", "quantity": "twee"}, "Geef het aantal als een geheel getal, bv. 2."),
        ({"product_id": "{cheese}", "quantity": "100"}, "Het aantal van Kaas moet tussen 1 en 99 liggen."),
    ],
)
def test_adding_a_bad_component_changes_nothing_and_says_why(staff_client, db, data, message):
    cheese = make_product("Kaas")
    draft = make_product("Concept", status=ProductStatus.DRAFT)
    package = make_package(active=False)
    db.session.commit()
    data = {k: v.format(draft=draft.id, cheese=cheese.id) for k, v in data.items()}
    response = staff_client.post(f"/beheer/pakketten/{package.id}/producten", data=data, follow_redirects=True)
    assert message in _text(response)
    assert db.session.scalar(select(PackageComponent.id)) is None


def test_removing_a_component_and_deactivating(staff_client, db):
    cheese, beer = make_product("Kaas"), make_product("Bier")
    package = make_package([(cheese, 1), (beer, 1)], active=True)
    db.session.commit()
    response = staff_client.post(f"/beheer/pakketten/{package.id}/producten/{cheese.id}/verwijderen",
                                 follow_redirects=True)
    assert "Product uit het pakket gehaald." in _text(response)
    response = staff_client.post(f"/beheer/pakketten/{package.id}/deactiveren", follow_redirects=True)
    assert "Het pakket is uit de winkel gehaald." in _text(response)
    db.session.expire_all()
    package = db.session.get(Package, package.id)
    assert [c.product.name for c in package.components] == ["Bier"]
    assert package.active is False
    assert "Bier" not in _text(staff_client.get("/pakketten"))


# --- the picker -----------------------------------------------------------------------------------------------


def test_the_picker_json_lists_only_published_products(staff_client, db):
    make_product("Hoevekaas jong")
    make_product("Hoevekaas concept", status=ProductStatus.DRAFT)
    make_product("Hoevekaas gearchiveerd", status=ProductStatus.ARCHIVED)
    make_product("Hoevekaas stop", producer=make_producer(active=False))
    db.session.commit()
    payload = staff_client.get("/beheer/pakketten/producten?q=hoevekaas").get_json()
    assert [r["name"] for r in payload["results"]] == ["Hoevekaas jong"]
    assert payload["count"] == 1 and payload["limit"] == 20
    assert staff_client.get("/beheer/pakketten/producten?q=").get_json()["results"] == []


def test_the_picker_json_is_limited_and_runs_a_fixed_number_of_queries(staff_client, db):
    def search() -> tuple[int, int]:
        with count_queries(db) as statements:
            response = staff_client.get("/beheer/pakketten/producten?q=kaas")
        return len(response.get_json()["results"]), len(statements)

    make_product("Kaas 1")
    db.session.commit()
    one, queries_for_one = search()
    for n in range(30):
        make_product(f"Kaas {n + 2}", producer=make_producer())
    db.session.commit()
    many, queries_for_many = search()
    assert (one, many) == (1, 20)
    assert queries_for_many == queries_for_one


def test_the_picker_works_without_javascript(staff_client, db):
    cheese = make_product("Hoevekaas")
    beer = make_product("Tripel hoevebier")
    package = make_package([(beer, 1)], active=False)
    db.session.commit()
    page = _text(staff_client.get(f"/beheer/pakketten/{package.id}?zoek=hoeve"))
    assert "2 producten gevonden" in page
    add_forms = re.findall(r'name="product_id" value="(\d+)"', page)
    assert add_forms == [str(cheese.id)]  # the beer is already in the package
    assert "Zit al in het pakket" in page


# --- photo ----------------------------------------------------------------------------------------------------


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 750), (120, 60, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_uploading_a_photo(staff_client, db):
    package = make_package(active=False)
    db.session.commit()
    response = staff_client.post(f"/beheer/pakketten/{package.id}/foto",
                                 data={"photo": (io.BytesIO(_jpeg()), "kerst.jpg")},
                                 content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.expire_all()
    path = db.session.get(Package, package.id).image_path
    assert path.startswith("packages/") and path.endswith("-800.webp")
    assert staff_client.get(f"/media/{path}").status_code == 200


def test_a_bad_photo_is_refused_with_the_pipelines_message(staff_client, db):
    package = make_package(active=False, image_path=None)
    db.session.commit()
    response = staff_client.post(f"/beheer/pakketten/{package.id}/foto",
                                 data={"photo": (io.BytesIO(b"GIF89a nonsense"), "kerst.gif")},
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    page = _text(response)
    assert "Dit bestand is geen foto die we kunnen lezen." in page
    assert "<title>Fout:" in page
    db.session.expire_all()
    assert db.session.get(Package, package.id).image_path is None


def test_unknown_package_is_404(staff_client, db):
    assert staff_client.get("/beheer/pakketten/999999").status_code == 404
    assert staff_client.post("/beheer/pakketten/999999/activeren").status_code == 404
