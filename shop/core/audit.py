"""Who did what in the back office: one row per staff action, written in the action's own transaction.

Order transitions, refunds, stock movements and notes carry their actor themselves; the audit log adds the
actions that have no such row (package edits, producer changes, reviews, role changes, e-mails sent again)
and lists every back-office action in one place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.core.db import Base, db, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(254), default="")  # the user's e-mail, or "system"
    action: Mapped[str] = mapped_column(String(60), index=True)  # e.g. "order.refund", "package.update"
    subject_type: Mapped[str] = mapped_column(String(40), default="")  # "order", "package", "producer", ...
    subject_id: Mapped[int | None] = mapped_column(index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def record_action(action: str, *, by, subject_type: str = "", subject_id: int | None = None,
                  detail: str = "") -> AuditEntry:
    """Record that ``by`` (a user, or None for the system) performed ``action`` on a subject. Never commits."""
    entry = AuditEntry(
        by_user_id=getattr(by, "id", None),
        actor=getattr(by, "email", "") or "system",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    db.session.add(entry)
    return entry
