"""The weekly loop in the portal: this week's stock, order lists, shortages, statements; scoped per producer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from shop.catalog.models import Product, ProductStatus
from shop.core.clock import SHOP_TIMEZONE, shop_today
from shop.inventory.models import MovementReason, StockMovement
from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.outbox.models import OutboxMessage
from shop.reporting.statements import last_month
from shop.supply.models import ProducerOrderList, ShortageReport
from shop.supply.producer_lists import send_weekly_order_lists
from tests.factories import date_payment, log_in_as, make_order, make_package, make_producer, make_product, make_user


@pytest.fixture
def farm(db):
    producer = make_producer("Hoeve De Linde")
    user = make_user("boer@delinde.be", role="producer", producer=producer, password=None)
    cheese = make_product("Hoevekaas", producer=producer, price_cents=450, stock=20)
    butter = make_product("Boerenboter", producer=producer, price_cents=300, stock=5, status=ProductStatus.HIDDEN)
    draft = make_product("Nieuwe yoghurt", producer=producer, stock=0, status=ProductStatus.DRAFT)
    other = make_producer("Hoeve Andere")
    other_user = make_user("boer@andere.be", role="producer", producer=other, password=None)
    jam = make_product("Aardbeienconfituur", producer=other, price_cents=600, stock=20)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3500)
    order = make_order((cheese, 3), (package, 1))
    order.shipments[0].scheduled_date = date(2026, 12, 1)
    transition(order, OrderStatus.PAID)
    order.paid_at = datetime(2026, 11, 24, 10, tzinfo=SHOP_TIMEZONE)  # fixed: before the cut-off used below
    db.session.commit()
    return dict(producer=producer, user=user, cheese=cheese, butter=butter, draft=draft, other=other,
                other_user=other_user, jam=jam, package=package, order=order)


def _stock(db, product) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def test_week_page_shows_my_products_and_what_open_orders_need(client, db, farm):
    log_in_as(client, farm["user"])

    page = client.get("/portaal/week").get_data(as_text=True)

    assert "Hoevekaas" in page and "Boerenboter" in page
    assert "Nieuwe yoghurt" not in page and "Aardbeienconfituur" not in page
    assert "Nodig voor open bestellingen: 5" in page
    assert f"/portaal/tekorten/nieuw/{farm['order'].lines[0].id}" in page
    assert 'inputmode="numeric"' in page


def test_confirm_applies_all_changes_and_names_them(client, db, farm):
    log_in_as(client, farm["user"])
    cheese, butter = farm["cheese"], farm["butter"]

    response = client.post("/portaal/week", data={f"stock_{cheese.id}": "12", f"available_{cheese.id}": "y",
                                                   f"stock_{butter.id}": "5", f"available_{butter.id}": "y"})

    assert response.status_code == 303
    db.session.expire_all()
    assert _stock(db, cheese) == 12
    assert db.session.get(Product, butter.id).status == ProductStatus.PUBLISHED
    movement = db.session.scalars(select(StockMovement).where(StockMovement.product_id == cheese.id)
                                  .order_by(StockMovement.id.desc())).first()
    assert (movement.delta, movement.reason, movement.note, movement.by_user_id) == (
        -3, MovementReason.PRODUCER_EDIT, "weekbevestiging", farm["user"].id)
    page = client.get("/portaal/week").get_data(as_text=True)
    assert "Hoevekaas: voorraad 15 → 12" in page
    assert "Boerenboter: nu te koop" in page


@pytest.mark.parametrize("value, message", [
    ("-1", "De voorraad van Hoevekaas moet tussen 0 en 100000 liggen."),
    ("veel", "Geef de voorraad van Hoevekaas als een geheel getal."),
    ("", "Geef de voorraad van Hoevekaas als een geheel getal."),
])
def test_bad_stock_changes_nothing(client, db, farm, value, message):
    log_in_as(client, farm["user"])
    cheese, butter = farm["cheese"], farm["butter"]

    response = client.post("/portaal/week", data={f"stock_{cheese.id}": value, f"available_{cheese.id}": "y",
                                                   f"stock_{butter.id}": "1"})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert (_stock(db, cheese), _stock(db, butter)) == (15, 5)


def test_all_or_nothing_when_a_product_cannot_be_made_available(client, db, farm):
    butter = farm["butter"]
    butter.ingredients = ""  # missing food information: cannot be published
    db.session.commit()
    log_in_as(client, farm["user"])
    cheese = farm["cheese"]

    response = client.post("/portaal/week", data={f"stock_{cheese.id}": "1", f"available_{cheese.id}": "y",
                                                   f"stock_{butter.id}": "5", f"available_{butter.id}": "y"})

    assert response.status_code == 422
    assert "verplichte voedselinformatie" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _stock(db, cheese) == 15


def test_resend_button_queues_the_list_again(client, db, farm):
    send_weekly_order_lists(datetime(2026, 11, 26, 12, 30, tzinfo=SHOP_TIMEZONE))
    db.session.commit()
    order_list = db.session.scalars(select(ProducerOrderList).where(
        ProducerOrderList.producer_id == farm["producer"].id)).one()
    log_in_as(client, farm["user"])

    assert "Stuur opnieuw" in client.get("/portaal/week").get_data(as_text=True)
    response = client.post(f"/portaal/leverlijsten/{order_list.id}/opnieuw")

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ProducerOrderList, order_list.id).times_sent == 2
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.to_address == "boer@delinde.be", OutboxMessage.kind == "producer_order_list")) == 2


def test_report_a_shortage_from_the_week_page(client, db, farm):
    log_in_as(client, farm["user"])
    line = farm["order"].lines[1]  # the package: 2 cheeses in it

    assert client.get(f"/portaal/tekorten/nieuw/{line.id}").status_code == 200
    bad = client.post(f"/portaal/tekorten/nieuw/{line.id}",
                      data={"product_id": farm["cheese"].id, "quantity": "3", "note": "hagel"})
    assert bad.status_code == 422
    assert "Geef een aantal van 1 tot 2." in bad.get_data(as_text=True)
    response = client.post(f"/portaal/tekorten/nieuw/{line.id}",
                           data={"product_id": farm["cheese"].id, "quantity": "2", "note": "hagel"})

    assert response.status_code == 303
    report = db.session.scalars(select(ShortageReport)).one()
    assert (report.order_line_id, report.product_id, report.quantity, report.note) == (
        line.id, farm["cheese"].id, 2, "hagel")
    page = client.get("/portaal/tekorten").get_data(as_text=True)
    assert farm["order"].number in page and "Open: het Groot Vleeshuis bekijkt het" in page


def test_statement_page_and_pdf(client, db, farm):
    date_payment(farm["order"], datetime(2026, 11, 10, tzinfo=UTC))
    db.session.commit()
    log_in_as(client, farm["user"])

    page = client.get("/portaal/afrekeningen?van=2026-11-01&tot=2026-11-30")
    pdf = client.get("/portaal/afrekeningen/pdf?van=2026-11-01&tot=2026-11-30")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # 3 loose at 4,50 + the cheese's share of the package (2 x 450 of 1500 list price: 2100).
    assert "€ 34,50" in text.replace("\xa0", " ")
    assert "eventuele commissie wordt apart verrekend" in text
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    assert pdf.data.startswith(b"%PDF-")


@pytest.mark.parametrize("query", ["?van=2026-13-01&tot=2026-11-30", "?van=2026-11-30&tot=2026-11-01", "?van=x"])
def test_bad_period_is_refused(client, db, farm, query):
    log_in_as(client, farm["user"])
    assert client.get(f"/portaal/afrekeningen{query}").status_code == 422
    assert client.get(f"/portaal/afrekeningen/pdf{query}").status_code == 422


def test_default_statement_is_last_month(client, db, farm):
    log_in_as(client, farm["user"])
    response = client.get("/portaal/afrekeningen")
    assert response.status_code == 200
    start, end = last_month(shop_today())
    assert f"/portaal/afrekeningen/pdf?van={start.isoformat()}&amp;tot={end.isoformat()}" in response.get_data(
        as_text=True)


def test_another_producers_ids_answer_404_and_change_nothing(client, db, farm):
    send_weekly_order_lists(datetime(2026, 11, 26, 12, 30, tzinfo=SHOP_TIMEZONE))
    db.session.commit()
    mine = db.session.scalars(select(ProducerOrderList).where(
        ProducerOrderList.producer_id == farm["producer"].id)).one()
    jam_only = make_order((farm["jam"], 1))
    transition(jam_only, OrderStatus.PAID)
    jam_only.paid_at = datetime(2026, 11, 24, 10, tzinfo=SHOP_TIMEZONE)
    db.session.commit()
    stranger = make_user("vreemde@hoeve.be", role="producer", producer=make_producer("Hoeve Vreemd"), password=None)
    db.session.commit()
    log_in_as(client, stranger)
    mails_before = db.session.scalar(select(func.count(OutboxMessage.id)))

    assert client.post(f"/portaal/leverlijsten/{mine.id}/opnieuw").status_code == 404
    for line in farm["order"].lines:
        assert client.get(f"/portaal/tekorten/nieuw/{line.id}").status_code == 404
        assert client.post(f"/portaal/tekorten/nieuw/{line.id}",
                           data={"product_id": farm["cheese"].id, "quantity": "1"}).status_code == 404
    # My own producer cannot report on a line that holds none of my products either.
    log_in_as(client, farm["user"])
    assert client.get(f"/portaal/tekorten/nieuw/{jam_only.lines[0].id}").status_code == 404
    # Posting another producer's product id in my own week form changes nothing.
    response = client.post("/portaal/week", data={
        f"stock_{farm['jam'].id}": "0", f"stock_{farm['cheese'].id}": "15", f"available_{farm['cheese'].id}": "y",
        f"stock_{farm['butter'].id}": "5"})
    assert response.status_code == 303

    db.session.expire_all()
    assert db.session.get(ProducerOrderList, mine.id).times_sent == 1
    assert db.session.scalar(select(func.count(ShortageReport.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails_before
    assert _stock(db, farm["jam"]) == 18


@pytest.mark.parametrize("url", ["/portaal/week", "/portaal/tekorten", "/portaal/afrekeningen",
                                 "/portaal/afrekeningen/pdf", "/portaal/bedrijf"])
def test_routes_send_anonymous_visitors_to_log_in(client, db, farm, url):
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("url", ["/portaal/week", "/portaal/tekorten", "/portaal/afrekeningen",
                                 "/portaal/afrekeningen/pdf", "/portaal/bedrijf"])
def test_routes_are_for_producers_only(client, db, farm, url):
    customer = make_user("klant@voorbeeld.be", password=None)
    db.session.commit()
    log_in_as(client, customer)
    response = client.get(url)
    assert response.status_code == 403, response.headers.get("Location")


def test_junk_stock_gets_one_message_and_is_shown_again(client, db, farm):
    log_in_as(client, farm["user"])
    cheese, butter = farm["cheese"], farm["butter"]

    response = client.post("/portaal/week", data={f"stock_{cheese.id}": "12,5", f"stock_{butter.id}": "5"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("Geef de voorraad van Hoevekaas als een geheel getal.") == 2  # summary and field
    assert "moet tussen 0 en" not in page
    assert 'value="12,5"' in page


def test_untouched_figure_keeps_a_sale_that_landed_meanwhile(client, db, farm):
    log_in_as(client, farm["user"])
    cheese, butter = farm["cheese"], farm["butter"]
    client.get("/portaal/week")  # the page shows 15 cheeses
    order = make_order((cheese, 2))  # a sale lands: 13 left
    db.session.commit()

    response = client.post("/portaal/week", data={
        f"stock_{cheese.id}": "15", f"seen_{cheese.id}": "15", f"available_{cheese.id}": "y",
        f"stock_{butter.id}": "5", f"seen_{butter.id}": "5"})

    assert response.status_code == 303
    db.session.expire_all()
    assert _stock(db, cheese) == 13
    assert order.number


def test_changed_figure_after_a_sale_is_refused_and_can_be_confirmed_again(client, db, farm):
    log_in_as(client, farm["user"])
    cheese, butter = farm["cheese"], farm["butter"]
    make_order((cheese, 2))
    db.session.commit()

    response = client.post("/portaal/week", data={
        f"stock_{cheese.id}": "30", f"seen_{cheese.id}": "15", f"available_{cheese.id}": "y",
        f"stock_{butter.id}": "9", f"seen_{butter.id}": "5"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "De voorraad van Hoevekaas is intussen gewijzigd door een verkoop (nu 13)." in page
    assert f'name="seen_{cheese.id}" type="hidden" value="13"' in page
    db.session.expire_all()
    assert (_stock(db, cheese), _stock(db, butter)) == (13, 5)


def test_a_product_put_on_sale_while_a_refused_confirmation_is_drawn_again_does_not_break_the_page(
        client, db, farm, monkeypatch):
    # The page is built for the products on sale when the request began; the refusal drew it again from the
    # products on sale by then, and one the shop approved in between had no field on the form: a server error.
    from shop.portal import week_views

    log_in_as(client, farm["user"])
    cheese, butter, draft = farm["cheese"], farm["butter"], farm["draft"]
    make_order((cheese, 2))  # a sale lands: the figure typed below over the 15 seen is refused
    db.session.commit()
    confirm = week_views.confirm_week

    def approved_meanwhile_then_confirm(*args, **kwargs):
        db.session.execute(update(Product).where(Product.id == draft.id).values(status=ProductStatus.PUBLISHED))
        db.session.commit()  # the shop's approval, in its own request
        return confirm(*args, **kwargs)

    monkeypatch.setattr(week_views, "confirm_week", approved_meanwhile_then_confirm)

    response = client.post("/portaal/week", data={
        f"stock_{cheese.id}": "30", f"seen_{cheese.id}": "15", f"available_{cheese.id}": "y",
        f"stock_{butter.id}": "9", f"seen_{butter.id}": "5"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "De voorraad van Hoevekaas is intussen gewijzigd door een verkoop (nu 13)." in page
    assert f'name="seen_{cheese.id}" type="hidden" value="13"' in page
    db.session.expire_all()
    assert (_stock(db, cheese), _stock(db, butter)) == (13, 5)
