"""Control characters in a request: a NUL (or another C0 control character but tab, CR and LF) in any query
argument, form field or uploaded file's name is refused with the shop's 400 page before a view runs, and
nothing changes in the database. PostgreSQL refuses NUL in every text, so without this a NUL typed into a
log-in, checkout or search field was a 500 there.

The inputs come from Hypothesis: any text with at least one such character, in a value or in a name.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shop.core.security import has_control_characters
from shop.orders.models import Order, OrderNote
from shop.scheduling.days import pickup_days
from tests.factories import log_in_as, make_order_cart, make_paid_order, make_product, make_staff, make_user
from tests.helpers import table_rows

ALLOWED_CONTROLS = "\t\n\r"
REFUSED = [chr(code) for code in range(32) if chr(code) not in ALLOWED_CONTROLS]
REFUSED_PAGE = "Dit bevat tekens die we niet aanvaarden"

# A text with at least one refused character somewhere in it.
refused_texts = st.builds(lambda before, bad, after: before + bad + after,
                          st.text(max_size=12), st.sampled_from(REFUSED), st.text(max_size=12))
# The same request with the text as a value (``value``) or as the name of an extra field (``name``).
placements = st.sampled_from(["value", "name"])
REQUESTS = settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])


@given(st.text())
def test_a_text_is_refused_exactly_when_it_holds_a_c0_control_other_than_tab_cr_lf(text):
    assert has_control_characters(text) == any(ch in REFUSED for ch in text)


@pytest.mark.parametrize("text", ["regel 1\r\nregel 2", "kolom\tkolom", "Café «Zoë» – 12,50 €", "\x7f", ""])
def test_tabs_line_ends_and_ordinary_text_are_accepted(text):
    assert not has_control_characters(text)


def _place(fields: dict, text: str, where: str, key: str) -> dict:
    """``fields`` with ``text`` as the value of ``key``, or as the name of one more field."""
    return {**fields, key: text} if where == "value" else {**fields, text: "x"}


def _assert_refused(response) -> None:
    assert response.status_code == 400
    assert REFUSED_PAGE in response.text


# --- the shop front, accounts and checkout ----------------------------------------------------------------------


@pytest.fixture
def buyer(client, db):
    """A visitor with a cart whose checkout details are saved (the next step would place the order)."""
    cart = make_order_cart((make_product("Controlekaas", price_cents=900, stock=5), 1))
    make_user("klant@voorbeeld.be")
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)
    checkout = {"email": "an@voorbeeld.be", "name": "An Peeters", "phone": "", "method": "pickup",
                "pickup_date": pickup_days()[0].isoformat()}
    assert client.post("/afrekenen", data=checkout).status_code == 303
    return checkout


FORMS = [
    ("/inloggen", {"email": "klant@voorbeeld.be", "password": "geheim-wachtwoord"}, "email"),
    ("/inloggen", {"email": "klant@voorbeeld.be", "password": "geheim-wachtwoord"}, "password"),
    ("/wachtwoord-vergeten", {"email": "klant@voorbeeld.be"}, "email"),
    ("/account/registreren", {"name": "An", "email": "nieuw@voorbeeld.be", "password": "lang-genoeg-wachtwoord",
                              "password_again": "lang-genoeg-wachtwoord"}, "name"),
    ("/winkelmand/toevoegen", {"quantity": "1"}, "quantity"),
    ("/afrekenen/overzicht", {"accept_terms": "y"}, "accept_terms"),
]


@pytest.mark.parametrize(("path", "fields", "key"), FORMS, ids=[f"{path} {key}" for path, _f, key in FORMS])
@REQUESTS
@given(text=refused_texts, where=placements)
def test_a_form_with_a_control_character_is_refused_and_changes_nothing(client, db, buyer, path, fields, key, text,
                                                                       where):
    before = table_rows()

    response = client.post(path, data=_place(fields, text, where, key))

    _assert_refused(response)
    assert table_rows() == before


@REQUESTS
@given(text=refused_texts, where=placements, key=st.sampled_from(
    ["email", "name", "phone", "recipient_name", "street", "postcode", "city", "gift_message", "company_name",
     "vat_number", "billing_street", "billing_postcode", "billing_city"]))
def test_every_checkout_field_refuses_a_control_character(client, db, buyer, text, where, key):
    fields = {**buyer, "method": "delivery", "recipient_name": "Jan", "street": "Veldstraat 1", "postcode": "9000",
              "city": "Gent", "is_gift": "y", "gift_message": "Proficiat", "is_company": "y",
              "company_name": "Hoeve", "vat_number": "BE0207725104", "billing_street": "Veldstraat 1",
              "billing_postcode": "9000", "billing_city": "Gent"}
    before = table_rows()

    response = client.post("/afrekenen", data=_place(fields, text, where, key))

    _assert_refused(response)
    assert table_rows() == before


def test_placing_the_order_after_a_refused_request_still_works(client, db, buyer):
    _assert_refused(client.post("/afrekenen/overzicht", data={"accept_terms": "y\x00"}))
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0

    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})

    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


GET_PAGES = [("/producten", "q"), ("/producten", "categorie"), ("/pakketten", "q"), ("/producenten", "streek"),
             ("/afrekenen/bevestiging", "session_id"), ("/inloggen", "next"), ("/taal/fr", "next")]


@pytest.mark.parametrize(("path", "key"), GET_PAGES, ids=[f"{path} {key}" for path, key in GET_PAGES])
@REQUESTS
@given(text=refused_texts, where=placements)
def test_a_query_string_with_a_control_character_is_refused(client, db, path, key, text, where):
    before = table_rows()

    response = client.get(path, query_string=_place({}, text, where, key))

    _assert_refused(response)
    assert table_rows() == before


def test_the_refusal_is_in_the_visitors_language(client, db):
    response = client.get("/producten?q=kaas%00", headers={"Accept-Language": "fr"})

    assert response.status_code == 400
    assert 'lang="fr"' in response.text


# --- the back office and the portal -----------------------------------------------------------------------------


@pytest.fixture
def staff_order(client, db):
    order = make_paid_order((make_product("Notitiekaas", stock=5), 1))
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    return order


@REQUESTS
@given(text=refused_texts, where=placements, page=st.sampled_from(
    ["/beheer/bestellingen", "/beheer/voorraad", "/beheer/producenten", "/beheer/pakketten", "/beheer/picklijst",
     "/beheer/pakketten/producten", "/beheer/tekorten/nieuw", "/beheer/rapporten/btw"]))
def test_back_office_searches_refuse_a_control_character(client, db, staff_order, text, where, page):
    key = {"/beheer/tekorten/nieuw": "nummer", "/beheer/picklijst": "dag", "/beheer/rapporten/btw": "van"}.get(page, "q")
    before = table_rows()

    response = client.get(page, query_string=_place({}, text, where, key))

    _assert_refused(response)
    assert table_rows() == before


@REQUESTS
@given(text=refused_texts, where=placements)
def test_an_order_note_with_a_control_character_is_refused(client, db, staff_order, text, where):
    response = client.post(f"/beheer/bestellingen/{staff_order.id}/notities",
                           data=_place({}, "Notitie " + text, where, "body"))

    _assert_refused(response)
    assert db.session.scalar(select(func.count()).select_from(OrderNote)) == 0


def test_an_order_note_keeps_its_line_ends_and_tabs(client, db, staff_order):
    response = client.post(f"/beheer/bestellingen/{staff_order.id}/notities",
                           data={"body": "Eerste regel\r\nTweede\tregel"})

    assert response.status_code == 303
    assert db.session.scalar(select(OrderNote.body)) in ("Eerste regel\r\nTweede\tregel", "Eerste regel\nTweede\tregel")


# A browser never sends a line end in a file name (it escapes it); the test client would break the part's header.
file_names = st.builds(lambda before, bad, after: before + bad + after,
                       st.text(st.characters(exclude_characters="\r\n"), max_size=12), st.sampled_from(REFUSED),
                       st.text(st.characters(exclude_characters="\r\n"), max_size=12))


@REQUESTS
@given(filename=file_names)
def test_an_upload_whose_file_name_holds_a_control_character_is_refused(client, db, filename):
    producer_user = make_user(role="producer")
    db.session.commit()
    log_in_as(client, producer_user)
    before = table_rows()

    response = client.post("/portaal/csv", data={"file": (io.BytesIO(b"id;voorraad\r\n1;5\r\n"), filename + ".csv")},
                           content_type="multipart/form-data")

    _assert_refused(response)
    assert table_rows() == before


def test_an_uploaded_files_contents_are_not_checked_here(client, db):
    """What is inside a file is the importer's business (it reports control characters by line)."""
    producer_user = make_user(role="producer")
    db.session.commit()
    log_in_as(client, producer_user)

    response = client.post("/portaal/csv", data={"file": (io.BytesIO(b"id;voorraad\n12;\x00\x01\n"), "p.csv")},
                           content_type="multipart/form-data")

    assert REFUSED_PAGE not in response.text


def test_the_payment_providers_json_is_not_a_form(client, db, stripe_config):
    response = client.post("/stripe/webhook", data='{"id": "evt_1", "note": "a\\u0000b"}',
                           content_type="application/json", headers={"Stripe-Signature": "t=1,v1=0"})

    assert response.is_json
    assert response.json == {"error": "invalid signature"}
