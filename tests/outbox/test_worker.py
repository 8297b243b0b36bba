"""The worker delivers over a real SMTP server (aiosmtpd on loopback), retries when it is down, or writes .eml files."""

from __future__ import annotations

import email
import socket
import threading
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from shop.core.db import utcnow
from shop.extensions import db
from shop.outbox.models import OutboxMessage, OutboxStatus
from shop.outbox.services import enqueue
from shop.outbox.worker import MAX_ATTEMPTS, backoff, deliver_pending, parse_smtp_url


class RecordingHandler:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def config(app):
    """Set app.config keys for one test and restore them afterwards."""
    saved = {key: app.config.get(key) for key in ("SMTP_URL", "MAIL_DIR")}
    yield app.config
    app.config.update(saved)


def _queue(n: int = 1, **overrides) -> list[OutboxMessage]:
    messages = []
    for i in range(n):
        fields = dict(
            kind="order_confirmed", to=f"klant{i}@example.be", subject=f"Bevestiging LOV-{i} — € 12,50",
            text="Dag An,\nBedankt — € 12,50.", html="<p>Dag An, bedankt — € 12,50.</p>",
            attachments=[("factuur-2026-000001.pdf", "application/pdf", b"%PDF-1.7 test")],
            reply_to="info@lekkeroostvlaams.be",
        )
        fields.update(overrides)
        messages.append(enqueue(**fields))
    db.session.commit()
    return messages


def test_delivers_over_smtp_with_text_html_and_attachment(db, smtp_server, config):
    controller, handler = smtp_server
    config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    [message] = _queue()

    assert deliver_pending() == (1, 0)

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["klant0@example.be"]
    mail = email.message_from_bytes(envelope.content, policy=policy.default)
    assert mail["To"] == "klant0@example.be"
    assert mail["From"] == config["MAIL_FROM"]
    assert mail["Reply-To"] == "info@lekkeroostvlaams.be"
    assert mail["Subject"] == "Bevestiging LOV-0 — € 12,50"
    assert mail["Message-ID"] and mail["Date"]
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Dag An,\nBedankt — € 12,50.\n"
    assert "€ 12,50" in mail.get_body(("html",)).get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "factuur-2026-000001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.7 test"

    db.session.expire_all()
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status == OutboxStatus.SENT
    assert stored.sent_at is not None
    assert deliver_pending() == (0, 0)  # never sent twice
    assert len(handler.envelopes) == 1


def test_with_the_server_down_mails_stay_queued_and_a_later_run_delivers_them(db, smtp_server, config):
    controller, handler = smtp_server
    config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nothing listens there
    messages = _queue(3)

    assert deliver_pending() == (0, 3)

    db.session.expire_all()
    for message in messages:
        stored = db.session.get(OutboxMessage, message.id)
        assert stored.status == OutboxStatus.PENDING
        assert stored.attempts == 1
        assert "ConnectionRefusedError" in stored.last_error
    assert deliver_pending() == (0, 0)  # not due again before the back-off

    config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    assert deliver_pending(now=utcnow() + timedelta(minutes=2)) == (3, 0)
    assert sorted(e.rcpt_tos[0] for e in handler.envelopes) == [f"klant{i}@example.be" for i in range(3)]
    db.session.expire_all()
    assert {db.session.get(OutboxMessage, m.id).status for m in messages} == {OutboxStatus.SENT}


def test_gives_up_after_max_attempts(db, config):
    config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"
    [message] = _queue()
    now = utcnow()
    for _ in range(MAX_ATTEMPTS):
        deliver_pending(now=now)
        now += timedelta(hours=2)
    db.session.expire_all()
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status == OutboxStatus.FAILED
    assert stored.attempts == MAX_ATTEMPTS
    assert deliver_pending(now=now + timedelta(days=1)) == (0, 0)


