"""Queue e-mails in the caller's transaction; the worker (shop.outbox.worker) delivers them later."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
    once: a second call (a replayed webhook, a race) returns None. That insert is one ``INSERT … ON CONFLICT DO
    NOTHING``, so a clash with a concurrent transaction's mail neither fails nor spoils the caller's transaction.
    """
    fields = dict(
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
    if dedupe_key is None:
        message = OutboxMessage(**fields)
        db.session.add(message)
    else:
        # One statement, often in a transaction that holds a counter's row lock: written unless a mail of that key
        # is there already, queued before or by a concurrent transaction (PostgreSQL waits for that one to end;
        # when it commits, nothing is written here and its mail stands).
        upsert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        message = db.session.scalars(
            upsert(OutboxMessage).values(**fields).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage)
        ).first()
        if message is None:
            return None
    for filename, content_type, data in attachments:
        add_attachment(message, filename, content_type, data)
    db.session.flush()
    if renderer:
        draw_after_commit(message.id)
    return message
