"""The buyer's invoice and credit notes on the order pages and as PDF downloads: behind the status link for
whoever has it, from the account for the customer whose order it is; someone else's document is 404. Staff
download them from the back office's order page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.invoicing.models import CreditNote
from shop.invoicing.queries import get_invoice_of
from tests.factories import log_in_as, make_paid_order, make_product, make_refund, make_staff, make_user
from tests.helpers import count_queries


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ")


@pytest.fixture
def cheese(db):
    return make_product("Oude Brugge", price_cents=1250, stock=50)


def _documents(db, order):
    """The order's invoice and its credit notes, oldest first."""
    notes = list(db.session.scalars(select(CreditNote).where(CreditNote.order_id == order.id).order_by(CreditNote.id)))
    return get_invoice_of(order), notes


@pytest.fixture
def credited(db, cheese):
    """An's order of 2 × Oude Brugge (25,00), paid and refunded 4,00 ("Eén kaas beschadigd") then 1,50."""
    an = make_user("an@voorbeeld.be")
    order = make_paid_order((cheese, 2), by=an)
    db.session.commit()
    make_refund(order, 400, reason="Eén kaas beschadigd")
    make_refund(order, 150, reason="Gebaar")
    return an, order


# --- the status page (guest, secret link) -----------------------------------------------------------------------


def test_the_status_page_lists_the_invoice_and_its_credit_notes_with_their_pdfs(client, db, credited):
    _an, order = credited
    invoice, (first, second) = _documents(db, order)

    html = _text(client.get(f"/bestelling/{order.status_token}"))

    assert "Factuur en creditnota's" in html
    assert f'href="/bestelling/{order.status_token}/factuur.pdf"' in html
    assert f"Factuur {invoice.number}" in html and "€ 25,00" in html
    for note, amount in ((first, "€ 4,00"), (second, "€ 1,50")):
        assert f'href="/bestelling/{order.status_token}/creditnota/{note.number}.pdf"' in html
        assert f"Creditnota {note.number}" in html and amount in html
    assert "Eén kaas beschadigd" in html


def test_an_unpaid_order_lists_no_documents(client, db, cheese):
    from tests.factories import make_order

    order = make_order((cheese, 1))
    db.session.commit()

    html = _text(client.get(f"/bestelling/{order.status_token}"))

    assert "Factuur en creditnota's" not in html
    assert client.get(f"/bestelling/{order.status_token}/factuur.pdf").status_code == 404


