"""CSV export and import in the portal: checked whole, previewed, applied all or nothing on confirmation."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product, ProductStatus
from shop.inventory.models import MovementReason, StockMovement
from tests.factories import log_in_as, make_producer, make_product, make_user


@pytest.fixture
def farm(db, client):
    producer = make_producer("Hoeve Oost")
    products = {
        "kaas": make_product("Hoevekaas", producer=producer, stock=10, price_cents=450),
        "boter": make_product("Boter", producer=producer, stock=3, price_cents=300, status=ProductStatus.HIDDEN),
        "ander": make_product("Van een ander", stock=4, price_cents=999),
    }
    user = make_user(role="producer", producer=producer)
    db.session.commit()
    log_in_as(client, user)
    return {name: product.id for name, product in products.items()}


def _state(db):
    db.session.expire_all()
    rows = db.session.execute(select(Product.id, Product.stock, Product.price_cents, Product.status)).all()
    return {row.id: (row.stock, row.price_cents, row.status) for row in rows}, db.session.scalar(
        select(func.count()).select_from(StockMovement))


def _upload(client, data: bytes, filename="producten.csv"):
    return client.post("/portaal/csv", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_export_downloads_my_products_for_excel(client, farm):
    response = client.get("/portaal/csv/export")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="producten-')
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffid;naam;eenheid;prijs;voorraad;beschikbaar;status;categorie;btw\r\n")
    assert f"{farm['kaas']};Hoevekaas;250 g;4,50;10;ja;in de winkel;Kaas;6\r\n" in text
    assert f"{farm['boter']};Boter;250 g;3,00;3;nee;verborgen;Kaas;6\r\n" in text
    assert "Van een ander" not in text


def test_import_previews_then_applies_on_confirmation(client, db, farm):
    ids = farm
    data = (f"id;naam;prijs;voorraad;beschikbaar\r\n{ids['kaas']};Hoevekaas;4,95;12;ja\r\n"
            f"{ids['boter']};Boter;3,00;3;ja\r\n").encode("cp1252")
    before = _state(db)
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _state(db) == before  # a preview changes nothing
    assert "Controleer de wijzigingen uit producten.csv" in html
    assert "<td>voorraad</td><td>10</td><td><strong>12</strong></td>" in html
    assert "<td>beschikbaar</td><td>verborgen</td><td><strong>beschikbaar</strong></td>" in html
    changes = html.split('name="changes" type="hidden" value="')[1].split('"')[0].replace("&#34;", '"')
    assert json.loads(changes) == [[ids["kaas"], 12, 495, True, 10], [ids["boter"], 3, 300, True, 3]]

    confirmed = client.post("/portaal/csv/bevestigen", data={"changes": changes})
    assert confirmed.status_code == 303
    products, movements = _state(db)
    assert products[ids["kaas"]] == (12, 495, ProductStatus.PUBLISHED)
    assert products[ids["boter"]] == (3, 300, ProductStatus.PUBLISHED)
    assert movements == before[1] + 1
    reasons = db.session.scalars(select(StockMovement.reason).where(StockMovement.product_id == ids["kaas"])
                                 .order_by(StockMovement.id)).all()
    assert reasons == [MovementReason.INITIAL, MovementReason.CSV_IMPORT]
    assert "2 producten aangepast: Hoevekaas, Boter." in client.get("/portaal/csv").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    (lambda ids: f"id;prijs;voorraad\n{ids['kaas']};4,5x;10\n{ids['boter']};1;-1\n",
     ["Regel 2, kolom prijs: &#39;4,5x&#39; is geen bedrag.", "Regel 3, kolom voorraad: De voorraad kan niet negatief zijn."]),
    (lambda ids: f"id;voorraad\n{ids['ander']};1\n", ["Regel 2, kolom id: onbekend product ({ander})."]),
    (lambda ids: "produkt;voorraad\n1;1\n", ["Regel 1, kolom produkt: onbekende kolom."]),
])
def test_import_with_errors_changes_nothing_and_names_line_and_column(client, db, farm, data, message):
    before = _state(db)
    response = _upload(client, data(farm).encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _state(db) == before
    for text in message:
        assert text.replace("{ander}", str(farm["ander"])) in html
    assert "Verbeter de fouten in het bestand en laad het opnieuw op." in html


def test_a_png_is_refused(client, db, farm):
    response = _upload(client, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", filename="foto.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Er is niets aangepast: 1 fout in foto.csv" in html
    assert "Dit is geen CSV-bestand." in html


def test_too_big_upload_is_refused(client, db, farm):
    response = _upload(client, b"id;voorraad\n" + b"1;1\n" * 300_000)
    assert response.status_code == 422
    assert "Het bestand is te groot" in response.get_data(as_text=True)


def test_no_file_chosen(client, db, farm):
    response = client.post("/portaal/csv", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Kies een CSV-bestand om te importeren." in response.get_data(as_text=True)


def test_confirmation_checks_everything_again(client, db, farm):
    ids = farm
    before = _state(db)
    forged = json.dumps([[ids["kaas"], 1, None, None, 10], [ids["ander"], 0, None, None, 4]])
    response = client.post("/portaal/csv/bevestigen", data={"changes": forged}, follow_redirects=True)
    assert _state(db) == before
    assert f"Er is niets geïmporteerd: Onbekend product: {ids['ander']}." in response.get_data(as_text=True)


@pytest.mark.parametrize("changes", ["", "niet-json", "[[1, 2]]", '[["1", 2, 3, true, 4]]', '{"a": 1}'])
def test_broken_confirmation_changes_nothing(client, db, farm, changes):
    before = _state(db)
    response = client.post("/portaal/csv/bevestigen", data={"changes": changes}, follow_redirects=True)
    assert _state(db) == before
    assert "De import is verlopen of onvolledig." in response.get_data(as_text=True)


def test_a_sale_between_preview_and_confirmation_applies_nothing(client, db, farm):
    ids = farm
    response = _upload(client, f"id;voorraad;prijs\n{ids['kaas']};20;5,00\n".encode())
    changes = response.get_data(as_text=True).split('name="changes" type="hidden" value="')[1].split('"')[0]
    from shop.inventory.services import adjust_stock
    adjust_stock(ids["kaas"], -1, MovementReason.ORDER)
    db.session.commit()
    before = _state(db)
    result = client.post("/portaal/csv/bevestigen", data={"changes": changes.replace("&#34;", '"')},
                         follow_redirects=True)
    assert _state(db) == before
    assert "De voorraad van Hoevekaas is intussen gewijzigd (nu 9)" in result.get_data(as_text=True)
