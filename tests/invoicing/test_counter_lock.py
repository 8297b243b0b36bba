"""The invoice and credit-note numbers' counter rows are locked from the moment a number is taken until its
transaction commits, and every other payment waits for them: nothing is drawn meanwhile (no mail template,
no PDF, no e-invoice validation). Each drawing function is watched; when it runs, the current transaction must
hold no counter (shop.core.numbering.holds_counter), and on PostgreSQL another connection must be able to lock
every counter row at once (FOR UPDATE NOWAIT fails while one is held)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from shop.core.clock import SHOP_TIMEZONE
from shop.core.numbering import Counter, holds_counter
from shop.extensions import db
from shop.invoicing import delivery, quotes, services
from shop.invoicing.delivery import send_queued_einvoices
from shop.orders import notifications
from shop.orders.models import OrderStatus
from shop.outbox.worker import deliver_pending
from shop.payments.services import payment_succeeded
from tests.factories import make_quote_order, make_refund, make_sample_order


@pytest.fixture
def drawings(monkeypatch, is_postgres):
    """Watch the drawing functions: each call records (what, counters held, another connection blocked).

    The year's counter rows exist beforehand (committed), as in a running shop: a row created by the
    transaction that takes the first number is invisible to the other connection, which could not test it."""
    year = datetime.now(SHOP_TIMEZONE).year
    db.session.add_all([Counter(name=f"{series}-{year}", value=0) for series in ("order", "invoice", "credit-note")])
    db.session.commit()
    seen: list[tuple[str, set[str], bool]] = []

    def blocked() -> bool:
        if not is_postgres:
            return False
        with db.engine.connect() as other:
            try:
                other.execute(text("SELECT name FROM counters FOR UPDATE NOWAIT")).all()
            except Exception:  # noqa: BLE001 - lock_not_available: a counter row is held
                return True
            finally:
                other.rollback()
        return False

    def watch(owner, name: str) -> None:
        real = getattr(owner, name)

        def watched(*args, **kwargs):
            seen.append((name, holds_counter(), blocked()))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, watched)

    watch(notifications, "render_template")
    watch(services, "render_invoice_pdf")
    watch(services, "render_credit_note_pdf")
    watch(delivery, "validate_ubl")
    watch(delivery, "render_ubl")
    watch(quotes, "render_quote_pdf")
    return seen


def test_no_counter_is_held_while_the_invoice_its_mail_and_its_einvoice_are_drawn(db, drawings, einvoice_dir):
    order = make_sample_order(company=True, status=OrderStatus.PENDING_PAYMENT)

    payment_succeeded(order, payment_intent_id=None, actor="test")
    db.session.commit()
    deliver_pending()
    send_queued_einvoices()

    assert {name for name, _held, _blocked in drawings} == {
        "render_template", "render_invoice_pdf", "validate_ubl", "render_ubl"}
    assert [(name, held, blocked) for name, held, blocked in drawings if held or blocked] == []


def test_no_counter_is_held_while_a_credit_note_and_its_mail_are_drawn(db, drawings, einvoice_dir):
    order = make_sample_order(company=True, status=OrderStatus.PENDING_PAYMENT)
    payment_succeeded(order, payment_intent_id=None, actor="test")
    db.session.commit()
    drawings.clear()

    make_refund(order, 1000, reason="Pakket beschadigd")
    db.session.commit()
    deliver_pending()

    assert {"render_template", "render_credit_note_pdf", "validate_ubl"} <= {name for name, _h, _b in drawings}
    assert [(name, held, blocked) for name, held, blocked in drawings if held or blocked] == []


def test_an_issued_invoice_draws_to_the_same_bytes_every_time(db, monkeypatch):
    """The PDF is dated by the invoice, not by the moment it is drawn: a resent e-invoice (same idempotency key)
    embeds exactly the same document, also an hour later."""
    import fpdf.fpdf

    from shop.invoicing.pdf import render_document_pdf
    from shop.invoicing.queries import get_invoice_of

    order = make_sample_order(company=True, status=OrderStatus.PENDING_PAYMENT)
    payment_succeeded(order, payment_intent_id=None, actor="test")
    db.session.commit()
    invoice = get_invoice_of(order)
    first = render_document_pdf(invoice)

    class AnHourLater(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(hours=1)

    monkeypatch.setattr(fpdf.fpdf, "datetime", AnHourLater)
    assert render_document_pdf(invoice) == first


def test_no_counter_is_held_while_a_quote_and_its_mail_are_drawn(db, drawings):
    make_quote_order()
    db.session.commit()
    deliver_pending()

    assert {"render_template", "render_quote_pdf"} <= {name for name, _h, _b in drawings}
    assert [(name, held, blocked) for name, held, blocked in drawings if held or blocked] == []
