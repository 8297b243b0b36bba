"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from shop.core.db import Base, Timestamped, str_enum


class Role(StrEnum):
    CUSTOMER = "customer"
    PRODUCER = "producer"
    STAFF = "staff"
    ADMIN = "admin"


class User(UserMixin, Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'producer') = (producer_id IS NOT NULL)", name="producer_role_has_producer"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(160), default="")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20), default=Role.CUSTOMER)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the person proved they own the address (registration link, invitation accepted, seeded account).
    # A deactivated account that was once confirmed is never reactivated by registering again.
    email_confirmed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]  # set at every log-in (shown to admins in the staff list)
    # Part of every session's log-in (see get_id); raising it ends all sessions of this user on every web
    # instance at once: a new password, a log-out, a deactivation or a role change.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The company this customer buys for, if any (shop.accounts.company). Read through the relationship so that
    # a page asking it for every price it shows loads it once.
    company_profile: Mapped[CompanyProfile | None] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the session version (``"12:3"``).

        This is Flask-Login's "alternative token" mechanism: the loader (``shop.accounts.auth.load_user``)
        accepts the cookie only while the version in it is the user's current one, so raising
        ``session_version`` in the database ends every session made before, also on other web instances
        and in copied cookies.
        """
        return f"{self.id}:{self.session_version}"

    @staticmethod
    def hash_password(password: str) -> str:
        """The one password hasher (scrypt). Paths that must not be told apart by their timing (registering
        a new or a known address) call it the same number of times."""
        return generate_password_hash(password, method="scrypt")

    def set_password(self, password: str) -> None:
        self.password_hash = User.hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class CompanyProfile(Base):
    """A customer account that buys for a company: who is invoiced, and how it likes to see prices.

    The VAT number is stored normalised (BE0123456749); the enterprise number is its ten digits. The Peppol
    participant id defaults to 0208:<enterprise number>. The invoice address is where invoices are addressed.
    """

    __tablename__ = "company_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    legal_name: Mapped[str] = mapped_column(String(160))
    vat_number: Mapped[str] = mapped_column(String(14))
    peppol_id: Mapped[str] = mapped_column(String(60), default="")
    street: Mapped[str] = mapped_column(String(160), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    # Where invoices and e-invoices are mailed when the company does not receive them through Peppol.
    invoice_email: Mapped[str] = mapped_column(String(254), default="")
    # Show prices excluding VAT (with the VAT apart) on catalogue pages, the cart and checkout.
    prices_excl_vat: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="company_profile")

    @property
    def enterprise_number(self) -> str:
        return self.vat_number[2:]