def test_the_status_link_downloads_the_orders_documents(client, db, credited):
    _an, order = credited
    invoice, (note, _second) = _documents(db, order)

    response = client.get(f"/bestelling/{order.status_token}/factuur.pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    assert response.headers["Content-Disposition"] == f'inline; filename="factuur-{invoice.number}.pdf"'
    assert response.data.startswith(b"%PDF")

    response = client.get(f"/bestelling/{order.status_token}/creditnota/{note.number}.pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    assert response.headers["Content-Disposition"] == f'inline; filename="creditnota-{note.number}.pdf"'


def test_a_status_link_never_gives_another_orders_credit_note(client, db, cheese, credited):
    _an, order = credited
    other = make_paid_order((cheese, 1))
    db.session.commit()
    make_refund(other, 100, reason="ander")
    _invoice, [others_note] = _documents(db, other)

    assert client.get(f"/bestelling/{order.status_token}/creditnota/{others_note.number}.pdf").status_code == 404
    assert client.get(f"/bestelling/{order.status_token}/creditnota/CN-2026-999999.pdf").status_code == 404
    assert client.get("/bestelling/onbekend/factuur.pdf").status_code == 404


# --- the account ------------------------------------------------------------------------------------------------


def test_the_order_history_lists_each_orders_documents(client, db, cheese, credited):
    an, order = credited
    uncredited = make_paid_order((cheese, 1), by=an)
    db.session.commit()
    invoice, notes = _documents(db, order)
    log_in_as(client, an)

    html = _text(client.get("/account/bestellingen"))

    assert f'href="/account/documenten/factuur/{invoice.number}.pdf"' in html
    assert f'href="/account/documenten/factuur/{get_invoice_of(uncredited).number}.pdf"' in html
    for note in notes:
        assert f'href="/account/documenten/creditnota/{note.number}.pdf"' in html


def test_the_order_history_reads_the_documents_in_a_fixed_number_of_queries(client, db, cheese, credited):
    an, _order = credited
    log_in_as(client, an)
    db.session.expire_all()
    with count_queries(db.engine) as few:
        assert client.get("/account/bestellingen").status_code == 200
    for amount in (100, 200, 300):
        order = make_paid_order((cheese, 1), by=an)
        db.session.commit()
        make_refund(order, amount, reason="nog een")
    db.session.expire_all()
    with count_queries(db.engine) as many:
        assert client.get("/account/bestellingen").status_code == 200

    assert len(many) == len(few)


def test_the_customer_downloads_their_own_documents_from_the_account(client, db, credited):
    an, order = credited
    invoice, (note, _second) = _documents(db, order)
    log_in_as(client, an)

    response = client.get(f"/account/documenten/factuur/{invoice.number}.pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    assert response.headers["Content-Disposition"] == f'inline; filename="factuur-{invoice.number}.pdf"'
    assert response.data.startswith(b"%PDF")
    response = client.get(f"/account/documenten/creditnota/{note.number}.pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    assert response.headers["Content-Disposition"] == f'inline; filename="creditnota-{note.number}.pdf"'


def test_another_customers_documents_are_404(client, db, credited):
    _an, order = credited
    invoice, (note, _second) = _documents(db, order)
    log_in_as(client, make_user("bert@voorbeeld.be"))

    assert client.get(f"/account/documenten/factuur/{invoice.number}.pdf").status_code == 404
    assert client.get(f"/account/documenten/creditnota/{note.number}.pdf").status_code == 404
    assert client.get("/account/documenten/creditnota/CN-2026-999999.pdf").status_code == 404


def test_the_account_downloads_need_a_login(client, db, credited):
    _an, order = credited
    invoice, (note, _second) = _documents(db, order)

    for url in (f"/account/documenten/factuur/{invoice.number}.pdf",
                f"/account/documenten/creditnota/{note.number}.pdf"):
        response = client.get(url)
        assert response.status_code in (302, 401)
        assert not response.data.startswith(b"%PDF")


def test_a_guest_order_is_not_downloadable_from_an_account(client, db, cheese):
    order = make_paid_order((cheese, 1))  # no account
    db.session.commit()
    log_in_as(client, make_user("iemand@voorbeeld.be"))

    assert client.get(f"/account/documenten/factuur/{get_invoice_of(order).number}.pdf").status_code == 404


# --- the back office --------------------------------------------------------------------------------------------


def test_the_back_office_order_page_lists_the_invoice_and_credit_notes(client, db, credited):
    _an, order = credited
    invoice, (first, second) = _documents(db, order)
    log_in_as(client, make_staff())

    html = _text(client.get(f"/beheer/bestellingen/{order.id}"))

    assert f'href="/beheer/facturen/{invoice.id}/pdf"' in html
    for note, amount, reason in ((first, "€ 4,00", "Eén kaas beschadigd"), (second, "€ 1,50", "Gebaar")):
        assert f'href="/beheer/creditnotas/{note.id}/pdf"' in html
        assert note.number in html and amount in html and reason in html


def test_staff_download_any_document_and_customers_cannot(client, db, credited):
    an, order = credited
    invoice, (note, _second) = _documents(db, order)
    urls = [f"/beheer/facturen/{invoice.id}/pdf", f"/beheer/creditnotas/{note.id}/pdf"]

    log_in_as(client, an)
    assert [client.get(url).status_code for url in urls] == [403, 403]

    log_in_as(client, make_staff())
    for url in urls:
        response = client.get(url)
        assert (response.status_code, response.mimetype) == (200, "application/pdf")
        assert response.data.startswith(b"%PDF")
    assert client.get("/beheer/creditnotas/999999/pdf").status_code == 404
    assert client.get("/beheer/facturen/999999/pdf").status_code == 404
