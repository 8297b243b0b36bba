"""The scheduler runs each due job once, whoever else runs a scheduler, and one failing job stops no other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shop.cart.models import Cart, CartLine
from shop.invoicing.models import DeliveryStatus, EInvoiceDelivery
from shop.operations.models import JobRun
from shop.operations.schedule import JOBS, Job, run_due_jobs
from shop.orders.models import OrderStatus
from shop.outbox.models import OutboxAttachment, OutboxMessage, OutboxStatus
from shop.outbox.services import enqueue
from shop.payments.models import StripeEvent
from shop.payments.services import payment_succeeded
from tests.factories import make_product, make_sample_order

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _job(name, log, every=timedelta(minutes=5), fail=False):
    def run(now):
        log.append((name, now))
        if fail:
            raise RuntimeError("kapot")
        return f"{name} done"

    return Job(name, every, run)


def test_a_due_job_runs_once_until_its_interval_has_passed(db):
    log = []
    jobs = (_job("a", log),)

    assert run_due_jobs(NOW, jobs) == [("a", "a done")]
    assert run_due_jobs(NOW + timedelta(minutes=4), jobs) == []
    assert run_due_jobs(NOW + timedelta(minutes=5), jobs) == [("a", "a done")]
    assert len(log) == 2
    run = db.session.get(JobRun, "a")
    assert (run.last_summary, run.last_error, run.lease_until) == ("a done", "", None)


def test_a_failing_job_is_recorded_and_the_others_still_run(db):
    log = []
    jobs = (_job("broken", log, fail=True), _job("fine", log))

    done = run_due_jobs(NOW, jobs)

    assert done == [("broken", "error: RuntimeError"), ("fine", "fine done")]
    broken = db.session.get(JobRun, "broken")
    assert broken.last_error == "RuntimeError: kapot"
    assert broken.last_ok_at is None and broken.lease_until is None


def test_a_job_held_by_another_scheduler_is_left_alone_until_its_lease_runs_out(db):
    log = []
    jobs = (_job("a", log),)
    db.session.add(JobRun(name="a", last_started_at=NOW - timedelta(hours=1), lease_until=NOW + timedelta(minutes=10)))
    db.session.commit()

    assert run_due_jobs(NOW, jobs) == []
    assert run_due_jobs(NOW + timedelta(minutes=11), jobs) == [("a", "a done")]


def test_the_shop_schedules_reconcile_order_lists_and_cleaning():
    assert {job.name for job in JOBS} >= {"reconcile", "order-lists", "clean", "einvoices"}


def test_the_einvoices_job_sends_a_companys_queued_einvoice(db, einvoice_dir):
    order = make_sample_order(company=True, status=OrderStatus.PENDING_PAYMENT)
    payment_succeeded(order, payment_intent_id=None, actor="test")
    db.session.commit()

    [(name, summary)] = run_due_jobs(NOW, tuple(job for job in JOBS if job.name == "einvoices"))

    assert summary == "1 e-invoices handled, 0 still queued, 0 updated, 0 errors"
    delivery = db.session.scalar(select(EInvoiceDelivery))
    assert delivery.status == DeliveryStatus.SENT
    assert (einvoice_dir / f"{delivery.invoice.number}.xml").exists()


def test_cleaning_removes_stale_carts_old_events_and_sent_attachments_only(db):
    cheese = make_product("Kaas", stock=5)
    old = NOW - timedelta(days=70)
    empty_old = Cart(token="empty-old", created_at=old, updated_at=NOW - timedelta(days=2))
    empty_new = Cart(token="empty-new", updated_at=NOW - timedelta(hours=2))
    abandoned = Cart(token="abandoned", updated_at=old, lines=[CartLine(product_id=cheese.id, quantity=1)])
    recent = Cart(token="recent", updated_at=NOW - timedelta(days=3), lines=[CartLine(product_id=cheese.id, quantity=1)])
    db.session.add_all([empty_old, empty_new, abandoned, recent])
    db.session.add_all([StripeEvent(id="evt_old", type="x", received_at=NOW - timedelta(days=91)),
                        StripeEvent(id="evt_new", type="x", received_at=NOW - timedelta(days=10))])
    sent = enqueue(kind="test", to="a@voorbeeld.be", subject="Onderwerp", text="tekst",
                   attachments=[("a.pdf", "application/pdf", b"%PDF")])
    waiting = enqueue(kind="test", to="b@voorbeeld.be", subject="Onderwerp", text="tekst",
                      attachments=[("b.pdf", "application/pdf", b"%PDF")])
    sent.status, sent.sent_at = OutboxStatus.SENT, NOW - timedelta(days=31)
    db.session.commit()
    # updated_at is set on every flush: date the carts as the test needs with a plain UPDATE.
    for cart, when in ((empty_old, NOW - timedelta(days=2)), (empty_new, NOW - timedelta(hours=2)),
                       (abandoned, old), (recent, NOW - timedelta(days=3))):
        db.session.execute(Cart.__table__.update().where(Cart.id == cart.id).values(updated_at=when))
    db.session.commit()

    [(name, summary)] = run_due_jobs(NOW, tuple(job for job in JOBS if job.name == "clean"))

    assert summary == "2 carts, 1 events, 1 attachments removed"
    assert set(db.session.scalars(select(Cart.token))) == {"empty-new", "recent"}
    assert set(db.session.scalars(select(StripeEvent.id))) == {"evt_new"}
    assert [a.message_id for a in db.session.scalars(select(OutboxAttachment))] == [waiting.id]
    assert db.session.get(OutboxMessage, sent.id) is not None  # the record that it was sent stays
