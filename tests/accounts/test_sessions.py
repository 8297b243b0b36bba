"""Ending sessions: a log-out, a new password, a reset, a deactivation or a role change ends every session of
the user, also a copy of the cookie and sessions on other web instances (the version lives in the database).

Each browser is its own test client. Every request runs in an app context of its own, as on a real server:
the test's app context would otherwise hand Flask-Login's cached user from one client's request to the next.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop.accounts import services, staff_admin, tokens
from shop.accounts.auth import load_user
from shop.accounts.models import Role, User
from shop.outbox.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, make_producer, make_staff, make_user

NEW_PASSWORD = "een-heel-nieuw-wachtwoord"


def _request(app, client, method: str, url: str, **kwargs):
    with app.app_context():
        return client.open(url, method=method, **kwargs)


def _logged_in(app, client) -> bool:
    """Whether the browser's session still works: /account opens instead of sending it to log in."""
    response = _request(app, client, "GET", "/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _browser_logged_in_as(app, email: str, password: str = DEFAULT_PASSWORD):
    client = app.test_client()
    response = _request(app, client, "POST", "/inloggen", data={"email": email, "password": password})
    assert response.status_code == 303
    assert _logged_in(app, client)
    return client


def _copy_of_cookies(app, client):
    """Another browser holding a copy of ``client``'s session cookie (a stolen or copied cookie)."""
    name = app.config["SESSION_COOKIE_NAME"]
    copy = app.test_client()
    copy.set_cookie(name, client.get_cookie(name).value)
    return copy


# --- through the pages ----------------------------------------------------------------------------------------


def test_a_cookie_copied_before_log_out_no_longer_works_after_it(app, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    browser = _browser_logged_in_as(app, "an@voorbeeld.be")
    copy = _copy_of_cookies(app, browser)
    assert _logged_in(app, copy)

    assert _request(app, browser, "POST", "/uitloggen").status_code == 303

    assert not _logged_in(app, browser)
    assert not _logged_in(app, copy)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_browser_logged_in(app, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    laptop = _browser_logged_in_as(app, "an@voorbeeld.be")
    phone = _browser_logged_in_as(app, "an@voorbeeld.be")

    response = _request(app, laptop, "POST", "/account/wachtwoord", data={
        "current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert (response.status_code, response.location) == (303, "/account")
    assert _logged_in(app, laptop)
    assert not _logged_in(app, phone)
    assert _browser_logged_in_as(app, "an@voorbeeld.be", NEW_PASSWORD)


def test_a_password_reset_ends_every_open_session(app, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    thief = _browser_logged_in_as(app, "an@voorbeeld.be")
    owner = app.test_client()
    _request(app, owner, "POST", "/wachtwoord-vergeten", data={"email": "an@voorbeeld.be"})
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account_password_reset"))
    link = re.search(r"http://127\.0\.0\.1:5000(/\S+)", mail.body_text).group(1)

    response = _request(app, owner, "POST", link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert response.status_code == 303
    assert _logged_in(app, owner)
    assert not _logged_in(app, thief)


@pytest.fixture
def admin_browser(app, db):
    make_staff("beheer@voorbeeld.be", role="admin")
    db.session.commit()
    return _browser_logged_in_as(app, "beheer@voorbeeld.be")


def test_a_deactivated_staff_members_session_stays_ended_when_they_are_activated_again(app, db, admin_browser):
    kim = make_staff("kim@voorbeeld.be")
    db.session.commit()
    kims_browser = _browser_logged_in_as(app, "kim@voorbeeld.be")

    _request(app, admin_browser, "POST", f"/beheer/medewerkers/{kim.id}/deactiveren")
    _request(app, admin_browser, "POST", f"/beheer/medewerkers/{kim.id}/activeren")

    db.session.expire_all()
    assert db.session.get(User, kim.id).active is True
    assert not _logged_in(app, kims_browser)
    assert _logged_in(app, admin_browser)


def test_a_role_change_ends_the_sessions_of_that_person(app, db, admin_browser):
    other_admin = make_staff("piet@voorbeeld.be", role="admin")
    db.session.commit()
    pieters_browser = _browser_logged_in_as(app, "piet@voorbeeld.be")

    response = _request(app, admin_browser, "POST", f"/beheer/medewerkers/{other_admin.id}/rol",
                        data={"role": "staff"})

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, other_admin.id).role == Role.STAFF
    assert not _logged_in(app, pieters_browser)
    assert _request(app, pieters_browser, "GET", "/beheer/medewerkers").status_code == 302  # to log in, not 403


def test_deleting_the_account_ends_a_copied_session(app, db):
    make_user("an@voorbeeld.be")
    db.session.commit()
    browser = _browser_logged_in_as(app, "an@voorbeeld.be")
    copy = _copy_of_cookies(app, browser)

    assert _request(app, browser, "POST", "/account/verwijderen", data={"password": DEFAULT_PASSWORD}).status_code \
        == 303

    assert not _logged_in(app, copy)


# --- the rules ------------------------------------------------------------------------------------------------


def test_the_session_holds_the_id_with_the_session_version_and_the_loader_checks_it(db):
    user = make_user()
    login = user.get_id()
    assert login == f"{user.id}:1"
    assert load_user(login) is user

    services.end_sessions(user)

    assert user.get_id() == f"{user.id}:2"
    assert load_user(login) is None
    assert load_user(user.get_id()) is user


@pytest.mark.parametrize("token", ["", "abc", "7", "7:", ":1", "7:x", "x:1", "7:1:1", "-7:1"])
def test_the_loader_refuses_a_malformed_or_bare_id(db, token):
    make_user(id=7)
    assert load_user(token) is None


def test_a_bare_id_from_before_session_versions_is_not_accepted(db):
    user = make_user()
    assert load_user(str(user.id)) is None


def test_every_new_password_ends_the_sessions(db):
    user = make_user("an@voorbeeld.be")
    admin = make_user(role=Role.ADMIN)
    versions = [user.session_version]

    services.change_password(user, DEFAULT_PASSWORD, NEW_PASSWORD, by=user)
    versions.append(user.session_version)
    services.reset_password(tokens.make_token(user, tokens.RESET), "nog-een-ander-wachtwoord")
    versions.append(user.session_version)
    invited = services.invite_producer_user("boer@hoeve.be", make_producer(), by=admin)
    before = invited.session_version
    services.accept_invitation(tokens.make_token(invited, tokens.INVITATION), "mijn-hoeve-wachtwoord")

    assert versions == [1, 2, 3]
    assert invited.session_version == before + 1


def test_deactivating_and_changing_a_role_end_the_sessions_but_activating_does_not(db):
    admin = make_staff(role="admin")
    kim = make_staff()
    versions = [kim.session_version]

    staff_admin.deactivate_user(kim, by=admin)
    versions.append(kim.session_version)
    staff_admin.activate_user(kim, by=admin)
    versions.append(kim.session_version)
    staff_admin.change_role(kim, "admin", by=admin)
    versions.append(kim.session_version)

    assert versions == [1, 2, 2, 3]
    assert admin.session_version == 1
