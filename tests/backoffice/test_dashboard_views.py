"""The dashboard page (/beheer/) through the test client: who may see it, what it shows, how many queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest

from shop.catalog.models import ProductStatus
from shop.core.clock import SHOP_TIMEZONE, shop_today
from shop.supply.models import ShortageReport
from tests.factories import log_in_as, make_package, make_paid_order, make_product, make_staff, make_user
from tests.helpers import count_queries


def _staff(client, db, role="staff"):
    user = make_staff(role=role)
    db.session.commit()
    log_in_as(client, user)
    return user


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/beheer/")

    assert response.status_code == 302
    assert "/beheer" not in response.headers["Location"].split("?")[0]


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_customers_and_producers_get_403(client, db, role):
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)

    assert client.get("/beheer/").status_code == 403


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_see_the_dashboard(client, db, role):
    _staff(client, db, role)

    response = client.get("/beheer/")

    assert response.status_code == 200
    assert "<title>Overzicht · Beheer" in response.get_data(as_text=True)


def _today_noon_utc():
    return datetime.combine(shop_today(), time(12), tzinfo=SHOP_TIMEZONE).astimezone(UTC)


def test_dashboard_shows_statuses_todays_orders_stock_queues_and_attention(app, client, db):
    cheese = make_product("Hoevekaas", price_cents=1250, stock=6)
    package = make_package([(cheese, 2)], name="Kaasduo")
    order = make_paid_order((cheese, 1), (package, 1))  # cheese: 6 - 3 = 3 left; the package: once more
    order.shipment.scheduled_date = shop_today()
    order.paid_at = _today_noon_utc()
    order.needs_attention, order.attention_note = True, "Betaling na annulering"
    make_product("Nieuwe kaas", status=ProductStatus.PENDING_REVIEW)
    db.session.add(ShortageReport(order_line_id=order.lines[0].id, product_id=cheese.id,
                                  producer_id=cheese.producer_id, quantity=1))
    _staff(client, db)

    html = client.get("/beheer/").get_data(as_text=True)

    assert order.number in html and "Betaling na annulering" in html
    assert re.search(r"Producten te keuren</dt>\s*<dd><a [^>]*>1<", html)
    assert re.search(r"Open tekorten</dt>\s*<dd><a [^>]*>1<", html)
    assert re.search(r">Hoevekaas</a></td>", html)
    assert re.search(r"Kaasduo</a></td>\s*<td class=\"num\">1</td>", html)
    assert 'href="/beheer/bestellingen?status=paid"' in html
    assert f"dag={shop_today().isoformat()}" in html
    assert f'href="/beheer/bestellingen/{order.id}"' in html


def test_dashboard_draws_the_sales_of_30_days_as_an_accessible_svg_with_a_table(client, db):
    cheese = make_product("Hoevekaas", price_cents=1250, stock=20)
    make_paid_order((cheese, 2)).paid_at = _today_noon_utc()
    _staff(client, db)

    html = client.get("/beheer/").get_data(as_text=True)

    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="sales-chart-title sales-chart-desc"' in svg
    assert '<title id="sales-chart-title">' in svg and "<desc id=\"sales-chart-desc\">" in svg
    assert len(re.findall(r'<rect class="sales-chart__bar', svg)) == 30
    assert "style=" not in svg
    table = re.search(r"<details class=\"sales-chart__figures\">.*?</details>", html, re.S).group(0)
    assert len(re.findall(r"<tr><th scope=\"row\">", table)) == 31  # 30 days and the total
    assert "€\xa025,00" in table


def _more(db, n):
    today = shop_today()
    for i in range(n):
        product = make_product(f"Schaars {i}", stock=3)
        package = make_package([(product, 1)])
        order = make_paid_order((product, 1), (package, 1))
        order.shipment.scheduled_date = today
        order.paid_at = _today_noon_utc()
        order.needs_attention = True
        make_product(f"Nieuw {i}", status=ProductStatus.PENDING_REVIEW)
    db.session.commit()


def test_dashboard_page_uses_a_fixed_number_of_queries(app, client, db):
    _staff(client, db)
    _more(db, 1)
    with count_queries(db.engine) as few:
        assert client.get("/beheer/").status_code == 200
    _more(db, 6)
    with count_queries(db.engine) as many:
        assert client.get("/beheer/").status_code == 200

    assert len(many) == len(few)
