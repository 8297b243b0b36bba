"""Delivery of queued e-mails: over SMTP (``SMTP_URL``) or, without it, as .eml files under ``MAIL_DIR``.

Each message is claimed, sent and committed on its own, so one bad mail does not block the rest. On
PostgreSQL the claim is ``FOR UPDATE SKIP LOCKED``: two workers never send the same mail. Elsewhere (SQLite)
the claim is a conditional UPDATE that leases the message for CLAIM_LEASE and commits at once; a worker that
dies mid-send leaves the lease to expire, and the mail goes out later (at least once, never lost). A failure is
retried with exponential back-off (1, 2, 4 ... minutes, capped) and given up (FAILED) after MAX_ATTEMPTS.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select, update

from shop.core.clock import as_utc
from shop.core.db import utcnow
from shop.extensions import db
from shop.outbox.models import OutboxMessage, OutboxStatus
from shop.outbox.rendering import attachment_data, draw_message

MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)
# Without row locks (SQLite) a worker leases a message by moving its next attempt this far ahead, and commits,
# so a second worker skips it and SQLite's write lock is not held while talking to the mail server.
CLAIM_LEASE = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: str  # "plain", "starttls" or "ssl"
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://[user:pass@]host[:port]``, ``smtp+starttls://...`` or ``smtps://...``."""
    parts = urlsplit(url)
    schemes = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"SMTP URL must look like smtp://host:port, smtp+starttls:// or smtps://, not {url!r}")
    security, default_port = schemes[parts.scheme]
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def build_email(message: OutboxMessage) -> EmailMessage:
    """The mail as it is sent: drawn first when it was queued as data (its drawing after the commit did not
    happen), its attachments drawn from their sources."""
    draw_message(message)
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(as_utc(message.created_at))
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=domain)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment_data(attachment), maintype=maintype or "application", subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


def _send_smtp(email: EmailMessage, target: SmtpTarget) -> None:
    if target.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if target.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(email)


def _write_file(email: EmailMessage, message: OutboxMessage) -> Path:
    directory = Path(current_app.config["MAIL_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    stamp = message.created_at.strftime("%Y%m%dT%H%M%S")
    path = directory / f"{stamp}-{message.id}-{message.kind}.eml"
    path.write_bytes(email.as_bytes())
    return path




def _claim_next(now: datetime, skip: set[int]) -> OutboxMessage | None:
    """The next due message, claimed for this worker: row-locked on PostgreSQL, leased elsewhere."""
    postgres = db.engine.dialect.name == "postgresql"
    while True:
        message = _next_due(now, skip, lock=postgres)
        if message is None or postgres:
            return message
        skip.add(message.id)
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
            )
            .values(next_attempt_at=as_utc(now) + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed == 1:
            return db.session.get(OutboxMessage, message.id)


def _next_due(now: datetime, skip: set[int], *, lock: bool) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if skip:
        query = query.where(OutboxMessage.id.not_in(skip))
    if lock:
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).first()


def deliver_pending(now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Deliver up to ``limit`` due messages; returns ``(sent, failed)`` counts of this run. Commits per message."""
    now = now or utcnow()
    smtp_url = current_app.config.get("SMTP_URL")
    target = parse_smtp_url(smtp_url) if smtp_url else None
    sent = failed = 0
    seen: set[int] = set()
    db.session.commit()  # start from a clean transaction: each claim is its own
    while sent + failed < limit:
        message = _claim_next(now, seen)
        if message is None:
            break
        seen.add(message.id)
        try:
            email = build_email(message)
            if target is None:
                _write_file(email, message)
            else:
                _send_smtp(email, target)
        except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = as_utc(now) + backoff(message.attempts)
            failed += 1
            current_app.logger.warning("outbox message %s not delivered: %s", message.id, message.last_error)
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = ""
            sent += 1
        db.session.commit()
    return sent, failed
