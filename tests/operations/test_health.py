"""/health: one word per part for anyone, details for staff, 503 only when the database does not answer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import OperationalError

from shop.core.db import utcnow
from shop.extensions import db as _db
from shop.operations.models import JobRun
from shop.operations.schedule import JOBS
from shop.outbox.models import OutboxMessage
from shop.outbox.services import enqueue
from tests.factories import log_in_as, make_staff


def _all_jobs_ran(at):
    for job in JOBS:
        _db.session.merge(JobRun(name=job.name, last_started_at=at, last_ok_at=at))
    _db.session.commit()


def test_anyone_sees_the_state_of_each_part_and_nothing_internal(client, db):
    _all_jobs_ran(utcnow())

    response = client.get("/health")

    assert response.status_code == 200
    assert response.json == {"status": "ok",
                             "checks": {"database": "ok", "redis": "off", "outbox": "ok", "scheduler": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_staff_see_the_backlog_and_the_jobs(client, db):
    _all_jobs_ran(utcnow())
    enqueue(kind="test", to="a@voorbeeld.be", subject="Onderwerp", text="tekst")
    db.session.commit()
    log_in_as(client, make_staff())
    db.session.commit()

    details = client.get("/health").json["details"]

    assert details["outbox"]["pending"] == 1
    assert set(details["scheduler"]["jobs"]) == {job.name for job in JOBS}


def test_a_scheduler_that_stopped_running_is_late(client, db):
    _all_jobs_ran(utcnow() - timedelta(hours=13))

    response = client.get("/health")

    assert (response.status_code, response.json["status"], response.json["checks"]["scheduler"]) == (
        200, "degraded", "late")


def test_mails_waiting_too_long_are_a_backlog(client, db):
    _all_jobs_ran(utcnow())
    message = enqueue(kind="test", to="a@voorbeeld.be", subject="Onderwerp", text="tekst")
    db.session.commit()
    _db.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == message.id)
                        .values(created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()

    assert client.get("/health").json["checks"]["outbox"] == "backlog"


def test_redis_that_does_not_answer_degrades_but_the_shop_stays_up(app, client, db):
    _all_jobs_ran(utcnow())
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/health")
    finally:
        app.config["REDIS_URL"] = None

    assert (response.status_code, response.json["status"], response.json["checks"]["redis"]) == (
        200, "degraded", "error")


def test_a_database_that_does_not_answer_is_503(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(_db.session, "execute", broken)

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["checks"]["database"] == "error"
