"""Everything the shop holds on one person, as JSON-ready data (GDPR art. 15 and 20)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from shop.accounts import personal_data
from shop.accounts.company import export_company_profile
from shop.accounts.producer_names import producer_name
from shop.accounts.services import normalise_email
from shop.extensions import db
from shop.outbox.models import OutboxMessage

EXPORT_VERSION = 1


def as_iso(value: date | datetime | None) -> str | None:
    """A date or time in the export: ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def export_personal_data(user) -> dict[str, Any]:
    """Profile, company profile, orders (lines, shipments, gift messages, invoices' buyer data) and the mails
    sent to the person's address (kind, subject, dates; not the bodies, which repeat the order data)."""
    mails = db.session.scalars(
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.to_address) == normalise_email(user.email))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    return {
        "export_version": EXPORT_VERSION,
        "profile": {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "producer": producer_name(user),
            "locale": user.locale,
            "active": user.active,
            "created_at": as_iso(getattr(user, "created_at", None)),
        },
        "company_profile": export_company_profile(user),
        **personal_data.export(user),
        "emails": [
            {
                "kind": mail.kind,
                "subject": mail.subject,
                "status": mail.status.value,
                "created_at": as_iso(mail.created_at),
                "sent_at": as_iso(mail.sent_at),
            }
            for mail in mails
        ],
    }
