"""enqueue(): written in the caller's transaction, never committed by itself, deduplicated by key."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from shop.extensions import db
from shop.outbox.models import OutboxMessage, OutboxStatus
from shop.outbox.services import enqueue


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_enqueue_adds_a_pending_message_with_attachments(db):
    message = enqueue(
        kind="test", to="an@example.be", subject="Hallo\r\nBcc: x@example.be", text="Tekst", html="<p>Tekst</p>",
        attachments=[("a.pdf", "application/pdf", b"%PDF-1.4")], reply_to="info@example.be",
    )
    db.session.commit()

    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status == OutboxStatus.PENDING
    assert stored.subject == "Hallo  Bcc: x@example.be"  # no header injection through the subject
    assert stored.to_address == "an@example.be"
    assert stored.reply_to == "info@example.be"
    assert stored.attempts == 0
    assert [(a.filename, a.content_type, a.data) for a in stored.attachments] == [
        ("a.pdf", "application/pdf", b"%PDF-1.4")
    ]


def test_enqueue_does_not_commit_so_a_rollback_drops_the_mail(db):
    enqueue(kind="test", to="an@example.be", subject="S", text="T")
    db.session.rollback()
    assert _count() == 0


def test_same_dedupe_key_twice_writes_once(db):
    first = enqueue(kind="test", to="an@example.be", subject="S", text="T", dedupe_key="k:1")
    second = enqueue(kind="test", to="an@example.be", subject="S", text="T", dedupe_key="k:1")
    other = enqueue(kind="test", to="an@example.be", subject="S", text="T", dedupe_key="k:2")
    db.session.commit()

    assert first is not None and other is not None
    assert second is None
    assert _count() == 2


def test_dedupe_key_clash_with_a_concurrent_transaction_keeps_the_callers_work(app, db):
    """Another transaction committed the same key while ours is open: ours writes nothing for it and goes on."""
    enqueue(kind="test", to="an@example.be", subject="before", text="T")  # the caller's earlier work
    db.session.flush()

    def other_transaction():
        with app.app_context():
            enqueue(kind="test", to="an@example.be", subject="S", text="T", dedupe_key="race:1")
            db.session.commit()
            db.session.remove()

    # Commit the caller's pending write first so SQLite's single writer lets the other thread in.
    db.session.commit()
    thread = threading.Thread(target=other_transaction)
    thread.start()
    thread.join()

    result = enqueue(kind="test", to="an@example.be", subject="S", text="T", dedupe_key="race:1")
    enqueue(kind="test", to="an@example.be", subject="after", text="T")
    db.session.commit()

    assert result is None
    assert _count() == 3
    assert db.session.scalar(select(func.count()).where(OutboxMessage.dedupe_key == "race:1")) == 1
