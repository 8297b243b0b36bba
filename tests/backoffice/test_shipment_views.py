"""An order with many shipments in the back office (its shipments table, a ship form per row, the state filter,
pages), its pick list per delivery day, all its gift cards and packing slips in one PDF; and the customer's page
listing every shipment's state."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop.fulfilment.documents import build_pick_list
from shop.orders.models import OrderStatus, ShipmentState
from shop.orders.queries import list_orders_for_day
from shop.orders.shipments import ship_shipment
from shop.outbox.models import OutboxMessage
from shop.scheduling.days import delivery_days
from tests.factories import log_in_as, make_gift_order, make_staff
from tests.helpers import pdf_page_count

S = OrderStatus


@pytest.fixture
def staff(db, client):
    user = make_staff("els@grootvleeshuis.be")
    db.session.commit()
    log_in_as(client, user)
    return user


@pytest.fixture
def days():
    return delivery_days()[:2]


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="pakket-\d+">.*?</tr>', html, re.S)


def test_the_order_page_shows_every_shipment_with_a_ship_form(db, client, staff):
    order = make_gift_order([("An Peeters", None), ("Bo Claes", None), ("Cas Wouters", None)])
    ship_shipment(order.shipments[0], "BPOST-1", by=staff)
    db.session.commit()

    html = client.get(f"/beheer/bestellingen/{order.id}").get_data(as_text=True)
    rows = _rows(html)

    assert "3 pakketten" in html
    assert len(rows) == 3
    assert "An Peeters" in rows[0] and "Veldstraat 1" in rows[0] and "1 × Pralines" in rows[0]
    assert "Verzonden" in rows[0] and "BPOST-1" in rows[0] and "/verzonden" not in rows[0] and "/geleverd" in rows[0]
    assert "Bo Claes" in rows[1] and "Wordt klaargemaakt" in rows[1] and f"/pakketten/{order.shipments[1].id}/verzonden" in rows[1]
    assert "Alle wenskaarten (PDF, een per pagina)" in html and "Alle pakbonnen (PDF, een per pagina)" in html
    assert "Markeer als verzonden" not in html  # not the order as a whole


def test_shipping_from_the_order_page_then_the_last_ships_the_order(db, client, staff):
    order = make_gift_order(2)
    db.session.commit()
    first, second = order.shipments

    response = client.post(f"/beheer/bestellingen/{order.id}/pakketten/{first.id}/verzonden",
                           data={"tracking_reference": "BPOST-1"})
    middle = db.session.get(type(order), order.id).status
    last = client.post(f"/beheer/bestellingen/{order.id}/pakketten/{second.id}/verzonden",
                       data={"tracking_reference": "BPOST-2", "stand": "to_prepare", "pagina": "1"}, follow_redirects=True)

    assert response.status_code == 303
    assert response.headers["Location"] == f"/beheer/bestellingen/{order.id}#pakket-{first.id}"
    assert middle == S.IN_PREPARATION
    assert "Alle pakketten zijn verzonden: bestelling" in last.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == S.SHIPPED


def test_a_double_submit_ships_once_and_says_so(db, client, staff):
    order = make_gift_order(2)
    db.session.commit()
    shipment = order.shipments[0]
    url = f"/beheer/bestellingen/{order.id}/pakketten/{shipment.id}/verzonden"

    client.post(url, data={"tracking_reference": "BPOST-1"})
    again = client.post(url, data={"tracking_reference": "BPOST-1"}, follow_redirects=True)

    assert "was al verzonden (zendingsnummer BPOST-1); er is niets opnieuw verzonden of gemaild" in again.get_data(as_text=True)
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "shipment_shipped")).all()
    assert len(mails) == 1


def test_shipping_without_a_tracking_reference_shows_the_error_at_its_row(db, client, staff):
    order = make_gift_order(2)
    db.session.commit()
    shipment = order.shipments[1]

    response = client.post(f"/beheer/bestellingen/{order.id}/pakketten/{shipment.id}/verzonden",
                           data={"tracking_reference": "  "})

    row = _rows(response.get_data(as_text=True))[1]
    assert response.status_code == 422
    assert "Geef het zendingsnummer op." in row and 'aria-invalid="true"' in row
    db.session.expire_all()
    assert db.session.get(type(shipment), shipment.id).state == ShipmentState.TO_PREPARE


def test_shipments_are_filtered_by_state_and_shown_fifty_a_page(db, client, staff):
    order = make_gift_order(53)
    for shipment in order.shipments[:2]:
        ship_shipment(shipment, f"BPOST-{shipment.id}", by=staff)
    db.session.commit()

    first_page = client.get(f"/beheer/bestellingen/{order.id}").get_data(as_text=True)
    second_page = client.get(f"/beheer/bestellingen/{order.id}?pagina=2").get_data(as_text=True)
    shipped = client.get(f"/beheer/bestellingen/{order.id}?stand=shipped").get_data(as_text=True)

    assert (len(_rows(first_page)), len(_rows(second_page))) == (50, 3)
    assert "pagina 1 van 2" in first_page and "Ontvanger 53" in second_page
    assert [re.search(r"<th scope=\"row\">(.*?)</th>", row).group(1) for row in _rows(shipped)] == [
        "Ontvanger 1", "Ontvanger 2"]
    assert "Verzonden (2)" in first_page and "Wordt klaargemaakt (51)" in first_page


def test_the_pick_list_of_a_day_counts_only_that_days_shipments(db, client, staff, days):
    day1, day2 = days
    make_gift_order([("An", day1), ("Bo", day1), ("Cas", day2)])
    db.session.commit()

    totals = {day: [(p.name, p.total) for producer in build_pick_list(list_orders_for_day(day), day=day).producers
                    for p in producer.products] for day in days}
    html = client.get(f"/beheer/picklijst?dag={day2.isoformat()}").get_data(as_text=True)

    assert totals == {day1: [("Pralines", 2)], day2: [("Pralines", 1)]}
    assert re.search(r'<td class="num pick-total">1</td>\s*<td>Pralines</td>', html)


def test_a_shipped_parcel_is_no_longer_on_the_pick_list(db, staff, days):
    day1, _ = days
    order = make_gift_order([("An", day1), ("Bo", day1)])
    ship_shipment(order.shipments[0], "BPOST-1", by=staff)

    pick = build_pick_list(list_orders_for_day(day1), day=day1)

    assert [(p.name, p.total) for p in pick.producers[0].products] == [("Pralines", 1)]


def test_all_gift_cards_and_all_packing_slips_of_an_order_one_per_page(db, client, staff):
    order = make_gift_order(5)
    db.session.commit()

    cards = client.get(f"/beheer/bestellingen/{order.id}/wenskaarten/pdf")
    slips = client.get(f"/beheer/bestellingen/{order.id}/pakbonnen/pdf")

    assert (cards.status_code, slips.status_code) == (200, 200)
    assert cards.headers["Content-Type"] == "application/pdf"
    assert (pdf_page_count(cards.data), pdf_page_count(slips.data)) == (5, 5)
    assert f'filename="wenskaarten-{order.number}-5.pdf"' in cards.headers["Content-Disposition"]
    assert f'filename="pakbonnen-{order.number}.pdf"' in slips.headers["Content-Disposition"]


def test_the_cards_of_one_delivery_day(db, client, staff, days):
    day1, day2 = days
    order = make_gift_order([("An", day1), ("Bo", day2), ("Cas", day2)])
    db.session.commit()

    cards = client.get(f"/beheer/bestellingen/{order.id}/wenskaarten/pdf?dag={day2.isoformat()}")

    assert pdf_page_count(cards.data) == 2


def test_the_customers_page_lists_every_shipments_state_and_tracking(db, client, staff):
    order = make_gift_order([("An Peeters", None), ("Bo Claes", None), ("Cas Wouters", None)])
    ship_shipment(order.shipments[1], "BPOST-22", by=staff)
    db.session.commit()

    html = client.get(f"/bestelling/{order.status_token}").get_data(as_text=True)
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", html.split('class="order-shipments"')[1], re.S)[:3]

    assert "1 van 3 pakketten zijn verzonden." in html
    assert ["An Peeters" in rows[0], "Bo Claes" in rows[1], "Cas Wouters" in rows[2]] == [True, True, True]
    assert "Wordt klaargemaakt" in rows[0] and "Verzonden" in rows[1] and "BPOST-22" in rows[1]
    assert "Wordt klaargemaakt" in rows[2]


def test_the_pdfs_of_an_order_with_one_shipment_have_one_page(db, client, staff):
    order = make_gift_order(1)
    db.session.commit()

    cards = client.get(f"/beheer/bestellingen/{order.id}/wenskaart/pdf")

    assert pdf_page_count(cards.data) == 1


def test_shipments_are_filtered_by_delivery_day_and_the_form_returns_to_it(db, client, staff, days):
    day1, day2 = days
    order = make_gift_order([("An", day1), ("Bo", day2), ("Cas", day2)])
    db.session.commit()

    html = client.get(f"/beheer/bestellingen/{order.id}?dag={day2.isoformat()}").get_data(as_text=True)
    response = client.post(f"/beheer/bestellingen/{order.id}/pakketten/{order.shipments[1].id}/verzonden",
                           data={"tracking_reference": "BPOST-2", "dag": day2.isoformat(), "stand": "to_prepare"})

    assert [re.search(r"<th scope=\"row\">(.*?)</th>", row).group(1) for row in _rows(html)] == ["Bo", "Cas"]
    assert f"/beheer/bestellingen/{order.id}/wenskaarten/pdf?dag={day2.isoformat()}" in html
    assert response.headers["Location"] == (f"/beheer/bestellingen/{order.id}?stand=to_prepare&dag={day2.isoformat()}"
                                            f"#pakket-{order.shipments[1].id}")
