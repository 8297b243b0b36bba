"""Staff users as admins manage them: list, invite, deactivate, activate, change role (staff <-> admin).

Rules:
- Only an admin may change staff users; only staff and admin accounts are managed here.
- An admin cannot deactivate or demote themselves (someone else must), and the shop always keeps at least
  one active admin: deactivating or demoting the last one is refused (``LastAdmin``), also when two admins
  act at the same time. The active admins' rows are locked first (``FOR UPDATE`` on PostgreSQL); on SQLite
  the conditional UPDATE takes the database's write lock before the admins are counted.
- A deactivated user cannot log in (``services.authenticate``) and every open session ends: the session
  version is raised in the same UPDATE (``shop.accounts.auth.load_user``), as it is on a role change, so the
  person logs in again and gets a session made for the new role.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from shop.accounts.models import Role, User
from shop.accounts.services import NotAllowed, invite_staff_user, is_active_admin
from shop.core.audit import record_action
from shop.core.errors import DomainError
from shop.extensions import db

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


class LastAdmin(DomainError):
    pass


class OwnAccount(DomainError):
    pass


class UserStateError(DomainError):
    """The user is already in the state asked for (a replayed form, or another admin was first)."""


def list_staff_users() -> list[User]:
    """Staff and admin accounts: active ones first, admins before staff, then by e-mail. One query."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(STAFF_ROLES))
        .order_by(User.active.desc(), User.role, func.lower(User.email))
    ))


def get_staff_user(user_id: int) -> User | None:
    return db.session.scalar(select(User).where(User.id == user_id, User.role.in_(STAFF_ROLES)))


def count_active_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))
    ) or 0


def _check_admin(by) -> None:
    if not is_active_admin(by):
        raise NotAllowed(_l("Alleen beheerders kunnen medewerkers beheren."))


def _check_staff(user: User) -> None:
    if user.role not in STAFF_ROLES:
        raise DomainError(_l("Hier beheer je alleen medewerkers en beheerders."))


def _lock_active_admins() -> None:
    """Lock the active admins' rows (PostgreSQL; SQLite ignores FOR UPDATE) in id order, so two admins who
    remove admins at the same time are serialised and the second one counts what the first one left."""
    db.session.execute(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id).with_for_update()
    ).all()


def _keep_an_admin(user: User) -> None:
    """After ``user`` stopped being an active admin (not committed yet): refuse if none is left."""
    if count_active_admins() < 1:
        raise LastAdmin(_l("%(email)s is de laatste actieve beheerder. Maak eerst iemand anders beheerder."),
                        email=user.email)


def invite_staff(email: str, role: str, *, by) -> User:
    """Invite a staff member or admin by e-mail (``services.invite_staff_user``, which records it).

    Raises DomainError for an address that does not look like one or a role other than staff or admin,
    NotAllowed unless ``by`` is an admin, EmailInUse when the address has an (activated) account. Never commits.
    """
    from shop.core.email_address import EMAIL

    _check_admin(by)
    address = (email or "").strip()
    if not EMAIL.match(address) or len(address) > 254:
        raise DomainError(_l("Geef een e-mailadres zoals naam@voorbeeld.be."))
    if role not in {r.value for r in STAFF_ROLES}:
        raise DomainError(_l("Kies de rol medewerker of beheerder."))
    return invite_staff_user(address, Role(role), by=by)


def _set_active(user: User, active: bool) -> bool:
    """Flip ``active`` only when it is not already so (a conditional UPDATE, so of two admins clicking at the
    same time one wins); whether this call changed it. Deactivating ends the user's sessions. The user's row
    is read again either way."""
    values = {"active": active}
    if not active:
        values["session_version"] = User.session_version + 1
    changed = db.session.execute(
        update(User).where(User.id == user.id, User.active.is_(not active)).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(user, ["active", "role", "session_version"])
    return changed == 1


def deactivate_user(user: User, *, by) -> None:
    """Deactivate a staff member or admin: no more log-in, open sessions end.

    Raises NotAllowed (``by`` is no admin), OwnAccount (one's own account), LastAdmin (the last active
    admin), UserStateError (already inactive). Never commits.
    """
    _check_admin(by)
    _check_staff(user)
    if user.id == by.id:
        raise OwnAccount(_l("Je kunt je eigen account niet deactiveren. Vraag een andere beheerder."))
    if user.role == Role.ADMIN:
        _lock_active_admins()
    if not _set_active(user, False):
        raise UserStateError(_l("%(email)s is al gedeactiveerd."), email=user.email)
    if user.role == Role.ADMIN:
        _keep_an_admin(user)
    record_action("user.deactivate", by=by, subject_type="user", subject_id=user.id, detail=user.email)


def activate_user(user: User, *, by) -> None:
    """Let a deactivated staff member or admin log in again. Raises NotAllowed, UserStateError. Never commits."""
    _check_admin(by)
    _check_staff(user)
    if not _set_active(user, True):
        raise UserStateError(_l("%(email)s is al actief."), email=user.email)
    record_action("user.activate", by=by, subject_type="user", subject_id=user.id, detail=user.email)


def change_role(user: User, role: str, *, by) -> None:
    """Make a staff member an admin or an admin a staff member; their open sessions end.

    Raises NotAllowed (``by`` is no admin), DomainError (not staff, unknown role), OwnAccount (one's own
    role), LastAdmin (demoting the last active admin), UserStateError (already that role). Never commits.
    """
    _check_admin(by)
    _check_staff(user)
    if role not in {r.value for r in STAFF_ROLES}:
        raise DomainError(_l("Kies de rol medewerker of beheerder."))
    new_role = Role(role)
    if user.id == by.id:
        raise OwnAccount(_l("Je kunt je eigen rol niet wijzigen. Vraag een andere beheerder."))
    old_role = Role(user.role)
    if old_role == Role.ADMIN:
        _lock_active_admins()
    changed = db.session.execute(
        update(User).where(User.id == user.id, User.role == old_role, User.role != new_role)
        .values(role=new_role, session_version=User.session_version + 1)  # their sessions end
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(user, ["active", "role", "session_version"])
    if changed != 1:
        if user.role == new_role:
            raise UserStateError(_l("%(email)s heeft die rol al."), email=user.email)
        raise UserStateError(_l("De rol van %(email)s is intussen gewijzigd. Kijk opnieuw."), email=user.email)
    if old_role == Role.ADMIN:
        _keep_an_admin(user)
    record_action("user.role", by=by, subject_type="user", subject_id=user.id,
                  detail=f"{user.email}: {old_role.value} -> {new_role.value}")
