"""The shop's health as a load balancer and an operator see it: the database, Redis, the mail backlog and the
scheduler's last runs.

``check_health(now)`` returns a Health: each part's state in one word (what anyone may see) and details (counts,
ages, job results: for staff only). Only a database that does not answer makes the shop unhealthy (503):
without Redis, with mails waiting or a late scheduler the shop still sells, so it reports "degraded".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from shop.core.clock import as_utc
from shop.extensions import db
from shop.operations.models import JobRun
from shop.operations.schedule import JOBS
from shop.outbox.models import OutboxMessage, OutboxStatus

# Mails waiting longer than this mean the worker is not delivering.
OUTBOX_LATE = timedelta(minutes=15)
# A job not run for twice its interval (plus this) means no scheduler is running.
SCHEDULER_GRACE = timedelta(minutes=5)


@dataclass
class Health:
    checks: dict[str, str] = field(default_factory=dict)  # part -> ok | error | late | backlog | off
    details: dict[str, object] = field(default_factory=dict)

    @property
    def database_ok(self) -> bool:
        return self.checks.get("database") == "ok"

    @property
    def status(self) -> str:
        if not self.database_ok:
            return "error"
        return "ok" if all(state in ("ok", "off") for state in self.checks.values()) else "degraded"


def _redis(health: Health) -> None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        health.checks["redis"] = "off"  # not configured: one machine, limits in memory
        return
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        health.checks["redis"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means Redis cannot be used now
        health.checks["redis"] = "error"
        health.details["redis"] = type(error).__name__


def _outbox(health: Health, now: datetime) -> None:
    pending, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    ).one()
    failed = db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.FAILED))
    late = oldest is not None and as_utc(oldest) < now - OUTBOX_LATE
    health.checks["outbox"] = "backlog" if late or failed else "ok"
    health.details["outbox"] = {"pending": pending, "failed": failed,
                                "oldest_pending": as_utc(oldest).isoformat() if oldest else None}


def _scheduler(health: Health, now: datetime) -> None:
    runs = {run.name: run for run in db.session.scalars(select(JobRun))}
    late = []
    jobs = {}
    for job in JOBS:
        run = runs.get(job.name)
        started = as_utc(run.last_started_at) if run and run.last_started_at else None
        if started is None or started < now - 2 * job.every - SCHEDULER_GRACE:
            late.append(job.name)
        jobs[job.name] = {
            "last_started_at": started.isoformat() if started else None,
            "last_ok_at": as_utc(run.last_ok_at).isoformat() if run and run.last_ok_at else None,
            "last_error": run.last_error if run else "",
            "last_summary": run.last_summary if run else "",
        }
    health.checks["scheduler"] = "late" if late else "ok"
    health.details["scheduler"] = {"late": late, "jobs": jobs}


def check_health(now: datetime) -> Health:
    """Ask every part; a database error stops the other database reads (they would fail the same way)."""
    health = Health()
    try:
        db.session.execute(text("SELECT 1"))
        health.checks["database"] = "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        health.checks["database"] = "error"
        health.details["database"] = type(error).__name__
    _redis(health)
    if health.database_ok:
        try:
            _outbox(health, now)
            _scheduler(health, now)
        except SQLAlchemyError as error:
            db.session.rollback()
            health.checks["database"] = "error"
            health.details["database"] = type(error).__name__
    return health
