"""Back-office stock pages through the test client: list with search and filters, history, correction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import adjust_stock
from tests.factories import log_in_as, make_producer, make_product, make_staff, make_user


@pytest.fixture
def staff(db):
    user = make_staff("piet@groot-vleeshuis.be")
    db.session.commit()
    return user


@pytest.fixture
def cheese(db):
    product = make_product("Hoevekaas", producer=make_producer("Hoeve De Linde"), stock=10)
    db.session.commit()
    return product


def _movement_count(db, product_id: int) -> int:
    return db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.product_id == product_id))


# --- list ------------------------------------------------------------------------------------------------------


def test_list_searches_by_producer_and_filters_low_stock(client, db, staff, cheese):
    make_product("Boerenboter", producer=cheese.producer, stock=3)
    make_product("Oude kaas", stock=0)
    db.session.commit()
    log_in_as(client, staff)

    by_producer = client.get("/beheer/voorraad?q=linde").get_data(as_text=True)
    low = client.get("/beheer/voorraad?voorraad=laag").get_data(as_text=True)
    out = client.get("/beheer/voorraad?voorraad=op").get_data(as_text=True)

    assert "Hoevekaas" in by_producer and "Boerenboter" in by_producer and "Oude kaas" not in by_producer
    assert "Boerenboter" in low and "Oude kaas" in low and "Hoevekaas" not in low
    assert "Oude kaas" in out and "Boerenboter" not in out
    assert f'href="/beheer/voorraad/{cheese.id}"' in by_producer


def test_list_ignores_an_unknown_filter_and_page(client, db, staff, cheese):
    log_in_as(client, staff)
    response = client.get("/beheer/voorraad?voorraad=alles&pagina=abc")
    assert response.status_code == 200
    assert "Hoevekaas" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_customers_and_producers_are_refused(client, db, cheese, role):
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)
    assert client.get("/beheer/voorraad").status_code == 403
    assert client.get(f"/beheer/voorraad/{cheese.id}").status_code == 403
    response = client.post(f"/beheer/voorraad/{cheese.id}", data={"new_stock": "0", "reason": "weg ermee"})
    assert response.status_code == 403
    db.session.expire_all()
    assert cheese.stock == 10


def test_anonymous_visitors_are_sent_to_log_in(client, cheese):
    response = client.get(f"/beheer/voorraad/{cheese.id}")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_admin_may_correct_stock(client, db, cheese):
    admin = make_staff(role="admin")
    db.session.commit()
    log_in_as(client, admin)
    response = client.post(f"/beheer/voorraad/{cheese.id}", data={"new_stock": "12", "reason": "levering geteld"})
    assert response.status_code == 303


# --- detail ----------------------------------------------------------------------------------------------------


def test_detail_shows_stock_movements_and_the_check(client, db, staff, cheese):
    adjust_stock(cheese.id, -2, MovementReason.CORRECTION, by=staff, note="2 potten gebroken")
    db.session.commit()
    log_in_as(client, staff)

    response = client.get(f"/beheer/voorraad/{cheese.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Voorraad van Hoevekaas" in page
    assert "Klopt: de voorraad is gelijk aan de som van de bewegingen." in page
    assert page.index("2 potten gebroken") < page.index("Beginvoorraad")  # newest first
    assert "piet@groot-vleeshuis.be" in page and "-2" in page and "+10" in page
    assert 'id="expected_stock" name="expected_stock" type="hidden" value="8"' in page


def test_unknown_product_is_404(client, staff):
    log_in_as(client, staff)
    assert client.get("/beheer/voorraad/999999").status_code == 404
    assert client.post("/beheer/voorraad/999999", data={"new_stock": "1", "reason": "telling"}).status_code == 404


# --- correction ------------------------------------------------------------------------------------------------


def test_correction_redirects_and_says_what_changed(client, db, staff, cheese):
    log_in_as(client, staff)

    response = client.post(f"/beheer/voorraad/{cheese.id}",
                           data={"new_stock": "7", "reason": "3 potten gebroken", "expected_stock": "10"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/beheer/voorraad/{cheese.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Voorraad van Hoevekaas aangepast van 10 naar 7." in page
    db.session.expire_all()
    movement = db.session.scalars(select(StockMovement).order_by(StockMovement.id.desc())).first()
    assert (cheese.stock, movement.delta, movement.reason, movement.note, movement.by_user_id) == (
        7, -3, MovementReason.CORRECTION, "3 potten gebroken", staff.id)


def test_correction_to_the_same_figure_says_nothing_changed(client, db, staff, cheese):
    log_in_as(client, staff)

    response = client.post(f"/beheer/voorraad/{cheese.id}", data={"new_stock": "10", "reason": "nageteld"})

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De voorraad van Hoevekaas was al 10; er is niets gewijzigd." in page
    assert _movement_count(db, cheese.id) == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"new_stock": "", "reason": "telling"}, "Vul de getelde voorraad in (0 als er niets is)."),
    ({"new_stock": "zeven", "reason": "telling"}, "Vul de voorraad in als een geheel getal, bijvoorbeeld 12."),
    ({"new_stock": "-1", "reason": "telling"}, "De voorraad moet tussen 0 en 99999 liggen."),
    ({"new_stock": "100000", "reason": "telling"}, "De voorraad moet tussen 0 en 99999 liggen."),
    ({"new_stock": "5", "reason": ""}, "Geef de reden van de correctie."),
    ({"new_stock": "5", "reason": "ok"}, "Geef een reden van 3 tot 300 tekens."),
    ({"new_stock": "5", "reason": "x" * 301}, "Geef een reden van 3 tot 300 tekens."),
])
def test_bad_corrections_show_an_error_and_change_nothing(client, db, staff, cheese, data, message):
    log_in_as(client, staff)

    response = client.post(f"/beheer/voorraad/{cheese.id}", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Fout: " in page and message in page
    db.session.expire_all()
    assert (cheese.stock, _movement_count(db, cheese.id)) == (10, 1)


def test_a_sale_since_the_page_was_read_is_not_overwritten(client, db, staff, cheese):
    log_in_as(client, staff)
    adjust_stock(cheese.id, -1, MovementReason.ORDER)
    db.session.commit()

    response = client.post(f"/beheer/voorraad/{cheese.id}",
                           data={"new_stock": "4", "reason": "telling", "expected_stock": "10"})

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "De voorraad is intussen gewijzigd" in page
    assert 'value="9"' in page  # confirming again compares with the figure shown now
    db.session.expire_all()
    assert cheese.stock == 9
