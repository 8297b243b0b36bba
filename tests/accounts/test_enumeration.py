"""Registration and the password-reset request do not reveal which addresses have an account: not by the
page, not by the mails queued, not by the work done (the password hasher is what makes a path slow).

The work is counted, never timed: the hasher behind ``User.hash_password`` is wrapped to count its calls.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.outbox.models import OutboxMessage
from tests.factories import make_staff, make_user

PASSWORD = "een-goed-wachtwoord"


@pytest.fixture
def hash_calls(monkeypatch):
    """Count the calls of the password hasher behind ``User.hash_password`` (it still hashes)."""
    from shop.accounts import models

    calls: list[int] = []
    real = models.generate_password_hash

    def counting(password: str, *args, **kwargs) -> str:
        calls.append(1)
        return real(password, *args, **kwargs)

    monkeypatch.setattr(models, "generate_password_hash", counting)
    return calls


@pytest.fixture
def accounts(db):
    """An active customer, a deactivated (once confirmed) customer, a customer who registered but never
    confirmed, and a staff member."""
    make_user("actief@voorbeeld.be")
    make_user("uit@voorbeeld.be", active=False, email_confirmed_at=datetime(2026, 1, 5, tzinfo=UTC))
    make_user("onbevestigd@voorbeeld.be", active=False)
    make_staff("personeel@voorbeeld.be")
    db.session.commit()


def _queued(db) -> list[tuple[str, str]]:
    return db.session.execute(select(OutboxMessage.to_address, OutboxMessage.kind).order_by(OutboxMessage.id)).all()


def _try(client, hash_calls, url: str, data: dict) -> tuple[int, str, str, int]:
    """Post the form; the answer (status, where to, the page shown there) and how often it hashed."""
    hash_calls.clear()
    response = client.post(url, data=data)
    page = client.get(response.location).get_data(as_text=True)
    return response.status_code, response.location, page, len(hash_calls)


REGISTRATION_KINDS = {
    "onbevestigd@voorbeeld.be": "account_confirm",
    "actief@voorbeeld.be": "account_exists",
    "uit@voorbeeld.be": "account_exists",
    "personeel@voorbeeld.be": "account_exists",
}


def _register(client, hash_calls, email):
    return _try(client, hash_calls, "/account/registreren",
                {"name": "Iemand", "email": email, "password": PASSWORD, "password_again": PASSWORD})


@pytest.mark.parametrize("email", list(REGISTRATION_KINDS))
def test_registration_answers_mails_and_hashes_as_for_a_new_address(client, db, accounts, hash_calls, email):
    new = _register(client, hash_calls, "nieuw@voorbeeld.be")
    known = _register(client, hash_calls, email)

    assert new[:2] == (303, "/account/registreren/verstuurd")
    assert known == new
    assert new[3] == 1  # the password is hashed once on every path
    assert _queued(db) == [("nieuw@voorbeeld.be", "account_confirm"), (email, REGISTRATION_KINDS[email])]


RESET_KINDS = {
    "actief@voorbeeld.be": "account_password_reset",
    "personeel@voorbeeld.be": "account_password_reset",
    "uit@voorbeeld.be": "account_reset_unknown",
    "onbevestigd@voorbeeld.be": "account_reset_unknown",
}


@pytest.mark.parametrize("email", list(RESET_KINDS))
def test_a_reset_request_answers_mails_and_hashes_as_for_an_unknown_address(client, db, accounts, hash_calls,
                                                                            email):
    unknown = _try(client, hash_calls, "/wachtwoord-vergeten", {"email": "niemand@voorbeeld.be"})
    known = _try(client, hash_calls, "/wachtwoord-vergeten", {"email": email})

    assert unknown[:2] == (303, "/wachtwoord-vergeten/verstuurd")
    assert known == unknown  # the same page, and the same number of hasher calls (none on either path)
    assert _queued(db) == [("niemand@voorbeeld.be", "account_reset_unknown"), (email, RESET_KINDS[email])]


def test_the_mail_for_an_address_without_an_active_account_says_so_and_shows_the_way(client, db, accounts):
    client.post("/wachtwoord-vergeten", data={"email": "Niemand@Voorbeeld.be"})

    mail = db.session.scalar(select(OutboxMessage))
    assert (mail.to_address, mail.subject) == ("niemand@voorbeeld.be", "Een nieuw wachtwoord voor Lekker Oost-Vlaams")
    assert "bij dit adres hoort geen actief account" in mail.body_text
    assert "http://127.0.0.1:5000/account/registreren" in mail.body_text
    assert "/wachtwoord-herstellen/" not in mail.body_text


def test_registering_a_known_address_changes_nothing_of_the_account(client, db, accounts):
    user = db.session.scalar(select(User).where(User.email == "personeel@voorbeeld.be"))
    before = (user.password_hash, user.name, user.role, user.session_version)

    client.post("/account/registreren", data={"name": "Indringer", "email": "personeel@voorbeeld.be",
                                              "password": PASSWORD, "password_again": PASSWORD})

    db.session.expire_all()
    assert (user.password_hash, user.name, user.role, user.session_version) == before
    assert before[2] == Role.STAFF
