"""Back-office shortage pages through the test client: list, detail, substitute, refund, report while picking."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.orders.models import Refund
from shop.outbox.models import OutboxMessage
from shop.packages.models import PackageComponent
from shop.supply.models import ShortageReport, ShortageStatus
from shop.supply.shortage_resolution import report_shortage_by_staff, substitute
from tests.factories import (
    log_in_as,
    make_package,
    make_paid_order,
    make_producer,
    make_product,
    make_staff,
    make_user,
)


@pytest.fixture
def shop(db):
    linde = make_producer("Hoeve De Linde")
    cheese = make_product("Hoevekaas", producer=linde, price_cents=450, stock=50)
    jam = make_product("Aardbeienconfituur", price_cents=600, stock=50)
    dairy = make_producer("Zuivel Van Hecke")
    gouda = make_product("Oude gouda", producer=dairy, price_cents=500, stock=10)
    butter = make_product("Hoeveboter", producer=dairy, price_cents=300, stock=10)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3501, name="Kerstpakket")
    db.session.scalars(select(PackageComponent).where(PackageComponent.product_id == cheese.id)).one() \
        .substitute_product_id = butter.id
    order = make_paid_order((cheese, 3), (package, 2))
    staff = make_staff("piet@groot-vleeshuis.be")
    report = report_shortage_by_staff(order.lines[1], cheese, 1, "pot gebroken", by=staff)
    db.session.commit()
    return dict(cheese=cheese, jam=jam, gouda=gouda, butter=butter, order=order, staff=staff, report=report)


def _as_staff(client, shop):
    log_in_as(client, shop["staff"])


# --- list ------------------------------------------------------------------------------------------------------


def test_list_shows_open_reports(client, shop):
    _as_staff(client, shop)

    response = client.get("/beheer/tekorten")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Tekorten" in page
    assert shop["order"].number in page and "Hoevekaas" in page and "Hoeve De Linde" in page
    assert "piet@groot-vleeshuis.be" in page
    assert f'href="/beheer/tekorten/{shop["report"].id}"' in page
    assert "Er zijn geen open tekorten." not in page


def test_list_shows_resolved_reports_below(client, shop, db):
    substitute(shop["report"], shop["gouda"], by=shop["staff"])
    db.session.commit()
    _as_staff(client, shop)

    page = client.get("/beheer/tekorten").get_data(as_text=True)

    assert "Er zijn geen open tekorten." in page
    resolved = page.split('id="resolved-title"')[1]
    assert "Oude gouda" not in page  # the list names the missing product
    assert ">vervangen<" in resolved and "Hoevekaas" in resolved


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_customers_and_producers_are_refused(client, shop, db, role):
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)
    report_id = shop["report"].id
    assert client.get("/beheer/tekorten").status_code == 403
    assert client.get(f"/beheer/tekorten/{report_id}").status_code == 403
    assert client.post(f"/beheer/tekorten/{report_id}/terugbetalen", data={"confirm": "y"}).status_code == 403
    assert client.post(f"/beheer/tekorten/{report_id}/vervangen",
                       data={"product_id": shop["gouda"].id}).status_code == 403
    assert db.session.get(ShortageReport, report_id).status == ShortageStatus.OPEN


def test_anonymous_visitors_are_sent_to_log_in(client, shop):
    response = client.get("/beheer/tekorten")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_admins_may_handle_shortages(client, shop, db):
    admin = make_staff(role="admin")
    db.session.commit()
    log_in_as(client, admin)
    assert client.get("/beheer/tekorten").status_code == 200
    assert client.get(f"/beheer/tekorten/{shop['report'].id}").status_code == 200


# --- detail ----------------------------------------------------------------------------------------------------


def test_detail_shows_the_named_substitute_first_and_the_refund_amount(client, shop):
    _as_staff(client, shop)

    response = client.get(f"/beheer/tekorten/{shop['report'].id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    named = page.index("Vervangproduct van dit pakket")
    assert named < page.index("Hoeveboter") < page.index("Oude gouda")
    assert "substitute-option--named" in page
    assert "Betaal €\xa010,51 terug" in page  # share 2101 for 2 cheeses: 1050,5 -> 1051


def test_detail_search_finds_products_of_equal_or_higher_value(client, shop):
    make_product("Goedkope kaas", price_cents=200, stock=10)
    make_product("Dure kaas", price_cents=900, stock=10)
    _as_staff(client, shop)

    page = client.get(f"/beheer/tekorten/{shop['report'].id}?q=kaas").get_data(as_text=True)

    assert "Dure kaas" in page
    assert "Goedkope kaas" not in page
    assert 'value="kaas"' in page


def test_unknown_report_is_404(client, shop):
    _as_staff(client, shop)
    assert client.get("/beheer/tekorten/999999").status_code == 404


# --- substitute ------------------------------------------------------------------------------------------------


def test_substitute_redirects_and_says_so(client, shop, db):
    _as_staff(client, shop)
    report_id = shop["report"].id

    response = client.post(f"/beheer/tekorten/{report_id}/vervangen",
                           data={"product_id": shop["gouda"].id, "note": "klant akkoord"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/beheer/tekorten/{report_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 × Hoevekaas vervangen door Oude gouda. De klant krijgt een e-mail." in page
    db.session.expire_all()
    report = db.session.get(ShortageReport, report_id)
    assert (report.status, report.substitute_name, report.value_cents, report.resolution_note) == (
        ShortageStatus.SUBSTITUTED, "Oude gouda", 1051, "klant akkoord")
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "order_shortage_substituted")) == 1


def test_substitute_without_a_choice_shows_an_error(client, shop, db):
    _as_staff(client, shop)

    response = client.post(f"/beheer/tekorten/{shop['report'].id}/vervangen", data={"product_id": ""})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Fout: " in page and "Kies een vervangproduct." in page


def test_a_cheaper_product_is_refused_with_the_reason(client, shop, db):
    cheap = make_product("Goedkope kaas", price_cents=200, stock=10)
    db.session.commit()
    _as_staff(client, shop)

    response = client.post(f"/beheer/tekorten/{shop['report'].id}/vervangen", data={"product_id": cheap.id})

    assert response.status_code == 422
    assert "Goedkope kaas is goedkoper" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ShortageReport, shop["report"].id).status == ShortageStatus.OPEN


def test_a_second_resolution_gets_a_clear_message(client, shop, db):
    _as_staff(client, shop)
    report_id = shop["report"].id
    assert client.post(f"/beheer/tekorten/{report_id}/vervangen", data={"product_id": shop["gouda"].id}).status_code == 303

    response = client.post(f"/beheer/tekorten/{report_id}/terugbetalen", data={"confirm": "y"})

    assert response.status_code == 409
    assert "Dit tekort is al afgehandeld; er is niets gewijzigd." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Refund.id))) == 0


# --- refund ----------------------------------------------------------------------------------------------------


def test_refund_needs_confirmation(client, shop, db):
    _as_staff(client, shop)

    response = client.post(f"/beheer/tekorten/{shop['report'].id}/terugbetalen", data={})

    assert response.status_code == 422
    assert "Vink aan dat je het bedrag wilt terugbetalen." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_refund_pays_back_the_missing_part_once(client, shop, db):
    _as_staff(client, shop)
    report_id = shop["report"].id

    response = client.post(f"/beheer/tekorten/{report_id}/terugbetalen", data={"confirm": "y"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    replay = client.post(f"/beheer/tekorten/{report_id}/terugbetalen", data={"confirm": "y"})

    assert response.status_code == 303
    assert "€\xa010,51 terugbetaald voor 1 × Hoevekaas. De klant krijgt een e-mail." in page
    assert replay.status_code == 409
    db.session.expire_all()
    assert db.session.scalars(select(Refund.amount_cents)).all() == [1051]
    assert db.session.get(ShortageReport, report_id).status == ShortageStatus.REFUNDED


# --- report while picking ----------------------------------------------------------------------------------------


def test_new_without_an_order_asks_for_its_number(client, shop):
    _as_staff(client, shop)
    response = client.get("/beheer/tekorten/nieuw")
    assert response.status_code == 200
    assert 'name="nummer"' in response.get_data(as_text=True)


def test_new_finds_the_order_by_number(client, shop):
    _as_staff(client, shop)
    response = client.get(f"/beheer/tekorten/nieuw?nummer={shop['order'].number.lower()}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/beheer/tekorten/nieuw?order={shop['order'].id}")
    assert client.get("/beheer/tekorten/nieuw?nummer=LOV-1999-000001").status_code == 404


def test_new_lists_loose_products_and_package_components(client, shop):
    _as_staff(client, shop)
    order = shop["order"]

    page = client.get(f"/beheer/tekorten/nieuw?order={order.id}").get_data(as_text=True)

    assert f'value="{order.lines[0].id}-{shop["cheese"].id}"' in page
    assert f'value="{order.lines[1].id}-{shop["jam"].id}"' in page
    assert "Aardbeienconfituur (in Kerstpakket, hoogstens 2)" in page


def test_staff_report_a_shortage_found_while_picking(client, shop, db):
    _as_staff(client, shop)
    order = shop["order"]

    response = client.post(f"/beheer/tekorten/nieuw?order={order.id}", data={
        "item": f"{order.lines[1].id}-{shop['jam'].id}", "quantity": "2", "note": "gebroken"})

    assert response.status_code == 303
    report = db.session.scalars(select(ShortageReport).where(ShortageReport.product_id == shop["jam"].id)).one()
    assert response.headers["Location"].endswith(f"/beheer/tekorten/{report.id}")
    assert (report.quantity, report.note, report.reported_by_user_id) == (2, "gebroken", shop["staff"].id)


@pytest.mark.parametrize(("quantity", "message"), [
    ("", "Geef het aantal dat ontbreekt."),
    ("twee", "Geef een geheel getal."),
    ("0", "Geef een aantal van minstens 1."),
    ("3", "Geef een aantal van 1 tot 2."),
])
def test_staff_report_with_bad_quantity_changes_nothing(client, shop, db, quantity, message):
    _as_staff(client, shop)
    order = shop["order"]

    response = client.post(f"/beheer/tekorten/nieuw?order={order.id}", data={
        "item": f"{order.lines[1].id}-{shop['jam'].id}", "quantity": quantity})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ShortageReport.id))) == 1


def test_new_for_an_unknown_order_is_404(client, shop):
    _as_staff(client, shop)
    assert client.get("/beheer/tekorten/nieuw?order=999999").status_code == 404
