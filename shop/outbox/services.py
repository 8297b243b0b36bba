"""Queue e-mails in the caller's transaction; the worker (shop.outbox.worker) delivers them later."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.extensions import db
from shop.outbox.models import OutboxMessage
from shop.outbox.rendering import Later, add_attachment, draw_after_commit


def enqueue(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachments: Iterable[tuple[str, str, bytes | Later]] = (),
    order=None,
    dedupe_key: str | None = None,
    reply_to: str = "",
    renderer: str = "",
    render_args: dict | None = None,
) -> OutboxMessage | None:
    """Add a mail to the outbox in the current session (never commits; no SMTP here).

    ``attachments`` are ``(filename, content_type, data)``; data given as ``Later`` is drawn when the mail is
    delivered (shop.outbox.rendering). With a ``renderer`` the mail is queued as data (``subject`` and ``text``
    may be empty) and drawn by that renderer from ``render_args`` right after the transaction commits, so that
    no template is drawn while the transaction holds its locks. With a ``dedupe_key`` the same mail is written
    once: a second call (a replayed webhook, a race) returns None. The insert runs in a SAVEPOINT so a
    unique-key clash with a concurrent transaction does not spoil the caller's transaction.
    """
    if dedupe_key is not None:
        exists = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if exists is not None:
            return None
    message = OutboxMessage(
        kind=kind,
        to_address=to,
        reply_to=reply_to or "",
        subject=subject.replace("\r", " ").replace("\n", " ").strip(),
        body_text=text,
        body_html=html or "",
        dedupe_key=dedupe_key,
        order_id=getattr(order, "id", None),
        renderer=renderer,
        render_args=render_args or {},
    )
    for filename, content_type, data in attachments:
        add_attachment(message, filename, content_type, data)
    if dedupe_key is None:
        db.session.add(message)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:
            # Another transaction queued the same mail first; ours is rolled back to the savepoint only.
            return None
    if renderer:
        draw_after_commit(message.id)
    return message
