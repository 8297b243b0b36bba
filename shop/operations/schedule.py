"""The shop's periodic jobs and the scheduler step that runs those that are due.

Every job is safe to run again and again (each is idempotent in its own domain); the schedule only decides how
often. Several scheduler processes may run (one per machine): a job is claimed with a conditional UPDATE on its
JobRun row (due, and no live lease), so only one of them runs it; a scheduler that dies mid-job leaves a lease
that runs out after ``Job.lease``. A failing job is recorded (``last_error``) and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from shop.core.clock import SHOP_TIMEZONE, as_utc
from shop.core.db import add_unless_taken, utcnow
from shop.extensions import db
from shop.operations.models import JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], str]  # does the work (committing as it goes) and says what it did
    lease: timedelta = timedelta(minutes=15)


def _reconcile(now: datetime) -> str:
    """Pending orders whose payment session ended or expired, and refunds never answered (shop.payments)."""
    from shop.payments.reconcile import reconcile_all

    outcomes = reconcile_all()
    errors = sum(1 for outcome in outcomes if outcome.action == "error")
    return f"{len(outcomes)} checked, {errors} errors"


def _expire_quotes_and_transfers(now: datetime) -> str:
    """Quotes past their last day and transfers not received in time: cancelled, stock freed once (shop.payments)."""
    from shop.payments.transfers import expire_quotes_and_transfers

    outcome = expire_quotes_and_transfers(now)
    return (f"{len(outcome.quotes)} quotes and {len(outcome.transfers)} transfer orders expired, "
            f"{len(outcome.errors)} errors")


def _order_lists(now: datetime) -> str:
    """Each producer's weekly order list, once the cut-off has passed (shop.supply)."""
    from shop.supply.producer_lists import send_weekly_order_lists

    sent = send_weekly_order_lists(now.astimezone(SHOP_TIMEZONE))
    db.session.commit()
    return f"{sent} lists sent"


def _einvoices(now: datetime) -> str:
    """Companies' queued e-invoices sent, and the access point asked how those it took stand (shop.invoicing)."""
    from shop.invoicing.delivery import poll_einvoices, send_queued_einvoices

    sent = send_queued_einvoices(limit=100)
    polled = poll_einvoices(limit=500)
    waiting = sum(1 for outcome in sent if outcome.action == "queued")
    errors = sum(1 for outcome in [*sent, *polled] if outcome.action == "error")
    return f"{len(sent) - waiting} e-invoices handled, {waiting} still queued, {len(polled)} updated, {errors} errors"


def _clean(now: datetime) -> str:
    """Stale carts, old Stripe events and attachments of mails long sent."""
    from shop.cart.cleanup import delete_stale_carts
    from shop.outbox.cleanup import drop_sent_attachments
    from shop.payments.cleanup import delete_old_events

    carts = delete_stale_carts(now)
    events = delete_old_events(now)
    attachments = drop_sent_attachments(now)
    db.session.commit()
    return f"{carts} carts, {events} events, {attachments} attachments removed"


JOBS: tuple[Job, ...] = (
    Job("reconcile", timedelta(minutes=5), _reconcile),
    Job("expire-quotes-and-transfers", timedelta(hours=1), _expire_quotes_and_transfers),
    Job("order-lists", timedelta(minutes=15), _order_lists),
    Job("einvoices", timedelta(minutes=5), _einvoices),
    Job("clean", timedelta(hours=6), _clean),
)


def _claim(job: Job, now: datetime) -> bool:
    """Take the job for this run if it is due and nobody holds it; committed at once."""
    if db.session.get(JobRun, job.name) is None:
        add_unless_taken(JobRun(name=job.name))  # or another scheduler made the row first
    claimed = db.session.execute(
        update(JobRun)
        .where(JobRun.name == job.name,
               or_(JobRun.lease_until.is_(None), JobRun.lease_until < now),
               or_(JobRun.last_started_at.is_(None), JobRun.last_started_at <= now - job.every))
        .values(last_started_at=now, lease_until=now + job.lease)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return claimed


def _finish(job: Job, *, summary: str = "", error: str = "") -> None:
    finished = utcnow()
    values = {"last_finished_at": finished, "lease_until": None, "last_error": error}
    if not error:
        values.update(last_ok_at=finished, last_summary=summary)
    db.session.execute(update(JobRun).where(JobRun.name == job.name).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def run_due_jobs(now: datetime | None = None, jobs: tuple[Job, ...] = JOBS) -> list[tuple[str, str]]:
    """Run every job that is due and not held by another scheduler; returns (name, what happened) per job run.

    A job that raises is rolled back and recorded with its error; the next job still runs. A database that is
    down makes the claim itself fail: that propagates to the process's supervisor, which waits and retries.
    """
    now = as_utc(now or utcnow())
    done = []
    for job in jobs:
        if not _claim(job, now):
            continue
        try:
            summary = job.run(now)
        except Exception as error:  # noqa: BLE001 - recorded; the other jobs still run
            db.session.rollback()
            log.exception("job %s failed", job.name)
            _finish(job, error=f"{type(error).__name__}: {error}"[:2000])
            done.append((job.name, f"error: {type(error).__name__}"))
            continue
        _finish(job, summary=summary)
        log.info("job %s: %s", job.name, summary)
        done.append((job.name, summary))
    return done


def list_job_runs() -> list[JobRun]:
    """Every job's last run, by name (for /health and the back office)."""
    return list(db.session.scalars(select(JobRun).order_by(JobRun.name)))