def test_one_bad_mail_does_not_block_the_rest(db, smtp_server, config):
    controller, handler = smtp_server
    config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    _queue(1, to="")  # no recipient: the server refuses it
    _queue(1)

    assert deliver_pending() == (1, 1)
    assert [e.rcpt_tos for e in handler.envelopes] == [["klant0@example.be"]]


def test_writes_eml_files_when_no_smtp_url(db, tmp_path, config):
    config["SMTP_URL"] = None
    config["MAIL_DIR"] = str(tmp_path / "mail")
    [message] = _queue()

    assert deliver_pending() == (1, 0)

    [path] = list((tmp_path / "mail").iterdir())
    assert path.name.endswith(f"-{message.id}-order_confirmed.eml")
    mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["Subject"] == "Bevestiging LOV-0 — € 12,50"
    assert [a.get_filename() for a in mail.iter_attachments()] == ["factuur-2026-000001.pdf"]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.SENT


def test_worker_command_once_prints_counts(app, db, tmp_path, config):
    config["SMTP_URL"] = None
    config["MAIL_DIR"] = str(tmp_path)
    _queue(2)

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 2, failed 0"
    assert len(list(Path(tmp_path).glob("*.eml"))) == 2


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://mail.example.be:2525", ("mail.example.be", 2525, "plain", None, None)),
        ("smtp+starttls://user%40x:p%3Ass@mail.example.be", ("mail.example.be", 587, "starttls", "user@x", "p:ss")),
        ("smtps://u:p@mail.example.be", ("mail.example.be", 465, "ssl", "u", "p")),
    ],
)
def test_parse_smtp_url(url, expected):
    target = parse_smtp_url(url)
    assert (target.host, target.port, target.security, target.username, target.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.be", "smtp://", "mail.example.be:25"])
def test_parse_smtp_url_rejects_other_urls(url):
    with pytest.raises(ValueError):
        parse_smtp_url(url)


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_placed_and_paid_order_reaches_the_smtp_server_with_its_invoice(db, smtp_server, config):
    """End to end: place_order (checkout) → paid (lifecycle) → outbox → worker → SMTP, invoice attached."""
    from shop.invoicing.queries import get_invoice_of
    from shop.orders.lifecycle import transition
    from shop.orders.models import OrderStatus
    from tests.factories import make_order, make_package, make_product, make_vat_category

    controller, handler = smtp_server
    config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    kaas = make_product("Hoevekaas", price_cents=900, stock=10)
    jenever = make_product("Graanjenever", price_cents=2450, stock=10, vat=make_vat_category("alcohol", 21))
    package = make_package([(kaas, 1), (jenever, 1)], name="Kerstpakket", price_cents=3500)
    order = make_order((package, 1), (kaas, 2))
    db.session.commit()
    assert deliver_pending() == (0, 0)  # nothing is mailed while payment is pending

    transition(order, OrderStatus.PAID, actor="test")
    db.session.commit()
    assert deliver_pending() == (1, 0)

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == [order.email]
    mail = email.message_from_bytes(envelope.content, policy=policy.default)
    assert order.number in mail["Subject"]
    body = mail.get_body(("plain",)).get_content().replace("\xa0", " ")
    assert "1 × Kerstpakket" in body and "2 × Hoevekaas" in body
    assert f"/bestelling/{order.status_token}" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"factuur-{get_invoice_of(order).number}.pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_two_workers_at_once_never_send_the_same_mail(app, db, smtp_server, config):
    controller, handler = smtp_server
    config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    _queue(20)
    barrier = threading.Barrier(2)
    results: list[tuple[int, int]] = []

    def work():
        with app.app_context():
            barrier.wait(timeout=30)
            results.append(deliver_pending())
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent for sent, _ in results) == 20
    assert sum(failed for _, failed in results) == 0
    recipients = [envelope.rcpt_tos[0] for envelope in handler.envelopes]
    assert sorted(recipients) == sorted(f"klant{i}@example.be" for i in range(20))
