"""Attachments of mails long delivered: removed by the scheduler's cleaning job (shop.operations). The message itself
(to whom, what, when) stays as the record that it was sent; documents can be rendered again from their data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from shop.extensions import db
from shop.outbox.models import OutboxAttachment, OutboxMessage, OutboxStatus

ATTACHMENT_KEPT = timedelta(days=30)


def drop_sent_attachments(now: datetime) -> int:
    """Delete the attachments of mails sent more than 30 days ago. Returns how many. Never commits."""
    sent = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENT,
                                          OutboxMessage.sent_at < now - ATTACHMENT_KEPT)
    result = db.session.execute(delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(sent))
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0
