"""The guest's order-status page and the customer's order history."""

from __future__ import annotations

from sqlalchemy import delete

from shop.accounts.models import User
from shop.orders import lifecycle
from shop.orders.models import OrderStatus
from shop.scheduling.models import SlotBooking
from tests.factories import SAMPLE_DAY, SAMPLE_PLACED_AT, make_order, make_order_data, make_package, make_product


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ")


def test_pending_order_says_we_confirm_the_payment(client, db):
    order = make_order((make_product("Mokken", price_cents=650, stock=5), 2))
    db.session.commit()
    response = client.get(f"/bestelling/{order.status_token}")
    html = _text(response)
    assert response.status_code == 200
    assert order.number in html
    assert "Wacht op betaling" in html
    assert "We bevestigen je betaling…" in html
    assert f'href="/betalen/demo/{order.status_token}"' in html
    assert "Mokken" in html
    assert '<td class="num" id="order-total">€ 13,00</td>' in html
    assert "waarvan btw 6 %" in html


def test_paid_order_shows_its_progress_with_dates_and_pickup_place(client, db):
    order = make_order(data=make_order_data("pickup"))
    lifecycle.transition(order, OrderStatus.PAID, actor="stripe")
    lifecycle.transition(order, OrderStatus.IN_PREPARATION, actor="staff")
    db.session.commit()
    html = _text(client.get(f"/bestelling/{order.status_token}"))
    assert "Wordt klaargemaakt" in html
    assert "We bevestigen je betaling" not in html
    assert html.count('class="is-done"') == 3
    assert "Groentenmarkt 7" in html
    assert "We mailen je zodra ze klaarligt." in html


def _pickup_at(hour: str):
    data = make_order_data(pickup_date=SAMPLE_DAY, pickup_time=hour)
    order = make_order((make_product(stock=5), 1), data=data, now=SAMPLE_PLACED_AT)
    lifecycle.transition(order, OrderStatus.PAID, actor="stripe")
    return order


def test_status_page_names_the_chosen_pickup_hour(client, db):
    order = _pickup_at("15:00")
    db.session.commit()

    html = _text(client.get(f"/bestelling/{order.status_token}"))

    assert "Afhalen op dinsdag 22 december 2026 tussen 15:00 en 16:00 in het Groot Vleeshuis, Groentenmarkt 7" in html
    assert "Open 10:00–18:00 u." not in html


def test_status_page_of_an_order_without_a_pickup_hour_gives_the_day_and_opening_hours(client, db):
    order = _pickup_at("15:00")
    db.session.execute(delete(SlotBooking).where(SlotBooking.order_id == order.id))  # placed before pickup hours
    db.session.commit()

    html = _text(client.get(f"/bestelling/{order.status_token}"))

    assert "Vanaf dinsdag 22 december 2026 in het Groot Vleeshuis, Groentenmarkt 7" in html
    assert "Open 10:00–18:00 u. Breng je bestelnummer mee." in html
    assert "15:00" not in html


def test_cancelled_order(client, db):
    order = make_order()
    lifecycle.transition(order, OrderStatus.CANCELLED, actor="system")
    db.session.commit()
    html = _text(client.get(f"/bestelling/{order.status_token}"))
    assert "Geannuleerd" in html
    assert "Er is niets aangerekend." in html


def test_package_components_are_listed(client, db):
    package = make_package([(make_product("Kriek", stock=5), 2)], name="Bierpakket")
    order = make_order((package, 1))
    db.session.commit()
    html = _text(client.get(f"/bestelling/{order.status_token}"))
    assert "Bierpakket" in html and "2 × Kriek" in html


def test_unknown_token_is_404(client):
    assert client.get("/bestelling/onbekend").status_code == 404


def test_history_needs_a_login(client):
    assert client.get("/account/bestellingen").status_code in (302, 401)


def test_history_lists_the_customers_own_orders(client, db):
    user = User(email="klant@voorbeeld.be")
    db.session.add(user)
    db.session.flush()
    mine = make_order(by=user)
    other = make_order()
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    html = _text(client.get("/account/bestellingen"))
    assert mine.number in html
    assert other.number not in html
    assert "Wacht op betaling" in html
