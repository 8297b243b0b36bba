"""Staff users as admins manage them: invite, deactivate, activate, change role; the last admin stays."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.accounts.models import Role, User
from shop.accounts.services import EmailInUse, NotAllowed, authenticate
from shop.accounts.staff_admin import (
    LastAdmin,
    NotAllowed,
    OwnAccount,
    UserStateError,
    activate_user,
    change_role,
    count_active_admins,
    deactivate_user,
    invite_staff,
    list_staff_users,
)
from shop.core.audit import AuditEntry
from shop.core.errors import DomainError
from shop.extensions import db as _db
from shop.outbox.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, make_staff, make_user
from tests.helpers import race


@pytest.fixture
def admin(db):
    return make_staff("an@groot-vleeshuis.be", role="admin")


def test_list_staff_users_shows_staff_and_admins_active_first(db, admin):
    make_user("klant@voorbeeld.be")
    make_user(role="producer")
    kim = make_staff("kim@groot-vleeshuis.be")
    old = make_staff("oud@groot-vleeshuis.be", active=False)

    assert [u.email for u in list_staff_users()] == [admin.email, kim.email, old.email]


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_invite_staff_creates_the_user_with_the_role_and_queues_the_invitation(db, admin, role):
    user = invite_staff(" Nieuw@Groot-Vleeshuis.be ", role, by=admin)
    db.session.commit()

    assert (user.email, user.role, user.active, user.password_hash) == ("nieuw@groot-vleeshuis.be", Role(role),
                                                                        True, None)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account_invitation"))
    assert message.to_address == "nieuw@groot-vleeshuis.be"
    assert message.subject == "Uitnodiging voor de beheeromgeving van Lekker Oost-Vlaams"
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "user.invite")) == \
        f"nieuw@groot-vleeshuis.be ({role})"


@pytest.mark.parametrize("email, role", [("geen-adres", "staff"), ("a@b.be", "producer"), ("a@b.be", "customer")])
def test_invite_staff_refuses_bad_input(db, admin, email, role):
    with pytest.raises(DomainError):
        invite_staff(email, role, by=admin)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_only_an_admin_may_invite_or_change_staff(db):
    staff = make_staff()
    other = make_staff()

    with pytest.raises(NotAllowed):
        invite_staff("x@groot-vleeshuis.be", "staff", by=staff)
    with pytest.raises(NotAllowed):
        deactivate_user(other, by=staff)
    with pytest.raises(NotAllowed):
        change_role(other, "admin", by=staff)


def test_inviting_an_address_with_an_account_is_refused(db, admin):
    make_user("klant@voorbeeld.be")

    with pytest.raises(EmailInUse):
        invite_staff("klant@voorbeeld.be", "staff", by=admin)


def test_deactivated_staff_can_no_longer_log_in_and_activating_lets_them_again(db, admin):
    kim = make_staff("kim@groot-vleeshuis.be")
    db.session.commit()

    deactivate_user(kim, by=admin)
    db.session.commit()

    assert kim.active is False
    assert authenticate("kim@groot-vleeshuis.be", DEFAULT_PASSWORD) is None
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "user.deactivate")) == kim.email

    activate_user(kim, by=admin)
    db.session.commit()

    assert authenticate("kim@groot-vleeshuis.be", DEFAULT_PASSWORD).id == kim.id


def test_deactivating_or_activating_twice_is_refused(db, admin):
    kim = make_staff()
    deactivate_user(kim, by=admin)

    with pytest.raises(UserStateError):
        deactivate_user(kim, by=admin)
    activate_user(kim, by=admin)
    with pytest.raises(UserStateError):
        activate_user(kim, by=admin)


def test_an_admin_cannot_deactivate_or_demote_themselves(db, admin):
    make_staff(role="admin")

    with pytest.raises(OwnAccount):
        deactivate_user(admin, by=admin)
    with pytest.raises(OwnAccount):
        change_role(admin, "staff", by=admin)
    assert (admin.active, admin.role) == (True, Role.ADMIN)


def test_a_deactivated_admin_can_no_longer_manage_staff(db, admin):
    second = make_staff("tweede@groot-vleeshuis.be", role="admin")
    deactivate_user(second, by=admin)
    db.session.commit()

    with pytest.raises(NotAllowed):
        deactivate_user(admin, by=second)


def test_removing_the_last_active_admin_is_refused(db, admin):
    other = make_staff("tweede@groot-vleeshuis.be", role="admin")
    change_role(admin, "staff", by=other)
    db.session.commit()
    assert count_active_admins() == 1
    # ``admin`` as loaded before it lost its role (an open request): it still passes as an admin, but the
    # rule counts what is in the database.
    stale = User(id=admin.id, email=admin.email, role=Role.ADMIN, active=True)

    with pytest.raises(LastAdmin):
        deactivate_user(other, by=stale)
    db.session.rollback()
    with pytest.raises(LastAdmin):
        change_role(other, "staff", by=stale)
    db.session.rollback()

    other = db.session.get(User, other.id)
    assert (other.active, other.role) == (True, Role.ADMIN)


def test_an_inactive_admin_may_be_demoted_while_another_admin_is_active(db, admin):
    old = make_staff("oud@groot-vleeshuis.be", role="admin", active=False)

    change_role(old, "staff", by=admin)

    assert (old.role, old.active) == (Role.STAFF, False)


def test_change_role_promotes_and_demotes(db, admin):
    kim = make_staff("kim@groot-vleeshuis.be")

    change_role(kim, "admin", by=admin)
    assert kim.role == Role.ADMIN
    with pytest.raises(UserStateError):
        change_role(kim, "admin", by=admin)
    change_role(kim, "staff", by=admin)
    db.session.commit()

    assert kim.role == Role.STAFF
    assert list(db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "user.role")
                                   .order_by(AuditEntry.id))) == [
        "kim@groot-vleeshuis.be: staff -> admin", "kim@groot-vleeshuis.be: admin -> staff"]


@pytest.mark.parametrize("role", ["producer", "customer", ""])
def test_change_role_accepts_only_staff_or_admin(db, admin, role):
    kim = make_staff()

    with pytest.raises(DomainError):
        change_role(kim, role, by=admin)
    assert kim.role == Role.STAFF


def test_customers_and_producers_are_not_managed_here(db, admin):
    customer = make_user()

    with pytest.raises(DomainError):
        deactivate_user(customer, by=admin)
    with pytest.raises(DomainError):
        change_role(customer, "admin", by=admin)
    assert (customer.active, customer.role) == (True, Role.CUSTOMER)


def _race(app, pairs: list[tuple[int, int]]) -> list[str]:
    """Each (actor, target) pair deactivates in its own thread, app context and session; returns outcomes."""
    def act(actor_id: int, target_id: int):
        def step() -> str:
            actor = _db.session.get(User, actor_id)
            target = _db.session.get(User, target_id)
            deactivate_user(target, by=actor)
            return "deactivated"
        return step

    # The second admin is refused either way: as the last admin (both started at once), or, when the first
    # one finished before the second even loaded its own account, because it is no longer an active admin.
    return race(app, [act(*pair) for pair in pairs], outcomes={LastAdmin: "refused", NotAllowed: "refused"})


def test_two_admins_deactivating_each_other_at_once_leave_one_admin(app, db):
    first = make_staff("een@groot-vleeshuis.be", role="admin")
    second = make_staff("twee@groot-vleeshuis.be", role="admin")
    db.session.commit()
    ids = (first.id, second.id)
    db.session.commit()

    results = _race(app, [(ids[0], ids[1]), (ids[1], ids[0])])

    assert sorted(results) == ["deactivated", "refused"], results
    db.session.expire_all()
    assert count_active_admins() == 1
