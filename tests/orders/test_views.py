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


# --- an order with many shipments ---------------------------------------------------------------------------------


def _shipment_rows(html: str) -> list[str]:
    """The recipients in the shipments table, in order."""
    import re

    table = html[html.index('id="pakketten"'):]
    table = table[:table.index("</section>")]
    return re.findall(r'<tr><th scope="row">([^<]*)</th>', table)


def _ship(order, numbers, *, deliver=()):
    from shop.orders.shipments import deliver_shipment, ship_shipment
    from tests.factories import make_staff

    staff = make_staff()
    for number in numbers:
        ship_shipment(order.shipments[number - 1], f"BPOST-{number}", by=staff)
    for number in deliver:
        deliver_shipment(order.shipments[number - 1], by=staff)


def test_a_gift_order_lists_its_shipments_50_a_page_under_the_count_in_each_state(client, db):
    from tests.factories import make_gift_order

    order = make_gift_order(120)
    _ship(order, [2, 3, 77], deliver=[3])
    db.session.commit()

    html = _text(client.get(f"/bestelling/{order.status_token}"))

    assert "Levering aan 120 ontvangers" in html
    assert "3 van 120 pakketten zijn verzonden." in html
    assert '<strong aria-current="true">Alle (120)</strong>' in html
    assert f'<a href="/bestelling/{order.status_token}?stand=to_prepare#pakketten">Wordt klaargemaakt (117)</a>' in html
    assert f'<a href="/bestelling/{order.status_token}?stand=shipped#pakketten">Verzonden (2)</a>' in html
    assert f'<a href="/bestelling/{order.status_token}?stand=delivered#pakketten">Geleverd (1)</a>' in html
    assert _shipment_rows(html) == [f"Ontvanger {n}" for n in range(1, 51)]
    assert '<caption class="visually-hidden">Alle pakketten, pagina 1 van 3</caption>' in html
    assert "pagina 1 van 3" in html
    assert f'<a rel="next" href="/bestelling/{order.status_token}?pagina=2#pakketten">Volgende</a>' in html
    assert 'rel="prev"' not in html

    last = _text(client.get(f"/bestelling/{order.status_token}?pagina=3"))
    assert _shipment_rows(last) == [f"Ontvanger {n}" for n in range(101, 121)]
    assert f'<a rel="prev" href="/bestelling/{order.status_token}?pagina=2#pakketten">Vorige</a>' in last
    assert 'rel="next"' not in last
    # A page past the last shows the last one.
    assert _shipment_rows(_text(client.get(f"/bestelling/{order.status_token}?pagina=99"))) == _shipment_rows(last)


def test_a_gift_order_s_shipments_filtered_by_state(client, db):
    from tests.factories import make_gift_order

    order = make_gift_order(60)
    _ship(order, [2, 3, 59], deliver=[3])
    db.session.commit()

    shipped = _text(client.get(f"/bestelling/{order.status_token}?stand=shipped"))
    delivered = _text(client.get(f"/bestelling/{order.status_token}?stand=delivered"))
    unknown = _text(client.get(f"/bestelling/{order.status_token}?stand=kwijt"))

    assert _shipment_rows(shipped) == ["Ontvanger 2", "Ontvanger 59"]
    assert '<strong aria-current="true">Verzonden (2)</strong>' in shipped
    assert "BPOST-59" in shipped and "BPOST-3" not in shipped
    assert '<caption class="visually-hidden">Pakketten in de stand verzonden, pagina 1 van 1</caption>' in shipped
    assert 'class="pagination"' not in shipped
    assert _shipment_rows(delivered) == ["Ontvanger 3"]
    assert '<strong aria-current="true">Alle (60)</strong>' in unknown and len(_shipment_rows(unknown)) == 50


def test_a_state_without_shipments_says_so(client, db):
    from tests.factories import make_gift_order

    order = make_gift_order(2)
    db.session.commit()

    html = _text(client.get(f"/bestelling/{order.status_token}?stand=delivered"))

    assert _shipment_rows(html) == []
    assert "Geen pakketten in deze stand." in html


def test_the_order_page_reads_a_fixed_number_of_queries_whatever_the_number_of_shipments(app, client, db):
    from tests.factories import make_gift_order
    from tests.helpers import count_queries

    def statements_for(order) -> int:
        with count_queries(db.engine) as statements:
            assert client.get(f"/bestelling/{order.status_token}").status_code == 200
        return len(statements)

    small = make_gift_order(3)
    _ship(small, [1])
    db.session.commit()
    few = statements_for(small)
    big = make_gift_order(130)
    _ship(big, [1, 2, 100])
    db.session.commit()

    assert statements_for(big) == few


def test_a_gift_order_s_articles_are_summed_and_each_shipment_names_its_content(client, db):
    from tests.factories import make_gift_order

    order = make_gift_order(120)
    db.session.commit()

    html = _text(client.get(f"/bestelling/{order.status_token}"))

    items = html[html.index('id="items-title"'):html.index("</tbody>", html.index('id="items-title"'))]
    assert items.count('<tr><th scope="row">') == 1
    assert "Pralines" in items
    assert '<td class="num">120</td><td class="num">€ 15,00</td><td class="num">€ 1.800,00</td>' in items
    table = html[html.index('id="pakketten"'):]
    assert table.count("<td>1 × Pralines</td>") == 50
