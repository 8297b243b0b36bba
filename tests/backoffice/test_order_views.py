"""The back office's order pages through the test client: list, detail and every action, with replays."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from shop.invoicing.queries import get_invoice_of
from shop.orders import staff_actions
from shop.orders.models import Order, OrderNote, OrderStatus, OrderTransition, Refund
from shop.outbox.models import OutboxMessage
from tests.factories import (
    SAMPLE_DAY,
    SAMPLE_PLACED_AT,
    log_in_as,
    make_order,
    make_order_data,
    make_package,
    make_paid_order,
    make_product,
    make_staff,
    make_user,
    place,
    start_stripe_checkout,
)
from tests.helpers import count_queries

S = OrderStatus


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _page(response) -> str:
    return _plain(response.get_data(as_text=True))


@pytest.fixture
def staff(db, client):
    user = make_staff("els@grootvleeshuis.be")
    db.session.commit()
    log_in_as(client, user)
    return user


@pytest.fixture
def cheese(db):
    return make_product("Oude Brugge", price_cents=1250, stock=10)


def _paid(db, cheese, quantity=2, method="pickup", **data):
    order = make_paid_order((cheese, quantity), data=make_order_data(method, **data))
    db.session.commit()
    return order


def _reload(db, order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _request_key(html: str) -> str:
    return re.search(r'name="request_key" value="([0-9a-f]{32})"', html).group(1)


# --- access --------------------------------------------------------------------------------------------------

def test_order_pages_need_staff(db, client, cheese):
    order = _paid(db, cheese)
    assert client.get("/beheer/bestellingen").status_code == 302
    log_in_as(client, make_user())
    db.session.commit()

    assert client.get("/beheer/bestellingen").status_code == 403
    assert client.get(f"/beheer/bestellingen/{order.id}").status_code == 403
    assert client.post(f"/beheer/bestellingen/{order.id}/notities", data={"body": "x"}).status_code == 403


def test_unknown_order_is_404(client, staff):
    assert client.get("/beheer/bestellingen/999999").status_code == 404
    assert client.post("/beheer/bestellingen/999999/status", data={}).status_code == 404


# --- list ----------------------------------------------------------------------------------------------------

def test_list_shows_orders_newest_first_with_attention_marker(db, client, staff, cheese):
    older = _paid(db, cheese, name="Marie Claes")
    newer = make_order((cheese, 1), data=make_order_data("delivery"))
    newer.needs_attention = True
    db.session.commit()

    response = client.get("/beheer/bestellingen")

    html = _page(response)
    assert response.status_code == 200
    assert "2 bestellingen" in html
    assert html.index(newer.number) < html.index(older.number)
    assert "Marie Claes" in html and "€ 25,00" in html
    assert html.count("Aandacht nodig") == 1
    assert 'class="status-tag status-tag--paid"' in html
    assert f'name="order" value="{older.id}"' in html


def test_list_filters_and_search(db, client, staff, cheese):
    paid = _paid(db, cheese, name="Marie Claes")
    pending = make_order((cheese, 1))
    db.session.commit()

    html = _page(client.get("/beheer/bestellingen?status=paid&q=CLAES"))

    assert paid.number in html and pending.number not in html
    assert "1 bestelling" in html


def test_invalid_filters_get_a_message_and_are_ignored(db, client, staff, cheese):
    order = _paid(db, cheese)

    response = client.get("/beheer/bestellingen?status=bestaat-niet&van=morgen&producent=x&pagina=-3")

    html = _page(response)
    assert response.status_code == 200
    assert "Onbekende status; die filter is genegeerd." in html
    assert "Van is geen geldige datum (JJJJ-MM-DD); die filter is genegeerd." in html
    assert "Onbekende producent; die filter is genegeerd." in html
    assert "Ongeldig paginanummer; pagina 1 wordt getoond." in html
    assert order.number in html
    assert "<title>Fout: Bestellingen" in html


def test_select_all_checks_every_row_without_javascript(db, client, staff, cheese):
    first, second = _paid(db, cheese, 1), _paid(db, cheese, 1)

    html = _page(client.get("/beheer/bestellingen?alles=1&status=paid"))

    assert f'value="{first.id}" id="select-{first.id}" checked' in html
    assert f'value="{second.id}" id="select-{second.id}" checked' in html
    assert "Selectie wissen" in html


def test_bulk_prepare_reports_done_and_skipped(db, client, staff, cheese):
    first, second = _paid(db, cheese, 1), _paid(db, cheese, 1)
    pending = make_order((cheese, 1))
    db.session.commit()

    response = client.post("/beheer/bestellingen/selectie", data={
        "order": [str(first.id), str(second.id), str(pending.id)], "action": "prepare",
        "terug": "/beheer/bestellingen?status=paid"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/beheer/bestellingen?status=paid"
    html = _page(client.get(response.headers["Location"]))
    assert f"2 bestelling(en) in voorbereiding genomen: {first.number}, {second.number}." in html
    assert f"1 overgeslagen: {pending.number} (niet betaald maar wacht op betaling)." in html
    assert [_reload(db, o).status for o in (first, second, pending)] == [S.IN_PREPARATION, S.IN_PREPARATION,
                                                                         S.PENDING_PAYMENT]
    assert _count(db, OrderTransition, OrderTransition.by_user_id == staff.id) == 2


def test_bulk_without_selection_says_so(db, client, staff):
    response = client.post("/beheer/bestellingen/selectie", data={"action": "prepare", "terug": "https://evil.example/"},
                           follow_redirects=True)

    assert response.request.path == "/beheer/bestellingen"
    assert "Kies eerst een of meer bestellingen." in _page(response)


def test_bulk_print_sends_the_selection_to_the_pick_list(app, db, client, staff, cheese):
    first, second = _paid(db, cheese, 1), _paid(db, cheese, 1)

    response = client.post("/beheer/bestellingen/selectie", data={
        "order": [str(second.id), str(first.id)], "action": "pick_list"})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/beheer/picklijst?order={first.id}&order={second.id}"


# --- detail --------------------------------------------------------------------------------------------------

def test_detail_shows_everything_staff_need(db, client, staff, cheese):
    jam = make_product("Confituur", price_cents=600, stock=10)
    package = make_package([(jam, 2)], name="Ontbijtpakket", price_cents=1500)
    order = make_paid_order((package, 1), (cheese, 1), data=make_order_data(
        "delivery", is_gift=True, gift_message="Proficiat, Jan!", company_name="Bakkerij Peeters"))
    order.needs_attention, order.attention_note = True, "Betaling kwam na annulering binnen."
    db.session.commit()

    response = client.get(f"/beheer/bestellingen/{order.id}")

    html = _page(response)
    assert response.status_code == 200
    assert f"<title>Bestelling {order.number}" in html
    for text in ("An Peeters", "an@voorbeeld.be", "Veldstraat 1", "Jan Peeters", "Proficiat, Jan!", "Ontbijtpakket",
                 "2 × Confituur", "Btw per tarief", "Betaling kwam na annulering binnen.", "Demo (er beweegt geen geld)",
                 "Statuspagina van de klant", f"/bestelling/{order.status_token}", "Bestelling annuleren",
                 "<dt>Betaalstatus</dt><dd>Betaald</dd>",
                 f"<dt>Factuur</dt><dd>{get_invoice_of(order).number}</dd>"):
        assert text in html, text
    # The buttons are exactly the staff transitions of a paid order; the refund form has a fresh one-time key.
    assert re.findall(r'name="to_status" value="(\w+)"', html) == ["in_preparation"]
    assert 'name="expected_status" value="paid"' in html
    assert len(_request_key(html)) == 32
    assert html.index("Interne notities") < html.index('id="annuleren"')


def test_detail_gives_the_pickup_day_with_the_chosen_hour(db, client, staff, cheese):
    data = make_order_data(pickup_date=SAMPLE_DAY, pickup_time="12:00")
    order = make_paid_order((cheese, 1), data=data, now=SAMPLE_PLACED_AT)
    db.session.commit()

    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))

    assert "<dt>Dag</dt><dd>dinsdag 22 december 2026, tussen 12:00 en 13:00</dd>" in html


def test_list_gives_each_pickup_day_with_the_chosen_hour(db, client, staff, cheese):
    at_noon = make_paid_order((cheese, 1), data=make_order_data(pickup_date=SAMPLE_DAY, pickup_time="12:00"),
                              now=SAMPLE_PLACED_AT)
    delivered = make_paid_order((cheese, 1), data=make_order_data("delivery", desired_date=SAMPLE_DAY),
                                now=SAMPLE_PLACED_AT)
    db.session.commit()

    html = _page(client.get("/beheer/bestellingen"))

    row = html[html.index(at_noon.number):html.index("</tr>", html.index(at_noon.number))]
    assert '<span class="small">di 22 dec 2026, tussen 12:00 en 13:00</span>' in row
    row = html[html.index(delivered.number):html.index("</tr>", html.index(delivered.number))]
    assert '<span class="small">di 22 dec 2026</span>' in row


def test_pickup_order_in_preparation_offers_ready_not_shipped(db, client, staff, cheese):
    order = _paid(db, cheese)
    client.post(f"/beheer/bestellingen/{order.id}/status", data={"to_status": "in_preparation", "expected_status": "paid"})

    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))

    assert re.findall(r'name="to_status" value="(\w+)"', html) == ["ready_for_pickup"]


# --- transitions ---------------------------------------------------------------------------------------------

def test_transition_then_replay_changes_nothing(db, client, staff, cheese):
    order = _paid(db, cheese)
    form = {"to_status": "in_preparation", "expected_status": "paid"}

    first = client.post(f"/beheer/bestellingen/{order.id}/status", data=form)
    replay = client.post(f"/beheer/bestellingen/{order.id}/status", data=form, follow_redirects=True)

    assert first.status_code == 303
    assert _reload(db, order).status == S.IN_PREPARATION
    assert "Deze bestelling is intussen gewijzigd (nu: in voorbereiding)" in _page(replay)
    assert _count(db, OrderTransition, OrderTransition.to_status == S.IN_PREPARATION) == 1


def test_shipping_without_tracking_reference_shows_the_error(db, client, staff, cheese):
    order = _paid(db, cheese, method="delivery")
    client.post(f"/beheer/bestellingen/{order.id}/status", data={"to_status": "in_preparation", "expected_status": "paid"})

    response = client.post(f"/beheer/bestellingen/{order.id}/status",
                           data={"to_status": "shipped", "expected_status": "in_preparation", "tracking_reference": ""})

    assert response.status_code == 422
    assert "Geef het zendingsnummer op." in _page(response)
    assert "<title>Fout: " in _page(response)
    assert _reload(db, order).status == S.IN_PREPARATION


def test_shipping_saves_the_tracking_reference(db, client, staff, cheese):
    order = _paid(db, cheese, method="delivery")
    client.post(f"/beheer/bestellingen/{order.id}/status", data={"to_status": "in_preparation", "expected_status": "paid"})

    response = client.post(f"/beheer/bestellingen/{order.id}/status", follow_redirects=True, data={
        "to_status": "shipped", "expected_status": "in_preparation", "tracking_reference": "BPOST-123"})

    order = _reload(db, order)
    assert (order.status, order.shipment.tracking_reference) == (S.SHIPPED, "BPOST-123")
    assert f"Bestelling {order.number}: Verzonden." in _page(response)
    assert "BPOST-123" in db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == "order_shipped"))


@pytest.mark.parametrize("to_status", ["paid", "shipped", "cancelled", "nonsense"])
def test_transitions_the_lifecycle_does_not_offer_are_refused(db, client, staff, cheese, to_status):
    order = make_order((cheese, 1))
    db.session.commit()

    response = client.post(f"/beheer/bestellingen/{order.id}/status", follow_redirects=True, data={
        "to_status": to_status, "expected_status": "pending_payment", "tracking_reference": "X"})

    assert response.status_code == 200
    assert _reload(db, order).status == S.PENDING_PAYMENT
    assert _count(db, OrderTransition, OrderTransition.by_user_id == staff.id) == 0


# --- cancel --------------------------------------------------------------------------------------------------

def test_cancel_needs_reason_and_confirmation(db, client, staff, cheese):
    order = _paid(db, cheese)

    response = client.post(f"/beheer/bestellingen/{order.id}/annuleren", data={"expected_status": "paid", "reason": ""})

    html = _page(response)
    assert response.status_code == 422
    assert "Geef de reden van de annulering op." in html
    assert "Vink aan dat je de bestelling wilt annuleren." in html
    assert _reload(db, order).status == S.PAID


def test_cancel_a_pending_stripe_order_expires_its_session_first(db, client, staff, cheese, stripe_config):
    order = place((cheese, 2))
    session_id = start_stripe_checkout(order)
    form = {"expected_status": "pending_payment", "reason": "Dubbele bestelling", "confirm": "y"}

    response = client.post(f"/beheer/bestellingen/{order.id}/annuleren", data=form, follow_redirects=True)

    assert f"Bestelling {order.number} is geannuleerd. De klant kreeg een e-mail." in _page(response)
    assert (_reload(db, order).status, stripe_config.sessions[session_id]["status"]) == (S.CANCELLED, "expired")
    assert db.session.get(type(cheese), cheese.id).stock == 10


def test_cancel_of_an_order_paid_meanwhile_records_the_payment_and_cancels_nothing(db, client, staff, cheese,
                                                                                  stripe_config):
    order = place((cheese, 2))
    session_id = start_stripe_checkout(order)
    stripe_config.complete_session(session_id)  # the customer paid while staff looked at the page
    form = {"expected_status": "pending_payment", "reason": "Dubbele bestelling", "confirm": "y"}

    response = client.post(f"/beheer/bestellingen/{order.id}/annuleren", data=form, follow_redirects=True)

    assert "Deze bestelling is intussen gewijzigd (nu: betaald). Er is niets uitgevoerd; bekijk ze opnieuw." in _page(response)
    order = _reload(db, order)
    assert (order.status, order.refunded_cents, order.transitions[-1].actor) == (S.PAID, 0, "stripe")
    assert db.session.get(type(cheese), cheese.id).stock == 8


def test_cancel_when_stripe_is_down_cancels_nothing(db, client, staff, cheese, stripe_config):
    order = place((cheese, 2))
    start_stripe_checkout(order)
    stripe_config.fail_next(times=2, status=500)
    form = {"expected_status": "pending_payment", "reason": "Dubbele bestelling", "confirm": "y"}

    response = client.post(f"/beheer/bestellingen/{order.id}/annuleren", data=form)

    assert response.status_code == 422
    assert "De betaaldienst is tijdelijk niet bereikbaar." in _page(response)
    assert _reload(db, order).status == S.PENDING_PAYMENT


def test_cancel_a_paid_order_refunds_and_replay_does_nothing(db, client, staff, cheese):
    order = _paid(db, cheese)
    form = {"expected_status": "paid", "reason": "Klant belde af", "confirm": "y"}

    response = client.post(f"/beheer/bestellingen/{order.id}/annuleren", data=form, follow_redirects=True)
    replay = client.post(f"/beheer/bestellingen/{order.id}/annuleren", data=form, follow_redirects=True)

    order = _reload(db, order)
    assert (order.status, order.refunded_cents) == (S.CANCELLED, 2500)
    assert f"Bestelling {order.number} is geannuleerd; € 25,00 wordt terugbetaald." in _page(response)
    assert "Deze bestelling is intussen gewijzigd (nu: geannuleerd)" in _page(replay)
    assert _count(db, Refund) == 1
    assert db.session.get(type(cheese), cheese.id).stock == 10


# --- refunds -------------------------------------------------------------------------------------------------

def test_refund_defaults_to_what_is_left_and_replay_refunds_nothing(db, client, staff, cheese):
    order = _paid(db, cheese)
    html = _page(client.get(f"/beheer/bestellingen/{order.id}"))
    key = _request_key(html)
    assert 'value="25,00"' in html
    form = {"request_key": key, "amount": "12,50", "reason": "Eén kaas beschimmeld"}

    response = client.post(f"/beheer/bestellingen/{order.id}/terugbetalen", data=form, follow_redirects=True)
    replay = client.post(f"/beheer/bestellingen/{order.id}/terugbetalen", data=form, follow_redirects=True)

    assert "€ 12,50 terugbetaald. De klant kreeg een e-mail." in _page(response)
    assert "Deze terugbetaling is al uitgevoerd" in _page(replay)
    order = _reload(db, order)
    assert order.refunded_cents == 1250
    [refund] = order.refunds
    assert (refund.amount_cents, refund.request_key, refund.by_user_id) == (1250, key, staff.id)
    assert _count(db, OutboxMessage, OutboxMessage.kind == "order_refunded") == 1
    assert 'value="12,50"' in _page(client.get(f"/beheer/bestellingen/{order.id}"))


@pytest.mark.parametrize("amount, message", [
    ("", "Geef het bedrag op, bijvoorbeeld 12,50."),
    ("twaalf", "Geef een bedrag in euro op, bijvoorbeeld 12,50."),
    ("0,00", "Het bedrag moet groter zijn dan € 0,00."),
    ("25,01", "Je kunt hoogstens € 25,00 terugbetalen: van € 25,00 is al € 0,00 terugbetaald."),
])
def test_bad_refund_amounts_are_refused(db, client, staff, cheese, amount, message):
    order = _paid(db, cheese)

    response = client.post(f"/beheer/bestellingen/{order.id}/terugbetalen",
                           data={"request_key": "a" * 32, "amount": amount, "reason": "x"})

    assert response.status_code == 422
    assert message in _page(response)
    assert (_reload(db, order).refunded_cents, _count(db, Refund)) == (0, 0)


def test_refund_needs_a_reason(db, client, staff, cheese):
    order = _paid(db, cheese)

    response = client.post(f"/beheer/bestellingen/{order.id}/terugbetalen",
                           data={"request_key": "b" * 32, "amount": "5", "reason": " "})

    assert response.status_code == 422
    assert "Geef de reden van de terugbetaling op." in _page(response)


# --- notes and mails -----------------------------------------------------------------------------------------

def test_notes_are_saved_and_shown_newest_first(db, client, staff, cheese):
    order = _paid(db, cheese)

    client.post(f"/beheer/bestellingen/{order.id}/notities", data={"body": "Eerste notitie"})
    response = client.post(f"/beheer/bestellingen/{order.id}/notities", data={"body": "Tweede notitie"},
                           follow_redirects=True)

    html = _page(response)
    assert "Notitie bewaard." in html
    assert html.index("Tweede notitie") < html.index("Eerste notitie")
    assert "els@grootvleeshuis.be" in html
    assert _count(db, OrderNote) == 2


def test_empty_note_is_refused(db, client, staff, cheese):
    order = _paid(db, cheese)

    response = client.post(f"/beheer/bestellingen/{order.id}/notities", data={"body": "  "})

    assert response.status_code == 422
    assert "Schrijf een notitie." in _page(response)
    assert _count(db, OrderNote) == 0


def test_resend_confirmation(db, client, staff, cheese):
    order = _paid(db, cheese)

    response = client.post(f"/beheer/bestellingen/{order.id}/mail-opnieuw", data={"kind": "order_confirmed"},
                           follow_redirects=True)

    assert "wordt opnieuw naar an@voorbeeld.be gestuurd" in _page(response)
    keys = db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "order_confirmed")
                              .order_by(OutboxMessage.id)).all()
    assert keys == [f"order-confirmed:{order.id}", f"order-confirmed:{order.id}:resend:1"]


def test_resend_of_a_mail_that_does_not_fit_is_refused(db, client, staff, cheese):
    order = _paid(db, cheese)

    response = client.post(f"/beheer/bestellingen/{order.id}/mail-opnieuw", data={"kind": "order_shipped"})

    assert response.status_code == 422
    assert "Kies een e-mail uit de lijst." in _page(response)
    assert _count(db, OutboxMessage, OutboxMessage.kind == "order_shipped") == 0


def test_list_and_detail_pages_use_a_fixed_number_of_queries(app, db, client, staff, cheese):
    def statements_for(url: str) -> int:
        with count_queries(db.engine) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    jam = make_product("Confituur", price_cents=600, stock=50)
    small = make_paid_order((cheese, 1))
    db.session.commit()
    list_one, detail_small = statements_for("/beheer/bestellingen"), statements_for(f"/beheer/bestellingen/{small.id}")
    for _ in range(4):
        _paid(db, cheese, 1, method="delivery")
    big = make_paid_order((make_package([(jam, 2), (cheese, 1)]), 2), (jam, 3), (cheese, 1))
    staff_actions.add_note(big, "een", by=staff)
    staff_actions.add_note(big, "twee", by=staff)
    staff_actions.refund_by_staff(big, 100, reason="x", request_key="c" * 32, by=staff)
    db.session.commit()

    assert statements_for("/beheer/bestellingen") == list_one
    assert statements_for(f"/beheer/bestellingen/{big.id}") == detail_small + 1  # + the refunds' authors


@pytest.mark.parametrize("path", ["status", "annuleren", "terugbetalen", "notities", "mail-opnieuw"])
def test_empty_posts_change_nothing_and_never_fail(db, client, staff, cheese, path):
    order = _paid(db, cheese)

    response = client.post(f"/beheer/bestellingen/{order.id}/{path}", data={})

    assert response.status_code in (303, 422)
    order = _reload(db, order)
    assert (order.status, order.refunded_cents, _count(db, OrderNote)) == (S.PAID, 0, 0)


def test_empty_bulk_post_goes_back_to_the_list(db, client, staff):
    assert client.post("/beheer/bestellingen/selectie", data={}).status_code == 303
    assert client.post("/beheer/bestellingen/selectie", data={"order": "1", "action": "wat"}).status_code == 400
