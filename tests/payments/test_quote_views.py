"""The company's quote on its status page (download, accept, decline), asking a quote at checkout, and staff's
transfers page (mark received, read a statement), through the test client."""

from __future__ import annotations

import io

from sqlalchemy import select

from shop.cart.views import CART_COOKIE
from shop.catalog.models import Product
from shop.core.clock import shop_now
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentProvider
from shop.payments.models import BankTransfer
from shop.payments.transfers import accept_quote
from tests.factories import (
    log_in_as,
    make_company_order_data,
    make_order_cart,
    make_product,
    make_quote_order,
    make_staff,
    make_user,
)
from tests.helpers import meanwhile


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


def _fresh_quote():
    """A quote made now, so it is open whatever day the tests run."""
    order = make_quote_order(now=shop_now())
    db.session.commit()
    return order


def test_the_status_page_shows_an_open_quote_with_its_pdf_and_answers(client, db):
    order = _fresh_quote()

    page = _text(client.get(f"/bestelling/{order.status_token}"))
    pdf = client.get(f"/bestelling/{order.status_token}/offerte.pdf")

    assert f"Offerte {order.quote_number}" in page
    assert "Offerte aanvaarden" in page and "Offerte afwijzen" in page
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert f"offerte-{order.quote_number}.pdf" in pdf.headers["Content-Disposition"]


def test_accepting_the_quote_shows_how_to_pay_by_transfer(client, db):
    order = _fresh_quote()

    response = client.post(f"/bestelling/{order.status_token}/offerte", data={"action": "accept"})
    page = _text(client.get(response.headers["Location"]))

    assert response.status_code == 303
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert "Je offerte is aanvaard" in page
    assert order.transfer_reference in page
    assert "BE71096123456769" in page and "€ 600,00" in page
    assert "Betaal opnieuw" not in page  # no demo payment page for a transfer


def test_accepting_twice_changes_nothing_the_second_time(client, db):
    order = _fresh_quote()
    client.post(f"/bestelling/{order.status_token}/offerte", data={"action": "accept"})

    response = client.post(f"/bestelling/{order.status_token}/offerte", data={"action": "accept"}, follow_redirects=True)

    assert "Deze offerte kan niet meer aanvaard worden." in _text(response)
    assert len(db.session.get(Order, order.id).transitions) == 3


def test_declining_the_quote_frees_its_stock(client, db):
    order = _fresh_quote()
    product = order.lines[0].product_id

    response = client.post(f"/bestelling/{order.status_token}/offerte", data={"action": "decline"},
                           follow_redirects=True)

    assert "Je hebt de offerte afgewezen" in _text(response)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert db.session.get(Product, product).stock == 20


def test_the_stripe_cancel_page_leaves_a_transfer_order_alone(client, db):
    order = _fresh_quote()
    accept_quote(order, now=shop_now())
    db.session.commit()

    response = client.post(f"/afrekenen/geannuleerd/{order.status_token}")

    assert response.status_code == 303
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_company_asks_a_quote_at_checkout_instead_of_paying(client, db):
    user = make_user()
    product = make_product("Relatiegeschenk", price_cents=5000, stock=20)
    cart = make_order_cart((product, 12))
    data = make_company_order_data()
    db.session.commit()
    client.set_cookie(CART_COOKIE, cart.token)
    log_in_as(client, user)
    with client.session_transaction() as session:
        session["checkout"] = data.to_session()

    review = _text(client.get("/afrekenen/overzicht"))
    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y", "quote": "1"})

    assert "Vraag een offerte voor € 600,00" in review
    order = db.session.scalar(select(Order))
    assert order.status == OrderStatus.QUOTED
    assert order.payment_provider == PaymentProvider.TRANSFER
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/bestelling/{order.status_token}")


