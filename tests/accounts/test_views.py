"""Account pages through the test client: status, redirect, database state, message shown."""

from __future__ import annotations

import json
import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from shop.accounts import tokens
from shop.accounts.models import Role, User
from shop.extensions import db as _db
from shop.orders import lifecycle
from shop.orders.models import OrderStatus
from shop.outbox.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, make_order, make_order_data, make_producer, make_user
from tests.helpers import meanwhile

WRONG = "Dit e-mailadres en wachtwoord horen niet bij elkaar, of het account is niet actief."


def _login(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post("/inloggen", data={"email": email, "password": password, **extra})


def _html(response) -> str:
    return response.get_data(as_text=True)


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", _html(response), re.S).group(1).strip()


def _logged_in_user_id(client):
    """The id of the user the session is logged in as (the session holds "<id>:<session version>")."""
    with client.session_transaction() as session:
        login = session.get("_user_id")
    return None if login is None else login.partition(":")[0]


def _link(kind: str, to: str) -> str:
    mail = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.to_address == to)
                               .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://127\.0\.0\.1:5000(/\S+)", mail.body_text).group(1)


# --- log in and out -----------------------------------------------------------------------------------------


def test_login_page_has_the_right_autocomplete(client):
    html = _html(client.get("/inloggen"))
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert "<title>Inloggen · Lekker Oost-Vlaams</title>" in html


@pytest.mark.parametrize("role,destination", [
    (Role.CUSTOMER, "/account"),
    (Role.PRODUCER, "/portaal/"),
    (Role.STAFF, "/beheer/"),
    (Role.ADMIN, "/beheer/"),
])
def test_login_sends_each_role_to_its_place(client, db, role, destination):
    user = make_user("iemand@voorbeeld.be", role=role)
    db.session.commit()
    response = _login(client, "Iemand@Voorbeeld.be")
    assert response.status_code == 303
    assert response.location == destination
    assert _logged_in_user_id(client) == str(user.id)


