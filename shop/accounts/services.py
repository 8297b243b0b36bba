"""Accounts: log-in checks, password rules and resets, invitations, registration, deletion.

Services take the actor as ``by=``, never read ``current_user`` or ``request``, never commit, and raise
``DomainError`` with a translatable message when a rule is broken.

Rules kept here:
- E-mail addresses are compared case-insensitively (stored as given, looked up lower-cased).
- Unknown address, wrong password, deactivated account: one answer (no account enumeration).
- Passwords: at least 12 characters, at most 200, not the e-mail address (nor its part before the @).
- A password reset is offered only to active accounts; invitations create (or reuse, while never activated)
  a user without a password. Only an active admin grants access to the back office or a producer's portal
  (the same rule as the back office's admin pages), and every invitation is written to the audit log in the
  same transaction; registration creates an inactive customer that becomes active when the e-mailed
  confirmation link is followed. Only then are earlier guest orders with that (now proven) address attached
  (shop.accounts.personal_data: the orders domain claims them).
- A new password (changed, reset, chosen through an invitation), a log-out and a deletion end every session of
  the user (``end_sessions``: the session version in the database, checked at every request).
- Deletion (customers only): refused while an order is open; the user row is deactivated and anonymised,
  orders keep their accounting data (number, lines, amounts, VAT, invoice, company billing data) and lose
  their contact data (name, e-mail, phone, recipient, street, gift message, tracking reference); the company
  profile (shop.accounts.company) is deleted.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from shop.accounts import personal_data, tokens
from shop.accounts.models import Role, User
from shop.core.audit import record_action
from shop.core.db import add_unless_taken, utcnow
from shop.core.errors import DomainError
from shop.core.links import absolute_url_for
from shop.extensions import db
from shop.outbox.models import OutboxAttachment, OutboxMessage, OutboxStatus
from shop.outbox.services import enqueue

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200

_dummy_hash: str | None = None


class WeakPassword(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class EmailInUse(DomainError):
    pass


class OpenOrders(DomainError):
    pass


def is_active_admin(user) -> bool:
    """Whether ``user`` may grant access (invite staff or producer users, change roles): an active admin."""
    return user is not None and getattr(user, "role", None) == Role.ADMIN and bool(getattr(user, "active", False))


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def get_user_by_email(email: str | None) -> User | None:
    address = normalise_email(email)
    if not address:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == address))


def _add_new_user(user: User) -> User | None:
    """Store ``user``, new at an address that had no account when it was looked up; None when another request
    stored one at that address meanwhile (two submits of one form at once: the address's unique index decides)."""
    return user if add_unless_taken(user) else None


def authenticate(email: str | None, password: str | None) -> User | None:
    """The active user with this e-mail and password, else None (unknown, wrong and deactivated look alike).

    An unknown address still costs one scrypt check, so timing does not reveal which addresses exist.
    """
    global _dummy_hash
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        if _dummy_hash is None:
            _dummy_hash = generate_password_hash("not-a-real-password", method="scrypt")
        check_password_hash(_dummy_hash, password or "")
        return None
    if not user.check_password(password or ""):
        return None
    return user if user.is_active else None


def password_problem(password: str | None, email: str | None):
    """The translated reason a new password is refused, or None when it is acceptable."""
    password = password or ""
    address = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Kies een wachtwoord van minstens %(count)s tekens.", count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Kies een wachtwoord van hoogstens %(count)s tekens.", count=MAX_PASSWORD_LENGTH)
    lowered = password.strip().lower()
    if address and (lowered == address or lowered == address.split("@")[0]):
        return _l("Kies een wachtwoord dat niet je e-mailadres is.")
    return None


def record_login(user: User) -> None:
    """Remember when ``user`` last logged in. Never commits."""
    user.last_login_at = utcnow()


def end_sessions(user: User) -> None:
    """End every session of ``user`` (all browsers, every web instance, copied cookies too): raise the
    session version that each session's cookie must match (``shop.accounts.auth.load_user``). A browser
    that should stay signed in logs in again after the commit. Never commits."""
    user.session_version = User.session_version + 1  # in SQL: two requests at once both count
    db.session.flush()


def set_new_password(user: User, password: str, *, by) -> None:
    """Set ``user``'s password after checking the rules; raises WeakPassword. Used links stop working and
    every open session of the user ends (``end_sessions``)."""
    problem = password_problem(password, user.email)
    if problem is not None:
        raise WeakPassword(problem)
    user.set_password(password)
    end_sessions(user)


def change_password(user: User, current_password: str, new_password: str, *, by) -> None:
    """Change one's own password; raises NotAllowed, DomainError (wrong current password) or WeakPassword."""
    if by is None or by.id != user.id:
        raise NotAllowed(_l("Je kunt alleen je eigen wachtwoord wijzigen."))
    if not user.check_password(current_password or ""):
        raise DomainError(_l("Je huidige wachtwoord klopt niet."))
    set_new_password(user, new_password, by=by)


# --- mail ------------------------------------------------------------------------------------------------