def test_staff_mark_a_transfer_received_once_and_a_wrong_amount_is_refused(client, db):
    order = _fresh_quote()
    accept_quote(order, now=shop_now())
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)

    listed = _text(client.get("/beheer/overschrijvingen"))
    wrong = client.post(f"/beheer/overschrijvingen/{order.id}/ontvangen", data={"amount": "590,00"},
                        follow_redirects=True)
    right = client.post(f"/beheer/overschrijvingen/{order.id}/ontvangen", data={"amount": "600,00"},
                        follow_redirects=True)
    again = client.post(f"/beheer/overschrijvingen/{order.id}/ontvangen", data={"amount": "600,00"},
                        follow_redirects=True)

    assert order.number in listed and order.transfer_reference in listed
    assert f"niet het totaal van bestelling {order.number}" in _text(wrong)
    assert f"De overschrijving voor {order.number} is geboekt" in _text(right)
    assert f"Bestelling {order.number} was al betaald" in _text(again)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    assert len(db.session.scalars(select(BankTransfer)).all()) == 1


def test_a_double_click_on_transfer_received_books_it_once_and_says_so(client, db, monkeypatch):
    # Both clicks checked that the transfer was not booked yet; the second to store it ran into the first one's
    # booking: a server error.
    from shop.payments import transfers

    order = _fresh_quote()
    accept_quote(order, now=shop_now())
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    meanwhile(monkeypatch, transfers, "check_transfer",
              lambda _, checked_order, amount_cents: transfers.mark_transfer_received(checked_order, amount_cents,
                                                                                       by=staff))

    response = client.post(f"/beheer/overschrijvingen/{order.id}/ontvangen", data={"amount": "600,00"},
                           follow_redirects=True)

    assert response.status_code == 200
    assert f"Bestelling {order.number} was al betaald" in _text(response)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    assert len(db.session.scalars(select(BankTransfer)).all()) == 1


def test_staff_read_a_statement_then_book_its_matched_lines(client, db):
    order = _fresh_quote()
    accept_quote(order, now=shop_now())
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    statement = (f"Datum;Bedrag;Naam tegenpartij;Mededeling\n10/12/2026;600,00;Anker;{order.transfer_reference}\n"
                 "10/12/2026;12,00;Jan;geen referentie\n").encode()

    preview = client.post("/beheer/overschrijvingen/afschrift",
                          data={"statement": (io.BytesIO(statement), "afschrift.csv")},
                          content_type="multipart/form-data")
    text = _text(preview)
    encoded = text.split('name="statement" value="')[1].split('"')[0]
    booked = client.post("/beheer/overschrijvingen/afschrift/boeken", data={"statement": encoded},
                         follow_redirects=True)

    assert "1 te boeken, 0 met een afwijkend bedrag, 1 zonder bestelling, 0 al geboekt." in text
    assert f"1 overschrijving(en) geboekt: {order.number}." in _text(booked)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID


def test_an_unreadable_statement_is_refused_with_a_clear_message(client, db):
    log_in_as(client, make_staff())
    db.session.commit()

    response = client.post("/beheer/overschrijvingen/afschrift",
                           data={"statement": (io.BytesIO(b"Naam;Adres\nJan;Gent\n"), "lijst.csv")},
                           content_type="multipart/form-data")

    assert response.status_code == 422
    assert "Geen kolommen Datum, Bedrag en Mededeling gevonden" in _text(response)


def test_the_transfers_page_is_for_staff_only(client, db):
    log_in_as(client, make_user())
    db.session.commit()

    assert client.get("/beheer/overschrijvingen").status_code in (403, 404)


def test_a_signed_in_company_finds_its_quote_in_its_order_history(client, db):
    user = make_user()
    order = make_quote_order(now=shop_now(), by=user)
    db.session.commit()
    log_in_as(client, user)

    history = _text(client.get("/account/bestellingen"))
    mine = client.get(f"/account/documenten/offerte/{order.quote_number}.pdf")
    log_in_as(client, make_user())
    db.session.commit()
    other = client.get(f"/account/documenten/offerte/{order.quote_number}.pdf")

    assert f"/account/documenten/offerte/{order.quote_number}.pdf" in history
    assert (mine.status_code, mine.mimetype) == (200, "application/pdf")
    assert other.status_code == 404
