"""Back office: staff users (admins only) through the test client."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.outbox.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, log_in_as, make_producer, make_staff, make_user
from tests.helpers import meanwhile, next_request_is_new


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(client, db):
    user = make_staff("an@groot-vleeshuis.be", role="admin")
    db.session.commit()
    log_in_as(client, user)
    return user


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/beheer/medewerkers")

    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


@pytest.mark.parametrize("role", ["staff", "customer", "producer"])
def test_staff_customers_and_producers_get_403(client, db, role):
    target = make_staff()
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)

    assert client.get("/beheer/medewerkers").status_code == 403
    assert client.post("/beheer/medewerkers/uitnodigen", data={"email": "x@y.be", "role": "admin"}).status_code == 403
    assert client.post(f"/beheer/medewerkers/{target.id}/deactiveren").status_code == 403
    assert client.post(f"/beheer/medewerkers/{target.id}/rol", data={"role": "admin"}).status_code == 403
    assert (db.session.get(User, target.id).active, db.session.get(User, target.id).role) == (True, Role.STAFF)


def test_staff_do_not_see_admin_pages_in_the_menu(client, db):
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)

    html = _text(client.get("/beheer/te-keuren"))

    assert "/beheer/medewerkers" not in html and "/beheer/producenten" not in html


def test_list_shows_staff_and_admins_but_not_customers(client, db, admin):
    make_staff("kim@groot-vleeshuis.be", name="Kim")
    make_staff("oud@groot-vleeshuis.be", active=False)
    make_user("klant@voorbeeld.be")
    db.session.commit()

    html = _text(client.get("/beheer/medewerkers"))

    assert "kim@groot-vleeshuis.be" in html and "oud@groot-vleeshuis.be" in html
    assert "klant@voorbeeld.be" not in html
    assert "Beheerder" in html and "Medewerker" in html and "Gedeactiveerd" in html
    assert "/beheer/medewerkers" in html  # the menu has the page for admins


def test_invite_a_staff_member(client, db, admin):
    response = client.post("/beheer/medewerkers/uitnodigen", data={"email": "nieuw@groot-vleeshuis.be",
                                                                   "role": "admin"})

    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "nieuw@groot-vleeshuis.be"))
    assert (user.role, user.active, user.password_hash) == (Role.ADMIN, True, None)
    assert db.session.scalar(select(OutboxMessage.to_address)) == "nieuw@groot-vleeshuis.be"
    assert "Uitnodiging verstuurd naar nieuw@groot-vleeshuis.be (Beheerder)." in _text(
        client.get(response.headers["Location"]))


def test_a_double_submitted_invitation_invites_once_more_and_stores_one_user(client, db, admin, monkeypatch):
    # Both submits looked the address up and found nothing; the second to store its user ran into the first
    # one's: a server error.
    from shop.accounts import services

    meanwhile(monkeypatch, services, "get_user_by_email",
              lambda *_: make_user("nieuw@groot-vleeshuis.be", name="", role="admin", password=None))

    response = client.post("/beheer/medewerkers/uitnodigen", data={"email": "nieuw@groot-vleeshuis.be",
                                                                   "role": "admin"})

    assert response.status_code == 303
    db.session.expire_all()
    user = db.session.scalars(select(User).where(User.email == "nieuw@groot-vleeshuis.be")).one()
    assert (user.role, user.active, user.password_hash) == (Role.ADMIN, True, None)
    assert db.session.scalars(select(OutboxMessage.to_address)).all() == ["nieuw@groot-vleeshuis.be"]


@pytest.mark.parametrize("data, message", [
    ({"email": "geen-adres", "role": "staff"}, "Geef een e-mailadres zoals naam@voorbeeld.be."),
    ({"email": "a@groot-vleeshuis.be", "role": "producer"}, "Kies de rol medewerker of beheerder."),
    ({"email": "klant@voorbeeld.be", "role": "staff"}, "Er bestaat al een account met het e-mailadres"),
])
def test_invite_refuses_bad_input(client, db, admin, data, message):
    make_user("klant@voorbeeld.be")
    db.session.commit()

    response = client.post("/beheer/medewerkers/uitnodigen", data=data)

    assert response.status_code == 422
    assert message in _text(response)
    assert "<title>Fout: Medewerkers" in _text(response)
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_deactivate_blocks_log_in_and_ends_an_open_session(app, client, db, admin):
    kim = make_staff("kim@groot-vleeshuis.be")
    db.session.commit()
    kim_client = app.test_client()
    log_in_as(kim_client, kim)
    assert kim_client.get("/beheer/te-keuren").status_code == 200
    next_request_is_new()

    response = client.post(f"/beheer/medewerkers/{kim.id}/deactiveren")

    assert response.status_code == 303
    assert db.session.get(User, kim.id).active is False
    assert "kim@groot-vleeshuis.be is gedeactiveerd en kan niet meer inloggen." in _text(
        client.get(response.headers["Location"]))
    next_request_is_new()
    session_response = kim_client.get("/beheer/te-keuren")
    assert session_response.status_code == 302 and "/inloggen" in session_response.headers["Location"]
    next_request_is_new()
    login = app.test_client().post("/inloggen", data={"email": "kim@groot-vleeshuis.be",
                                                     "password": DEFAULT_PASSWORD})
    assert login.status_code == 422
    assert "het account is niet actief" in _text(login)


def test_activate_lets_them_in_again(client, db, admin):
    kim = make_staff(active=False)
    db.session.commit()

    response = client.post(f"/beheer/medewerkers/{kim.id}/activeren", follow_redirects=True)

    assert "kan weer inloggen." in _text(response)
    assert db.session.get(User, kim.id).active is True


def test_change_role_both_ways(client, db, admin):
    kim = make_staff("kim@groot-vleeshuis.be")
    db.session.commit()

    response = client.post(f"/beheer/medewerkers/{kim.id}/rol", data={"role": "admin"}, follow_redirects=True)
    assert "kim@groot-vleeshuis.be is nu beheerder." in _text(response)
    assert db.session.get(User, kim.id).role == Role.ADMIN

    client.post(f"/beheer/medewerkers/{kim.id}/rol", data={"role": "staff"})
    assert db.session.get(User, kim.id).role == Role.STAFF


def test_an_admin_cannot_deactivate_or_demote_themselves(client, db, admin):
    response = client.post(f"/beheer/medewerkers/{admin.id}/deactiveren", follow_redirects=True)
    assert "Je kunt je eigen account niet deactiveren." in _text(response)

    response = client.post(f"/beheer/medewerkers/{admin.id}/rol", data={"role": "staff"}, follow_redirects=True)
    assert "Je kunt je eigen rol niet wijzigen." in _text(response)
    user = db.session.get(User, admin.id)
    assert (user.active, user.role) == (True, Role.ADMIN)


def test_the_page_offers_no_removal_of_the_last_active_admin(client, db, admin):
    other = make_staff("tweede@groot-vleeshuis.be", role="admin")
    db.session.commit()
    assert f"/beheer/medewerkers/{other.id}/deactiveren" in _text(client.get("/beheer/medewerkers"))

    client.post(f"/beheer/medewerkers/{other.id}/rol", data={"role": "staff"})

    html = _text(client.get("/beheer/medewerkers"))
    assert f"/beheer/medewerkers/{admin.id}/deactiveren" not in html


def test_customers_cannot_be_managed_here(client, db, admin):
    customer = make_user()
    db.session.commit()

    assert client.post(f"/beheer/medewerkers/{customer.id}/deactiveren").status_code == 404
    assert client.post(f"/beheer/medewerkers/{customer.id}/rol", data={"role": "admin"}).status_code == 404
    assert db.session.get(User, customer.id).role == Role.CUSTOMER


def test_an_unknown_role_is_refused(client, db, admin):
    kim = make_staff()
    db.session.commit()

    response = client.post(f"/beheer/medewerkers/{kim.id}/rol", data={"role": "producer"}, follow_redirects=True)

    assert "Kies de rol medewerker of beheerder." in _text(response)
    assert db.session.get(User, kim.id).role == Role.STAFF


def test_list_says_when_each_user_last_logged_in(client, db, admin):
    from datetime import UTC, datetime

    make_staff("kim@groot-vleeshuis.be", last_login_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    make_staff("nieuw@groot-vleeshuis.be")
    db.session.commit()

    html = _text(client.get("/beheer/medewerkers"))

    assert "Laatst ingelogd" in html
    assert "20 nov 2026 10:30" in html  # shown in shop time (Brussels)
    assert "nog nooit" in html


def test_the_old_invitation_page_leads_admins_to_the_producers_and_refuses_staff(client, db):
    producer = make_producer("Hoeve De Kriek")
    staff = make_user("personeel@voorbeeld.be", role=Role.STAFF)
    admin = make_staff("beheer@voorbeeld.be", role="admin")
    db.session.commit()
    log_in_as(client, staff)

    assert client.get("/beheer/producenten/uitnodigen").status_code == 403
    assert client.post("/beheer/producenten/uitnodigen",
                       data={"email": "ik@hoeve.be", "producer_id": str(producer.id)}).status_code == 405
    assert client.post(f"/beheer/producenten/{producer.id}/uitnodigen",
                       data={"user_email": "ik@hoeve.be"}).status_code == 403
    assert db.session.scalar(select(User).where(User.email == "ik@hoeve.be")) is None
    assert db.session.scalar(select(OutboxMessage.id)) is None

    log_in_as(client, admin)
    response = client.get("/beheer/producenten/uitnodigen")
    assert (response.status_code, response.location) == (303, "/beheer/producenten")
