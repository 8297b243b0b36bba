"""Back office fulfilment pages through the test client: pick list, packing slips, gift cards, purchase lists."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from shop.outbox.models import OutboxMessage
from tests.factories import (
    log_in_as,
    make_order_data,
    make_package,
    make_paid_order,
    make_producer,
    make_product,
    make_staff,
    make_user,
)

DAY = date(2026, 12, 22)


def _on_day(order, day=DAY):
    order.shipments[0].scheduled_date = day
    return order


@pytest.fixture
def orders(db):
    aalter = make_producer("Hoeve Aalter", email="info@hoeve-aalter.be")
    baal = make_producer("Brouwerij Baal", email="")
    kaas = make_product("Hoevekaas", producer=aalter, unit="500 g", price_cents=900, stock=20)
    jenever = make_product("Graanjenever", producer=baal, unit="50 cl", price_cents=2450, stock=20)
    package = make_package([(kaas, 2), (jenever, 1)], name="Kerstpakket", price_cents=4000)
    gift = _on_day(make_paid_order((package, 1), data=make_order_data(
        "delivery", is_gift=True, gift_message="Zalige feesten, oma!", recipient_name="Oma Rosa")))
    own = _on_day(make_paid_order((kaas, 3)))
    db.session.commit()
    return dict(aalter=aalter, baal=baal, gift=gift, own=own)


@pytest.fixture
def staff_client(client, db):
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    return client


URLS = ["/beheer/picklijst", "/beheer/picklijst/pdf", "/beheer/pakbonnen", "/beheer/pakbonnen/pdf",
        "/beheer/bestellingen/1/pakbon", "/beheer/bestellingen/1/wenskaart", "/beheer/bestellingen/1/wenskaart/pdf",
        "/beheer/inkooplijsten", "/beheer/inkooplijsten/1", "/beheer/inkooplijsten/1/pdf"]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_go_to_the_log_in_page(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"] or "login" in response.headers["Location"]


@pytest.mark.parametrize("url", URLS)
def test_customers_and_producers_get_403(client, db, url):
    log_in_as(client, make_user())
    db.session.commit()

    assert client.get(url).status_code == 403
    assert client.post("/beheer/inkooplijsten/1/versturen").status_code == 403


def test_pick_list_of_a_day_lists_producers_packages_and_orders(staff_client, orders):
    response = staff_client.get("/beheer/picklijst?dag=2026-12-22")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Picklijst dinsdag 22 december 2026" in html
    assert "Hoeve Aalter" in html and "Brouwerij Baal" in html
    assert "1 × Kerstpakket samenstellen" in html
    assert orders["gift"].number in html and orders["own"].number in html
    assert "betaald of in voorbereiding" in html
    assert 'href="/beheer/picklijst?dag=2026-12-21"' in html and 'href="/beheer/picklijst?dag=2026-12-23"' in html
    # Hoevekaas: 2 in the package + 3 loose = 5 to pick.
    assert re.search(r'<td class="num pick-total">5</td>\s*<td>Hoevekaas</td>', html)


def test_pick_list_without_a_day_shows_today(staff_client, orders):
    response = staff_client.get("/beheer/picklijst")

    assert response.status_code == 200
    assert "Geen bestellingen om te picken" in response.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("dag=22-12-2026", "Geef een datum als JJJJ-MM-DD"),
    ("dag=2026-02-30", "Geef een datum als JJJJ-MM-DD"),
    ("order=abc", "is geen bestelling"),
    ("order=", "is geen bestelling"),
])
def test_bad_pick_list_parameters_answer_422_with_a_message(staff_client, orders, query, message):
    for url in ("/beheer/picklijst?", "/beheer/picklijst/pdf?", "/beheer/pakbonnen?"):
        response = staff_client.get(url + query)

        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_a_selection_names_unknown_and_skipped_orders(staff_client, orders):
    response = staff_client.get(f"/beheer/picklijst?order={orders['own'].id}&order=987654")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Deze bestelling bestaat niet: 987654." in html
    assert "selectie van 1 bestelling" in html and "selectie van 1 bestellingen" not in html
    assert orders["own"].number in html and orders["gift"].number not in html


def test_a_selection_of_only_unknown_orders_is_404(staff_client, orders):
    response = staff_client.get("/beheer/picklijst?order=987654")

    assert response.status_code == 404
    assert "Deze bestelling bestaat niet: 987654." in response.get_data(as_text=True)


def test_pick_list_pdf_is_a_pdf(staff_client, orders):
    response = staff_client.get("/beheer/picklijst/pdf?dag=2026-12-22")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="picklijst-2026-12-22.pdf"' in response.headers["Content-Disposition"]


def test_packing_slips_one_per_page_gift_without_prices(staff_client, orders):
    response = staff_client.get(f"/beheer/pakbonnen?order={orders['gift'].id}&order={orders['own'].id}")

    html = response.get_data(as_text=True)
    slips = re.findall(r'<article class="print-page packing-slip".*?</article>', html, re.S)
    assert response.status_code == 200
    assert len(slips) == 2
    gift_slip, own_slip = slips
    assert orders["gift"].number in gift_slip and "Oma Rosa" in gift_slip
    assert "Zalige feesten, oma!" in gift_slip
    assert "€" not in gift_slip and "Prijs" not in gift_slip
    assert "2 × Hoevekaas" in gift_slip  # the package's components
    assert "Afhalen op" in own_slip and "€" in own_slip and "27,00" in own_slip


def test_single_packing_slip_and_its_pdf(staff_client, orders):
    response = staff_client.get(f"/beheer/bestellingen/{orders['own'].id}/pakbon")
    pdf = staff_client.get(f"/beheer/pakbonnen/pdf?order={orders['own'].id}")

    assert response.status_code == 200
    assert f"<title>Pakbon {orders['own'].number}" in response.get_data(as_text=True)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert staff_client.get("/beheer/bestellingen/987654/pakbon").status_code == 404


def test_gift_card_for_a_gift_and_404_for_an_order_that_is_not(staff_client, orders):
    response = staff_client.get(f"/beheer/bestellingen/{orders['gift'].id}/wenskaart")
    pdf = staff_client.get(f"/beheer/bestellingen/{orders['gift'].id}/wenskaart/pdf")

    html = response.get_data(as_text=True)
    card = re.search(r'<article class="print-page gift-card".*?</article>', html, re.S).group(0)
    assert response.status_code == 200
    assert "Oma Rosa" in card and "Zalige feesten, oma!" in card and "€" not in card
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert staff_client.get(f"/beheer/bestellingen/{orders['own'].id}/wenskaart").status_code == 404
    assert staff_client.get(f"/beheer/bestellingen/{orders['own'].id}/wenskaart/pdf").status_code == 404


def test_purchase_lists_for_a_period(staff_client, orders):
    response = staff_client.get("/beheer/inkooplijsten?van=2026-12-21&tot=2026-12-27")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hoeve Aalter" in html and "5 × Hoevekaas" in html and "1 × Graanjenever" in html
    assert "geen e-mailadres" in html  # Brouwerij Baal


def test_purchase_lists_default_to_the_coming_week(staff_client, orders):
    response = staff_client.get("/beheer/inkooplijsten")

    assert response.status_code == 200
    assert "Inkooplijsten" in response.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("van=2026-12-27&tot=2026-12-21", "De laatste dag mag niet voor de eerste dag liggen."),
    ("van=2026-01-01&tot=2026-03-31", "Kies een periode van hoogstens 62 dagen."),
    ("van=gisteren&tot=2026-12-21", "Geef een datum als JJJJ-MM-DD"),
    ("tot=2026-12-21", "Geef de eerste dag als JJJJ-MM-DD"),
])
def test_bad_periods_answer_422_with_a_message(staff_client, orders, query, message):
    for url in ("/beheer/inkooplijsten?", f"/beheer/inkooplijsten/{orders['aalter'].id}?",
                f"/beheer/inkooplijsten/{orders['aalter'].id}/pdf?"):
        response = staff_client.get(url + query)

        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_one_producers_purchase_list_page_and_pdf(staff_client, orders):
    url = f"/beheer/inkooplijsten/{orders['aalter'].id}?van=2026-12-21&tot=2026-12-27"
    response = staff_client.get(url)
    pdf = staff_client.get(url.replace("?", "/pdf?"))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Inkooplijst Hoeve Aalter" in html and "Hoevekaas" in html
    assert "Verstuur naar de producent" in html
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert staff_client.get("/beheer/inkooplijsten/987654").status_code == 404


def _send(client, producer_id, seen=0):
    return client.post(f"/beheer/inkooplijsten/{producer_id}/versturen",
                       data={"van": "2026-12-21", "tot": "2026-12-27", "verstuurd": str(seen)})


def _purchase_mails(db):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "producer_purchase_list")).all()


def test_sending_queues_the_mail_once_per_click(staff_client, orders, db):
    first = _send(staff_client, orders["aalter"].id)
    replay = _send(staff_client, orders["aalter"].id)  # the same form again (a double click)

    assert first.status_code == 303
    assert first.headers["Location"].endswith(
        f"/beheer/inkooplijsten/{orders['aalter'].id}?van=2026-12-21&tot=2026-12-27")
    mails = _purchase_mails(db)
    assert len(mails) == 1
    assert mails[0].to_address == "info@hoeve-aalter.be"
    assert [a.content_type for a in mails[0].attachments] == ["application/pdf"]
    page = staff_client.get(replay.headers["Location"]).get_data(as_text=True)
    assert "Deze inkooplijst is intussen al verstuurd" in page
    assert "Deze lijst is al 1 keer verstuurd voor deze periode." in page

    again = _send(staff_client, orders["aalter"].id, seen=1)
    assert again.status_code == 303
    assert len(_purchase_mails(db)) == 2
    assert "(verzending 2)" in staff_client.get(again.headers["Location"]).get_data(as_text=True)


def test_sending_to_a_producer_without_e_mail_says_so(staff_client, orders, db):
    response = _send(staff_client, orders["baal"].id)

    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert response.status_code == 303
    assert "Brouwerij Baal heeft geen e-mailadres" in page
    assert _purchase_mails(db) == []


def test_sending_with_nothing_to_deliver_says_so(staff_client, orders, db):
    producer = make_producer("Hoeve Leeg", email="leeg@example.be")
    db.session.commit()

    response = _send(staff_client, producer.id)

    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hoeve Leeg heeft in deze periode niets te leveren" in page
    assert _purchase_mails(db) == []