def _queue_mail(user: User | None, name: str, subject_text, *, to: str | None = None, locale: str | None = None,
                **context) -> None:
    """Render ``emails/<name>`` in the user's language (or ``locale`` when there is no user) and queue it to
    ``to`` (default: the user's address)."""
    from shop.core.settings import get_settings

    settings = get_settings()
    locale = (user.locale if user is not None else locale) or "nl"
    with force_locale(locale):
        subject = str(subject_text)
        body_context = dict(user=user, subject=subject, settings=settings, locale=locale, **context)
        text = render_template(f"emails/{name}.txt", **body_context)
        html = render_template(f"emails/{name}.html", **body_context)
    enqueue(kind=name, to=to or user.email, subject=subject, text=text, html=html,
            reply_to=settings.seller_email)


# --- password reset --------------------------------------------------------------------------------------


def request_password_reset(email: str | None, *, locale: str = "nl") -> bool:
    """Queue a reset link (valid 1 hour, once) when an active account has this e-mail; True if it did.

    Any other address gets one mail too (``account_reset_unknown``, in ``locale``: no active account here,
    how to register), so both paths do the same work (one look-up, one mail rendered and queued) and the
    caller answers the same: neither the page nor its timing tells whether the address has an account.
    """
    address = normalise_email(email)
    user = get_user_by_email(address)
    if user is None or not user.is_active:
        with force_locale(locale):
            subject = _("Een nieuw wachtwoord voor Lekker Oost-Vlaams")
        _queue_mail(None, "account_reset_unknown", subject, to=address, locale=locale,
                    link=absolute_url_for("accounts.forgot_password"),
                    register_link=absolute_url_for("accounts.register"))
        return False
    link = absolute_url_for("accounts.reset_password", token=tokens.make_token(user, tokens.RESET))
    with force_locale(user.locale or "nl"):
        subject = _("Een nieuw wachtwoord voor Lekker Oost-Vlaams")
    _queue_mail(user, "account_password_reset", subject, link=link, hours=1)
    return True


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link; raises DomainError when the link is invalid or used."""
    user = tokens.load_user_from_token(token, tokens.RESET)
    if user is None or not user.is_active:
        raise DomainError(_l("Deze link is verlopen of al gebruikt. Vraag een nieuwe aan."))
    set_new_password(user, password, by=user)
    return user


# --- invitations -----------------------------------------------------------------------------------------


def _invite(email: str, role: Role, producer, *, by) -> User:
    """The one place a user is given access by someone else: create or reuse the user, queue the invitation
    and record it in the audit log (``user.invite``). The callers checked that ``by`` is an active admin."""
    address = normalise_email(email)
    producer_id = producer.id if producer is not None else None
    user = get_user_by_email(address)
    if user is None:
        user = _add_new_user(User(email=address, name="", role=role, producer_id=producer_id, active=True,
                                  password_hash=None)) or get_user_by_email(address)  # or the one stored meanwhile
    reusable = user.password_hash is None and user.role == role and user.producer_id == producer_id
    if not reusable:
        raise EmailInUse(_l("Er bestaat al een account met het e-mailadres %(email)s.", email=address))
    user.active = True
    link = absolute_url_for("accounts.accept_invitation", token=tokens.make_token(user, tokens.INVITATION))
    with force_locale(user.locale or "nl"):
        if producer is not None:
            subject = _("Uitnodiging voor het producentenportaal van Lekker Oost-Vlaams")
        else:
            subject = _("Uitnodiging voor de beheeromgeving van Lekker Oost-Vlaams")
    _queue_mail(user, "account_invitation", subject, link=link, days=7, producer=producer,
                inviter=getattr(by, "name", "") or "")
    detail = f"{user.email} ({role.value})" if producer is None else f"{user.email} ({role.value}: {producer.name})"
    record_action("user.invite", by=by, subject_type="user", subject_id=user.id, detail=detail)
    return user


def invite_producer_user(email: str, producer, *, by) -> User:
    """Create (or reuse, while never activated) a producer user of ``producer`` and queue the invitation.

    The link (``/uitnodiging/<token>``) is valid 7 days and works once. Raises NotAllowed unless ``by`` is an
    active admin (a portal log-in is access, granted like staff access), EmailInUse when the address belongs
    to another (or an activated) account. Recorded in the audit log. Never commits.
    """
    if not is_active_admin(by):
        raise NotAllowed(_l("Alleen beheerders kunnen producenten uitnodigen."))
    if producer is None:
        raise DomainError(_l("Kies de producent voor deze gebruiker."))
    return _invite(email, Role.PRODUCER, producer, by=by)


def invite_staff_user(email: str, role: Role, *, by) -> User:
    """Invite a staff member or admin; only active admins may. Raises NotAllowed, EmailInUse or DomainError.
    Recorded in the audit log. Never commits."""
    if not is_active_admin(by):
        raise NotAllowed(_l("Alleen beheerders kunnen medewerkers uitnodigen."))
    if role not in (Role.STAFF, Role.ADMIN):
        raise DomainError(_l("Kies de rol medewerker of beheerder."))
    return _invite(email, Role(role), None, by=by)


def accept_invitation(token: str, password: str, name: str = "") -> User:
    """Choose a password through an invitation link; raises DomainError when it is invalid or used."""
    user = tokens.load_user_from_token(token, tokens.INVITATION)
    if user is None or not user.is_active or user.password_hash is not None:
        raise DomainError(_l("Deze uitnodiging is verlopen of al gebruikt. Vraag de winkel om een nieuwe."))
    set_new_password(user, password, by=user)
    user.email_confirmed_at = utcnow()  # the invitation link reached this address
    if name:
        user.name = name.strip()[:160]
    return user


# --- registration ----------------------------------------------------------------------------------------


def register_customer(email: str, name: str, password: str, *, locale: str = "nl") -> None:
    """Register a customer; always answers the same (a mail is on its way) so no address is revealed.

    - new address: an inactive customer is created and a confirmation link (7 days, once) is mailed;
    - a customer who registered but never confirmed: name and password are replaced, the link mailed again;
    - an existing account: a mail tells its owner so, with a link to reset the password.
    Every path hashes the password once and queues one mail, so the time taken does not tell them apart.
    Raises WeakPassword before anything changes.
    """
    address = normalise_email(email)
    problem = password_problem(password, address)
    if problem is not None:
        raise WeakPassword(problem)
    user = get_user_by_email(address)
    if user is None:  # a new address; or, registered meanwhile by another submit, that account
        user = (_add_new_user(User(email=address, name="", role=Role.CUSTOMER, active=False, locale=locale))
                or get_user_by_email(address))
    if user.is_active or user.role != Role.CUSTOMER or user.email_confirmed_at is not None:
        User.hash_password(password)  # thrown away: the same expensive work as a new registration
        with force_locale(user.locale or "nl"):
            subject = _("Je hebt al een account bij Lekker Oost-Vlaams")
        _queue_mail(user, "account_exists", subject, link=absolute_url_for("accounts.forgot_password"),
                    login_link=absolute_url_for("accounts.login"))
        return
    user.name = (name or "").strip()[:160]
    user.set_password(password)
    db.session.flush()
    link = absolute_url_for("accounts.confirm", token=tokens.make_token(user, tokens.CONFIRMATION))
    with force_locale(user.locale or "nl"):
        subject = _("Bevestig je e-mailadres voor Lekker Oost-Vlaams")
    _queue_mail(user, "account_confirm", subject, link=link, days=7)


def confirm_email(token: str) -> tuple[User, int]:
    """Activate a registered customer through the mailed link and attach the guest orders of that (now
    proven) address. Returns the user and how many orders were attached; raises DomainError if invalid."""
    user = tokens.load_user_from_token(token, tokens.CONFIRMATION)
    if user is None or user.is_active or user.role != Role.CUSTOMER or user.email_confirmed_at is not None:
        raise DomainError(_l("Deze bevestigingslink is verlopen of al gebruikt. Log in of registreer opnieuw."))
    user.active = True
    user.email_confirmed_at = utcnow()
    return user, personal_data.claim(user)


# --- deletion --------------------------------------------------------------------------------------------


def delete_account(user: User, password: str, *, by) -> None:
    """Erase a customer's personal data, keeping what accounting needs.

    Raises NotAllowed (not the account holder, or not a customer), DomainError (wrong password) or OpenOrders
    (an order is not completed or cancelled yet: its contact data is still needed).
    """
    if by is None or by.id != user.id:
        raise NotAllowed(_l("Je kunt alleen je eigen account verwijderen."))
    if user.role != Role.CUSTOMER:
        raise NotAllowed(_l("Een account van een producent of medewerker verwijdert de winkel voor je. "
                            "Stuur een e-mail naar info@lekkeroostvlaams.be."))
    if not user.check_password(password or ""):
        raise DomainError(_l("Het wachtwoord klopt niet."))
    open_orders = personal_data.open_matters(user)
    if open_orders:
        raise OpenOrders(_l("Je hebt nog lopende bestellingen (%(numbers)s). Je kunt je account verwijderen "
                            "zodra ze afgerond of geannuleerd zijn.", numbers=", ".join(open_orders)))

    old_email = normalise_email(user.email)
    anonymous = f"deleted-{user.id}@invalid"
    user.company_profile = None  # the company profile goes with the account (orders keep their invoice data)
    personal_data.erase(user, old_email=old_email, anonymous=anonymous)
    # Mails to the address: unsent ones are dropped; sent ones keep kind, subject and dates, not the body.
    to_this_address = func.lower(OutboxMessage.to_address) == old_email
    db.session.execute(
        delete(OutboxAttachment)
        .where(OutboxAttachment.message_id.in_(select(OutboxMessage.id).where(to_this_address)))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(OutboxMessage).where(to_this_address, OutboxMessage.status == OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage).where(to_this_address)
        .values(to_address=anonymous, body_text="", body_html="", reply_to="")
        .execution_options(synchronize_session=False)
    )
    user.email = anonymous
    user.name = ""
    user.password_hash = None
    user.active = False
    end_sessions(user)
    db.session.expire_all()
