"""Mails and attachments drawn outside the transaction that queues them.

Drawing a mail (its templates) or a PDF takes milliseconds to a tenth of a second; done in the transaction that
causes the mail, it would hold that transaction's row locks meanwhile (an invoice number's counter row, the
stock rows of an order), and every other buyer would wait. So such a mail is queued as data: its outbox row
names a renderer and its arguments (ids and plain values), in the same transaction as the change (nothing is
lost). It is drawn right after that transaction commits (shop.core.db.after_commit; in a web request once the
response is sent, so that nobody waits for it), or, should that step fail or the process stop, by the worker
before it sends it. A document attached to it (an invoice's PDF)
is stored as its source (``invoice-pdf:12``) and drawn when the mail is delivered: the document is immutable
data, so it reads the same then.

The domains above register what they draw: ``add_renderer`` (a mail) and ``add_attachment_source`` (a document).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from shop.core.db import after_commit
from shop.extensions import db
from shop.outbox.models import OutboxAttachment, OutboxMessage


@dataclass(frozen=True)
class Later:
    """An attachment's data, drawn when the mail is delivered: the source's name and the document's key."""

    source: str
    key: str | int

    @property
    def reference(self) -> str:
        return f"{self.source}:{self.key}"


@dataclass
class Drawn:
    """A mail as its renderer drew it; attachments are ``(filename, content_type, bytes | Later)``."""

    subject: str
    text: str
    html: str = ""
    attachments: list[tuple[str, str, bytes | Later]] = field(default_factory=list)


Renderer = Callable[[dict], Drawn]
_RENDERERS: dict[str, Renderer] = {}
_SOURCES: dict[str, Callable[[str], bytes]] = {}


def add_renderer(name: str, render: Renderer) -> None:
    """``render(args)`` draws the mails queued with ``renderer=name`` (in an app context, after the commit)."""
    _RENDERERS[name] = render


def add_attachment_source(name: str, draw: Callable[[str], bytes]) -> None:
    """``draw(key)`` gives the bytes of an attachment queued as ``Later(name, key)``."""
    _SOURCES[name] = draw


def add_attachment(message: OutboxMessage, filename: str, content_type: str, data: bytes | Later) -> None:
    """Attach ``data`` to the message (in the session). The message's list of attachments is not loaded for it."""
    if isinstance(data, Later):
        attachment = OutboxAttachment(message=message, filename=filename, content_type=content_type, data=b"",
                                      source=data.reference)
    else:
        attachment = OutboxAttachment(message=message, filename=filename, content_type=content_type,
                                      data=bytes(data))
    db.session.add(attachment)


def attachment_data(attachment: OutboxAttachment) -> bytes:
    """The attachment's bytes, drawn from its source (and kept) when it has none yet."""
    if attachment.source and not attachment.data:
        name, _, key = attachment.source.partition(":")
        attachment.data = _SOURCES[name](key)
    return attachment.data


def is_drawn(message: OutboxMessage) -> bool:
    return not message.renderer


def draw_message(message: OutboxMessage) -> None:
    """Fill in a mail queued as data (subject, bodies, attachments); nothing for one already drawn. Never
    commits."""
    if is_drawn(message):
        return
    drawn = _RENDERERS[message.renderer](dict(message.render_args or {}))
    message.subject = drawn.subject.replace("\r", " ").replace("\n", " ").strip()
    message.body_text = drawn.text
    message.body_html = drawn.html or ""
    for filename, content_type, data in drawn.attachments:
        add_attachment(message, filename, content_type, data)
    message.renderer = ""
    db.session.flush()


def draw_after_commit(message_id: int) -> None:
    """Draw the message once the transaction that queued it has committed (shop.core.db.after_commit)."""

    def step() -> None:
        message = db.session.get(OutboxMessage, message_id)
        if message is not None:
            draw_message(message)

    after_commit(step)
