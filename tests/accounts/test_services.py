"""Account rules, without HTTP."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from shop.accounts import services, tokens
from shop.accounts.export import export_personal_data
from shop.accounts.models import Role, User
from shop.core.audit import AuditEntry
from shop.core.errors import DomainError
from shop.invoicing.queries import get_invoice_of
from shop.orders import lifecycle
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxMessage, OutboxStatus
from tests.factories import DEFAULT_PASSWORD, make_order, make_order_data, make_producer, make_user


def _mails(to: str) -> list[OutboxMessage]:
    from shop.extensions import db

    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)))


def _complete(order: Order) -> None:
    handed_over = OrderStatus.SHIPPED if order.shipment.method == "delivery" else OrderStatus.READY_FOR_PICKUP
    for status in (OrderStatus.PAID, OrderStatus.IN_PREPARATION, handed_over, OrderStatus.COMPLETED):
        lifecycle.transition(order, status, actor="staff")


# --- authenticate and password rules ------------------------------------------------------------------------


def test_authenticate_accepts_the_right_password_case_insensitive_email(db):
    user = make_user("An.Peeters@Voorbeeld.be")
    assert services.authenticate(" an.peeters@voorbeeld.BE ", DEFAULT_PASSWORD) is user


@pytest.mark.parametrize("email,password", [
    ("an@voorbeeld.be", "verkeerd-wachtwoord"),
    ("niemand@voorbeeld.be", DEFAULT_PASSWORD),
    ("", DEFAULT_PASSWORD),
    ("an@voorbeeld.be", ""),
])
def test_authenticate_refuses_wrong_or_unknown(db, email, password):
    make_user("an@voorbeeld.be")
    assert services.authenticate(email, password) is None


def test_authenticate_refuses_a_deactivated_user_with_the_right_password(db):
    make_user("an@voorbeeld.be", active=False)
    assert services.authenticate("an@voorbeeld.be", DEFAULT_PASSWORD) is None


def test_authenticate_refuses_a_user_without_password(db):
    make_user("an@voorbeeld.be", password=None)
    assert services.authenticate("an@voorbeeld.be", "") is None


def test_passwords_are_hashed_with_scrypt(db):
    user = make_user()
    assert user.password_hash.startswith("scrypt:")
    assert DEFAULT_PASSWORD not in user.password_hash


@pytest.mark.parametrize("password,problem", [
    ("kort", "Kies een wachtwoord van minstens 12 tekens."),
    ("elf-tekens!", "Kies een wachtwoord van minstens 12 tekens."),
    ("x" * 201, "Kies een wachtwoord van hoogstens 200 tekens."),
    ("an.peeters@voorbeeld.be", "Kies een wachtwoord dat niet je e-mailadres is."),
    ("AN.PEETERS@VOORBEELD.BE", "Kies een wachtwoord dat niet je e-mailadres is."),
    ("an.peeters.lang", None),
    ("twaalf-tekens", None),
])
def test_password_rules(app, password, problem):
    with app.test_request_context():
        result = services.password_problem(password, "an.peeters@voorbeeld.be")
        assert (str(result) if result is not None else None) == problem


# --- password reset -----------------------------------------------------------------------------------------


def test_a_reset_link_is_mailed_to_an_active_user_only(db):
    make_user("an@voorbeeld.be")
    make_user("uit@voorbeeld.be", active=False)
    assert services.request_password_reset("AN@voorbeeld.be") is True
    assert services.request_password_reset("uit@voorbeeld.be") is False
    assert services.request_password_reset("niemand@voorbeeld.be") is False
    mails = _mails("an@voorbeeld.be")
    assert [m.kind for m in mails] == ["account_password_reset"]
    assert mails[0].subject == "Een nieuw wachtwoord voor Lekker Oost-Vlaams"
    assert "http://127.0.0.1:5000/wachtwoord-herstellen/" in mails[0].body_text
    assert "http://127.0.0.1:5000/wachtwoord-herstellen/" in mails[0].body_html
    # the other addresses hear that they have no active account (the same work, so no timing difference)
    others = _mails("uit@voorbeeld.be") + _mails("niemand@voorbeeld.be")
    assert [m.kind for m in others] == ["account_reset_unknown", "account_reset_unknown"]
    assert all("wachtwoord-herstellen" not in m.body_text + m.body_html for m in others)


def test_reset_token_works_once(db):
    user = make_user("an@voorbeeld.be")
    token = tokens.make_token(user, tokens.RESET)
    services.reset_password(token, "een-nieuw-wachtwoord")
    assert services.authenticate("an@voorbeeld.be", "een-nieuw-wachtwoord") is user
    with pytest.raises(DomainError) as error:
        services.reset_password(token, "nog-een-ander-wachtwoord")
    assert str(error.value) == "Deze link is verlopen of al gebruikt. Vraag een nieuwe aan."
    assert services.authenticate("an@voorbeeld.be", "een-nieuw-wachtwoord") is user


def test_reset_token_expires_after_an_hour(db, monkeypatch):
    user = make_user("an@voorbeeld.be")
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
    old = tokens.make_token(user, tokens.RESET)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3500)
    recent = tokens.make_token(user, tokens.RESET)
    monkeypatch.undo()
    assert tokens.load_user_from_token(old, tokens.RESET) is None
    assert tokens.load_user_from_token(recent, tokens.RESET) is user


def test_token_of_one_purpose_does_not_work_for_another(db):
    user = make_user("an@voorbeeld.be", password=None)
    invitation = tokens.make_token(user, tokens.INVITATION)
    assert tokens.load_user_from_token(invitation, tokens.RESET) is None
    assert tokens.load_user_from_token(invitation + "x", tokens.INVITATION) is None
    assert tokens.load_user_from_token(invitation, tokens.INVITATION) is user


def test_reset_refuses_a_weak_password_and_changes_nothing(db):
    user = make_user("an@voorbeeld.be")
    before = user.password_hash
    with pytest.raises(services.WeakPassword):
        services.reset_password(tokens.make_token(user, tokens.RESET), "kort")
    assert user.password_hash == before


# --- invitations --------------------------------------------------------------------------------------------


def test_an_admin_invites_a_producer_user(db):
    admin = make_user("beheer@voorbeeld.be", role=Role.ADMIN)
    producer = make_producer("Hoeve De Kriek")
    user = services.invite_producer_user(" Boer@Hoeve.be ", producer, by=admin)
    assert (user.email, user.role, user.producer_id, user.password_hash, user.active) == (
        "boer@hoeve.be", Role.PRODUCER, producer.id, None, True)
    [mail] = _mails("boer@hoeve.be")
    assert mail.kind == "account_invitation"
    assert mail.subject == "Uitnodiging voor het producentenportaal van Lekker Oost-Vlaams"
    assert "Hoeve De Kriek" in mail.body_text
    assert "http://127.0.0.1:5000/uitnodiging/" in mail.body_text


def test_inviting_again_reuses_the_unactivated_user(db):
    admin = make_user(role=Role.ADMIN)
    producer = make_producer()
    first = services.invite_producer_user("boer@hoeve.be", producer, by=admin)
    second = services.invite_producer_user("boer@hoeve.be", producer, by=admin)
    assert first.id == second.id
    assert len(_mails("boer@hoeve.be")) == 2
    assert db.session.scalar(select(User.id).where(User.email == "boer@hoeve.be")) == first.id


def test_inviting_an_existing_account_is_refused(db):
    admin = make_user(role=Role.ADMIN)
    make_user("klant@voorbeeld.be")
    with pytest.raises(services.EmailInUse) as error:
        services.invite_producer_user("klant@voorbeeld.be", make_producer(), by=admin)
    assert str(error.value) == "Er bestaat al een account met het e-mailadres klant@voorbeeld.be."
    assert _mails("klant@voorbeeld.be") == []


def _invite_producer(by):
    return services.invite_producer_user("boer@hoeve.be", make_producer("Hoeve Audit"), by=by)


def _invite_staff(by):
    return services.invite_staff_user("nieuw@lekkeroostvlaams.be", Role.STAFF, by=by)


@pytest.mark.parametrize("invite", [_invite_producer, _invite_staff], ids=["producer", "staff"])
@pytest.mark.parametrize("role, active", [(Role.CUSTOMER, True), (Role.PRODUCER, True), (Role.STAFF, True),
                                          (Role.ADMIN, False)])
def test_only_an_active_admin_grants_access(db, invite, role, active):
    by = make_user(role=role, active=active)
    with pytest.raises(services.NotAllowed):
        invite(by)
    assert services.get_user_by_email("boer@hoeve.be") is None
    assert services.get_user_by_email("nieuw@lekkeroostvlaams.be") is None
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert db.session.scalars(select(AuditEntry)).all() == []


@pytest.mark.parametrize("invite, detail", [
    (_invite_producer, "boer@hoeve.be (producer: Hoeve Audit)"),
    (_invite_staff, "nieuw@lekkeroostvlaams.be (staff)"),
], ids=["producer", "staff"])
def test_every_invitation_is_recorded_in_the_audit_log(db, invite, detail):
    admin = make_user("beheer@voorbeeld.be", role=Role.ADMIN)
    user = invite(admin)
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.by_user_id, entry.actor, entry.subject_type, entry.subject_id, entry.detail) == (
        "user.invite", admin.id, "beheer@voorbeeld.be", "user", user.id, detail)


def test_an_admin_invites_staff_but_not_customers(db):
    admin = make_user(role=Role.ADMIN)
    user = services.invite_staff_user("nieuw@lekkeroostvlaams.be", Role.STAFF, by=admin)
    assert (user.role, user.producer_id, user.password_hash) == (Role.STAFF, None, None)
    with pytest.raises(DomainError):
        services.invite_staff_user("klant2@voorbeeld.be", Role.CUSTOMER, by=admin)


def test_invitation_link_works_once(db):
    admin = make_user(role=Role.ADMIN)
    user = services.invite_producer_user("boer@hoeve.be", make_producer(), by=admin)
    token = tokens.make_token(user, tokens.INVITATION)
    services.accept_invitation(token, "mijn-hoeve-wachtwoord", "Jef Boer")
    assert (user.name, services.authenticate("boer@hoeve.be", "mijn-hoeve-wachtwoord")) == ("Jef Boer", user)
    with pytest.raises(DomainError):
        services.accept_invitation(token, "een-ander-wachtwoord")


# --- registration -------------------------------------------------------------------------------------------


def test_registration_creates_an_inactive_customer_and_mails_a_confirmation(db):
    services.register_customer("Nieuw@Voorbeeld.be", "Nina Nieuw", "een-goed-wachtwoord")
    user = services.get_user_by_email("nieuw@voorbeeld.be")
    assert (user.email, user.name, user.role, user.active) == ("nieuw@voorbeeld.be", "Nina Nieuw", Role.CUSTOMER, False)
    assert services.authenticate("nieuw@voorbeeld.be", "een-goed-wachtwoord") is None
    [mail] = _mails("nieuw@voorbeeld.be")
    assert mail.kind == "account_confirm"
    assert "http://127.0.0.1:5000/account/bevestigen/" in mail.body_text


def test_registration_with_an_existing_address_mails_its_owner_and_changes_nothing(db):
    user = make_user("an@voorbeeld.be", name="An")
    before = user.password_hash
    services.register_customer("an@voorbeeld.be", "Indringer", "een-goed-wachtwoord")
    assert (user.name, user.password_hash) == ("An", before)
    assert [m.kind for m in _mails("an@voorbeeld.be")] == ["account_exists"]


def test_confirmation_activates_and_attaches_guest_orders_once(db):
    mine = make_order(data=make_order_data(email="Nina@voorbeeld.be"))
    other = make_order(data=make_order_data(email="iemand@voorbeeld.be"))
    services.register_customer("nina@voorbeeld.be", "Nina", "een-goed-wachtwoord")
    user = services.get_user_by_email("nina@voorbeeld.be")
    token = tokens.make_token(user, tokens.CONFIRMATION)
    confirmed, attached = services.confirm_email(token)
    db.session.expire_all()
    assert (confirmed, attached, user.active) == (user, 1, True)
    assert (mine.user_id, other.user_id) == (user.id, None)
    with pytest.raises(DomainError):
        services.confirm_email(token)


def test_a_deactivated_customer_cannot_reactivate_by_registering_again(db):
    services.register_customer("nina@voorbeeld.be", "Nina", "een-goed-wachtwoord")
    user = services.get_user_by_email("nina@voorbeeld.be")
    services.confirm_email(tokens.make_token(user, tokens.CONFIRMATION))
    assert user.email_confirmed_at is not None
    user.active = False  # deactivated by the shop
    before = user.password_hash
    services.register_customer("nina@voorbeeld.be", "Nina Opnieuw", "een-ander-wachtwoord")
    assert (user.active, user.name, user.password_hash) == (False, "Nina", before)
    assert [m.kind for m in _mails("nina@voorbeeld.be")][-1] == "account_exists"
    with pytest.raises(DomainError):
        services.confirm_email(tokens.make_token(user, tokens.CONFIRMATION))
    assert user.active is False


# --- export and deletion ------------------------------------------------------------------------------------


def test_export_names_the_producer_of_a_producer_user_only(db):
    farmer = make_user("boer@hoeve.be", role=Role.PRODUCER, producer=make_producer("Hoeve De Kriek"))
    assert export_personal_data(farmer)["profile"]["producer"] == "Hoeve De Kriek"
    assert export_personal_data(make_user())["profile"]["producer"] is None


def test_export_holds_profile_orders_shipments_gift_messages_and_mails(db):
    user = make_user("an@voorbeeld.be", name="An Peeters")
    order = make_order(data=make_order_data("delivery", email="an@voorbeeld.be", is_gift=True,
                                            gift_message="Gelukkige verjaardag!"), by=user)
    lifecycle.transition(order, OrderStatus.PAID, actor="stripe")
    data = export_personal_data(user)
    assert data["profile"]["email"] == "an@voorbeeld.be"
    assert data["profile"]["name"] == "An Peeters"
    assert data["profile"]["role"] == "customer"
    [exported] = data["orders"]
    assert exported["number"] == order.number
    assert exported["contact"] == {"name": "An Peeters", "email": "an@voorbeeld.be", "phone": "0470 12 34 56"}
    assert exported["shipments"][0]["recipient_name"] == "Jan Peeters"
    assert exported["shipments"][0]["street"] == "Veldstraat 1"
    assert exported["shipments"][0]["gift_message"] == "Gelukkige verjaardag!"
    assert exported["lines"][0]["quantity"] == 2
    assert exported["invoice"]["number"] == get_invoice_of(order).number
    assert exported["invoice"]["buyer"] == get_invoice_of(order).buyer
    assert [m["kind"] for m in data["emails"]] == ["order_confirmed"]


def test_deletion_anonymises_the_user_and_orders_and_keeps_accounting(db):
    user = make_user("an@voorbeeld.be", name="An Peeters")
    order = make_order(data=make_order_data("delivery", email="an@voorbeeld.be", is_gift=True,
                                            gift_message="Proficiat"), by=user)
    guest_order = make_order(data=make_order_data(email="AN@voorbeeld.be"))
    _complete(order)
    lifecycle.transition(guest_order, OrderStatus.CANCELLED, actor="system")
    total, number, invoice_number = order.total_cents, order.number, get_invoice_of(order).number
    lines = [(line.name, line.quantity, line.total_cents, line.vat_rate) for line in order.lines]
    for mail in _mails("an@voorbeeld.be"):
        mail.status = OutboxStatus.SENT
    sent_count = sorted(m.kind for m in _mails("an@voorbeeld.be"))
    assert sent_count == ["order_confirmed", "order_shipped"]
    services.request_password_reset("an@voorbeeld.be")  # still pending: dropped, never delivered

    services.delete_account(user, DEFAULT_PASSWORD, by=user)

    assert (user.email, user.name, user.password_hash, user.active) == (f"deleted-{user.id}@invalid", "", None, False)
    for kept in (order, guest_order):
        assert (kept.email, kept.name, kept.phone, kept.user_id) == (f"deleted-{user.id}@invalid", "", "", user.id)
    shipment = order.shipment
    assert (shipment.recipient_name, shipment.street, shipment.gift_message) == ("", "", "")
    assert (order.number, order.total_cents, get_invoice_of(order).number) == (number, total, invoice_number)
    assert [(line.name, line.quantity, line.total_cents, line.vat_rate) for line in order.lines] == lines
    assert _mails("an@voorbeeld.be") == []
    sent = _mails(f"deleted-{user.id}@invalid")
    assert sorted(m.kind for m in sent) == sent_count
    assert all(m.body_text == "" and m.body_html == "" and m.attachments == [] for m in sent)
    assert "account_password_reset" not in [m.kind for m in sent]
    assert services.authenticate("an@voorbeeld.be", DEFAULT_PASSWORD) is None


def test_deletion_is_refused_while_an_order_is_open(db):
    user = make_user("an@voorbeeld.be", name="An")
    order = make_order(data=make_order_data(email="an@voorbeeld.be"), by=user)
    lifecycle.transition(order, OrderStatus.PAID, actor="stripe")
    with pytest.raises(services.OpenOrders) as error:
        services.delete_account(user, DEFAULT_PASSWORD, by=user)
    assert str(error.value) == (f"Je hebt nog lopende bestellingen ({order.number}). Je kunt je account verwijderen "
                                "zodra ze afgerond of geannuleerd zijn.")
    assert (user.email, user.active, order.name) == ("an@voorbeeld.be", True, "An Peeters")


def test_deletion_needs_the_password_and_a_customer(db):
    user = make_user("an@voorbeeld.be")
    with pytest.raises(DomainError) as error:
        services.delete_account(user, "verkeerd-wachtwoord", by=user)
    assert str(error.value) == "Het wachtwoord klopt niet."
    producer_user = make_user(role=Role.PRODUCER)
    with pytest.raises(services.NotAllowed):
        services.delete_account(producer_user, DEFAULT_PASSWORD, by=producer_user)
    with pytest.raises(services.NotAllowed):
        services.delete_account(user, DEFAULT_PASSWORD, by=producer_user)
    assert user.active and producer_user.active