def test_login_follows_a_local_next(client, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    response = _login(client, "an@voorbeeld.be", next="/account/bestellingen?pagina=2")
    assert response.location == "/account/bestellingen?pagina=2"


@pytest.mark.parametrize("target", ["https://kwaad.example/", "//kwaad.example/", "/\\kwaad.example", "javascript:alert(1)",
                                    "kwaad.example", "/\tkwaad", "http:/kwaad.example"])
def test_login_refuses_an_open_redirect(client, db, target):
    make_user("an@voorbeeld.be")
    db.session.commit()
    response = _login(client, "an@voorbeeld.be", next=target)
    assert response.status_code == 303
    assert response.location == "/account"


def test_login_required_page_sends_to_login_with_next_and_back(client, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    response = client.get("/account/bestellingen")
    assert response.status_code == 302
    assert response.location == "/inloggen?next=%2Faccount%2Fbestellingen"
    page = client.get(response.location)
    assert 'name="next" type="hidden" value="/account/bestellingen"' in _html(page)
    assert "Log in om deze pagina te bekijken." in _html(page)
    assert _login(client, "an@voorbeeld.be", next="/account/bestellingen").location == "/account/bestellingen"


@pytest.mark.parametrize("email,password", [
    ("an@voorbeeld.be", "verkeerd-wachtwoord"),
    ("niemand@voorbeeld.be", DEFAULT_PASSWORD),
    ("uit@voorbeeld.be", DEFAULT_PASSWORD),
])
def test_wrong_unknown_and_deactivated_get_the_same_answer(client, db, email, password):
    make_user("an@voorbeeld.be")
    make_user("uit@voorbeeld.be", active=False)
    db.session.commit()
    response = _login(client, email, password)
    assert response.status_code == 422
    assert WRONG in _html(response)
    assert _title(response).startswith("Fout: Inloggen")
    assert f'value="{email}"' in _html(response)
    assert DEFAULT_PASSWORD not in _html(response)
    assert _logged_in_user_id(client) is None


@pytest.mark.parametrize("data,message", [
    ({"email": "", "password": "x"}, "Geef je e-mailadres, zoals naam@voorbeeld.be."),
    ({"email": "geen-adres", "password": "x"}, "Geef een geldig e-mailadres, zoals naam@voorbeeld.be."),
    ({"email": "an@voorbeeld.be", "password": ""}, "Geef je wachtwoord."),
])
def test_login_form_errors(client, db, data, message):
    response = client.post("/inloggen", data=data)
    assert response.status_code == 422
    assert message in _html(response)
    assert 'class="error-summary"' in _html(response)


def test_login_renews_the_session_but_keeps_language_and_cart(client, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    client.get("/taal/fr")
    client.set_cookie("lov_cart", "mijn-winkelmand")
    with client.session_transaction() as session:
        session["geplant"] = "door-een-aanvaller"
        before = dict(session)
    response = _login(client, "an@voorbeeld.be")
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert "geplant" not in session
        assert session["lang"] == "fr"
        assert session["_fresh"] is True
        assert dict(session) != before
    assert client.get_cookie("lov_cart").value == "mijn-winkelmand"


def test_logout_needs_post_and_logs_out(client, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    _login(client, "an@voorbeeld.be")
    assert client.get("/uitloggen").status_code == 405
    response = client.post("/uitloggen")
    assert (response.status_code, response.location) == (303, "/")
    assert _logged_in_user_id(client) is None
    assert client.get("/account").status_code == 302


def test_header_shows_login_or_account_and_logout(client, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    assert 'href="/inloggen"' in _html(client.get("/inloggen"))
    _login(client, "an@voorbeeld.be")
    html = _html(client.get("/account"))
    assert 'href="/account" aria-current="page">Mijn account</a>' in html
    assert 'action="/uitloggen"' in html


# --- rate limits --------------------------------------------------------------------------------------------


def test_eleventh_try_on_one_account_within_a_minute_is_refused(client, db):
    make_user("an@voorbeeld.be")
    make_user("bert@voorbeeld.be")
    db.session.commit()
    for _ in range(10):
        assert _login(client, "an@voorbeeld.be", "verkeerd-wachtwoord").status_code == 422
    response = _login(client, "AN@voorbeeld.be", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "Te veel pogingen" in _title(response)
    assert "Wacht een minuut en probeer het dan opnieuw." in _html(response)
    assert _logged_in_user_id(client) is None
    # Another account from the same address is not blocked by the per-account limit.
    assert _login(client, "bert@voorbeeld.be").status_code == 303


def test_one_address_is_limited_across_accounts(client, db):
    for n in range(30):
        assert _login(client, f"persoon{n}@voorbeeld.be", "verkeerd-wachtwoord").status_code == 422
    assert _login(client, "nog-iemand@voorbeeld.be", "verkeerd-wachtwoord").status_code == 429


def test_other_addresses_are_not_limited(app, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    for _ in range(30):
        first.post("/inloggen", data={"email": f"x{_}@voorbeeld.be", "password": "verkeerd-wachtwoord"},
                   environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert first.post("/inloggen", data={"email": "y@voorbeeld.be", "password": "x"},
                      environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    response = second.post("/inloggen", data={"email": "an@voorbeeld.be", "password": DEFAULT_PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.status_code == 303


# --- password reset -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["an@voorbeeld.be", "niemand@voorbeeld.be", "uit@voorbeeld.be"])
def test_forgot_password_answers_the_same_for_every_address(client, db, email):
    make_user("an@voorbeeld.be")
    make_user("uit@voorbeeld.be", active=False)
    db.session.commit()
    response = client.post("/wachtwoord-vergeten", data={"email": email})
    assert (response.status_code, response.location) == (303, "/wachtwoord-vergeten/verstuurd")
    page = client.get(response.location)
    assert "Als er een account bestaat met dat e-mailadres" in _html(page)
    queued = db.session.scalars(select(OutboxMessage.to_address)).all()
    assert queued == [email]  # a reset link, or word that the address has no active account


def test_forgot_password_form_error(client, db):
    response = client.post("/wachtwoord-vergeten", data={"email": "geen-adres"})
    assert response.status_code == 422
    assert _title(response).startswith("Fout: Wachtwoord vergeten")
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_reset_flow_sets_the_password_logs_in_and_works_once(client, db):
    user = make_user("an@voorbeeld.be")
    db.session.commit()
    client.post("/wachtwoord-vergeten", data={"email": "an@voorbeeld.be"})
    link = _link("account_password_reset", "an@voorbeeld.be")
    page = client.get(link)
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in _html(page)
    weak = client.post(link, data={"password": "kort", "password_again": "kort"})
    assert weak.status_code == 422
    assert "Kies een wachtwoord van minstens 12 tekens." in _html(weak)
    mismatch = client.post(link, data={"password": "een-nieuw-wachtwoord", "password_again": "iets-anders-hier"})
    assert "De twee wachtwoorden zijn niet gelijk." in _html(mismatch)
    response = client.post(link, data={"password": "een-nieuw-wachtwoord", "password_again": "een-nieuw-wachtwoord"})
    assert (response.status_code, response.location) == (303, "/account")
    assert _logged_in_user_id(client) == str(user.id)
    client.post("/uitloggen")
    assert client.get(link).status_code == 410
    again = client.post(link, data={"password": "nog-een-wachtwoord", "password_again": "nog-een-wachtwoord"})
    assert again.status_code == 410
    assert "Deze link werkt niet meer" in _html(again)
    assert _login(client, "an@voorbeeld.be", "een-nieuw-wachtwoord").status_code == 303


def test_reset_link_expires_after_an_hour(client, db, monkeypatch):
    user = make_user("an@voorbeeld.be")
    db.session.commit()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
    token = tokens.make_token(user, tokens.RESET)
    monkeypatch.undo()
    response = client.post(f"/wachtwoord-herstellen/{token}",
                           data={"password": "een-nieuw-wachtwoord", "password_again": "een-nieuw-wachtwoord"})
    assert response.status_code == 410
    db.session.expire_all()
    assert user.check_password(DEFAULT_PASSWORD)


# --- invitations --------------------------------------------------------------------------------------------


def test_invited_producer_chooses_a_password_and_lands_in_the_portal(client, db):
    from shop.accounts.services import invite_producer_user

    admin = make_user(role=Role.ADMIN)
    producer = make_producer("Hoeve De Kriek")
    invite_producer_user("boer@hoeve.be", producer, by=admin)
    db.session.commit()
    link = _link("account_invitation", "boer@hoeve.be")
    assert link.startswith("/uitnodiging/")
    page = client.get(link)
    assert "Hoeve De Kriek" in _html(page)
    missing = client.post(link, data={"name": "", "password": "", "password_again": ""})
    assert missing.status_code == 422
    assert "Geef je naam." in _html(missing) and "Kies een wachtwoord." in _html(missing)
    assert "producentenportaal van Hoeve De Kriek" in _html(missing)
    response = client.post(link, data={"name": "Jef", "password": "mijn-hoeve-wachtwoord",
                                       "password_again": "mijn-hoeve-wachtwoord"})
    assert (response.status_code, response.location) == (303, "/portaal/")
    user = db.session.scalar(select(User).where(User.email == "boer@hoeve.be"))
    assert (user.name, user.producer_id, _logged_in_user_id(client)) == ("Jef", producer.id, str(user.id))
    assert client.get(link).status_code == 410


# --- registration and account -------------------------------------------------------------------------------


def test_registration_confirmation_attaches_guest_orders_and_logs_in(client, db):
    guest = make_order(data=make_order_data(email="nina@voorbeeld.be"))
    db.session.commit()
    page = client.get("/account/registreren")
    assert 'autocomplete="new-password"' in _html(page)
    response = client.post("/account/registreren", data={"name": "Nina", "email": "Nina@voorbeeld.be",
                                                         "password": "een-goed-wachtwoord",
                                                         "password_again": "een-goed-wachtwoord"})
    assert (response.status_code, response.location) == (303, "/account/registreren/verstuurd")
    assert _login(client, "nina@voorbeeld.be", "een-goed-wachtwoord").status_code == 422
    link = _link("account_confirm", "nina@voorbeeld.be")
    confirmed = client.get(link)
    assert (confirmed.status_code, confirmed.location) == (303, "/account")
    user = db.session.scalar(select(User).where(User.email == "nina@voorbeeld.be"))
    db.session.refresh(guest)
    assert (user.active, guest.user_id, _logged_in_user_id(client)) == (True, user.id, str(user.id))
    assert guest.number in _html(client.get("/account/bestellingen"))
    assert client.get(link).status_code == 410


@pytest.mark.parametrize("data,message", [
    ({"name": "", "email": "n@voorbeeld.be", "password": "een-goed-wachtwoord", "password_again": "een-goed-wachtwoord"},
     "Geef je naam."),
    ({"name": "N", "email": "", "password": "een-goed-wachtwoord", "password_again": "een-goed-wachtwoord"},
     "Geef je e-mailadres, zoals naam@voorbeeld.be."),
    ({"name": "N", "email": "n@voorbeeld.be", "password": "kort", "password_again": "kort"},
     "Kies een wachtwoord van minstens 12 tekens."),
    ({"name": "N", "email": "n@voorbeeld.be", "password": "n@voorbeeld.be", "password_again": "n@voorbeeld.be"},
     "Kies een wachtwoord dat niet je e-mailadres is."),
    ({"name": "N", "email": "n@voorbeeld.be", "password": "een-goed-wachtwoord", "password_again": ""},
     "Herhaal je wachtwoord."),
])
def test_registration_form_errors_change_nothing(client, db, data, message):
    response = client.post("/account/registreren", data=data)
    assert response.status_code == 422
    assert message in _html(response)
    assert _title(response).startswith("Fout: Een account aanmaken")
    if data["name"]:
        assert f'value="{data["name"]}"' in _html(response)
    assert db.session.scalars(select(User)).all() == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_double_submitted_registration_goes_on_with_the_account_the_other_submit_made(client, db, monkeypatch):
    # Both submits looked the new address up and found nothing; the second to store its account ran into the
    # first one's: a server error.
    from shop.accounts import services

    meanwhile(monkeypatch, services, "get_user_by_email",
              lambda *_: make_user("nieuw@voorbeeld.be", name="Eerste klik", active=False))

    response = client.post("/account/registreren", data={"name": "Nieuwe Klant", "email": "nieuw@voorbeeld.be",
                                                         "password": "een-goed-wachtwoord",
                                                         "password_again": "een-goed-wachtwoord"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/registreren/verstuurd")
    _db.session.expire_all()
    user = _db.session.scalars(select(User)).one()
    assert (user.email, user.name, user.active) == ("nieuw@voorbeeld.be", "Nieuwe Klant", False)
    assert user.check_password("een-goed-wachtwoord")
    assert _db.session.execute(select(OutboxMessage.to_address, OutboxMessage.kind)).all() == [
        ("nieuw@voorbeeld.be", "account_confirm")]


def test_account_page_shows_name_email_and_links(client, db):
    make_user("an@voorbeeld.be", name="An Peeters")
    db.session.commit()
    _login(client, "an@voorbeeld.be")
    html = _html(client.get("/account"))
    assert "An Peeters" in html and "an@voorbeeld.be" in html
    for href in ("/account/bestellingen", "/account/gegevens.json", "/account/verwijderen"):
        assert f'href="{href}"' in html


def test_export_is_json_of_the_logged_in_person_only(client, db):
    user = make_user("an@voorbeeld.be", name="An Peeters")
    mine = make_order(data=make_order_data(email="an@voorbeeld.be"), by=user)
    other = make_order(data=make_order_data(email="iemand@voorbeeld.be"))
    db.session.commit()
    assert client.get("/account/gegevens.json").status_code == 302
    _login(client, "an@voorbeeld.be")
    response = client.get("/account/gegevens.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="lekker-oost-vlaams-gegevens.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "an@voorbeeld.be"
    assert [order["number"] for order in data["orders"]] == [mine.number]
    assert other.number not in response.get_data(as_text=True)


def test_delete_account_through_the_page(client, db):
    user = make_user("an@voorbeeld.be", name="An")
    order = make_order(data=make_order_data(email="an@voorbeeld.be"), by=user)
    db.session.commit()
    _login(client, "an@voorbeeld.be")
    refused = client.post("/account/verwijderen", data={"password": DEFAULT_PASSWORD})
    assert refused.status_code == 422
    assert f"Je hebt nog lopende bestellingen ({order.number})." in _html(refused)
    lifecycle.transition(order, OrderStatus.CANCELLED, actor="system")
    db.session.commit()
    wrong = client.post("/account/verwijderen", data={"password": "verkeerd-wachtwoord"})
    assert wrong.status_code == 422
    assert "Het wachtwoord klopt niet." in _html(wrong)
    response = client.post("/account/verwijderen", data={"password": DEFAULT_PASSWORD})
    assert (response.status_code, response.location) == (303, "/")
    assert _logged_in_user_id(client) is None
    db.session.expire_all()
    assert (user.email, user.active, order.email, order.name) == (f"deleted-{user.id}@invalid", False,
                                                                  f"deleted-{user.id}@invalid", "")
    assert _login(client, "an@voorbeeld.be").status_code == 422


def test_change_password(client, db):
    user = make_user("an@voorbeeld.be")
    db.session.commit()
    _login(client, "an@voorbeeld.be")
    page = client.get("/account/wachtwoord")
    assert 'autocomplete="current-password"' in _html(page) and 'autocomplete="new-password"' in _html(page)
    wrong = client.post("/account/wachtwoord", data={"current_password": "fout-wachtwoord-hier",
                                                     "password": "een-nieuw-wachtwoord",
                                                     "password_again": "een-nieuw-wachtwoord"})
    assert wrong.status_code == 422
    assert "Je huidige wachtwoord klopt niet." in _html(wrong)
    db.session.expire_all()
    assert user.check_password(DEFAULT_PASSWORD)
    response = client.post("/account/wachtwoord", data={"current_password": DEFAULT_PASSWORD,
                                                        "password": "een-nieuw-wachtwoord",
                                                        "password_again": "een-nieuw-wachtwoord"})
    assert (response.status_code, response.location) == (303, "/account")
    db.session.expire_all()
    assert user.check_password("een-nieuw-wachtwoord")


def test_header_for_a_producer_links_the_portal(client, db):
    make_user("boer@hoeve.be", role=Role.PRODUCER)
    db.session.commit()
    _login(client, "boer@hoeve.be")
    html = _html(client.get("/account"))
    assert '<li class="main-nav__account"><a href="/portaal/" >Mijn portaal</a></li>' in html


def test_login_records_when_the_user_last_logged_in(client, db):
    from shop.extensions import db as _db

    user = make_user("an@voorbeeld.be")
    db.session.commit()
    assert user.last_login_at is None
    assert _login(client, "an@voorbeeld.be").status_code == 303
    _db.session.expire_all()
    assert user.last_login_at is not None
