"""Operations commands: ``scheduler`` runs the periodic jobs (shop.operations.schedule); ``backup`` and
``restore`` (shop.operations.backup)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from shop.core.db import utcnow
from shop.core.page_cache import catalogue_changed
from shop.core.supervisor import StopSignal, run_supervised
from shop.extensions import db
from shop.operations.backup import BackupError, backup_database, restore_database
from shop.operations.schedule import run_due_jobs


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between looks at the schedule.")
@with_appcontext
def scheduler_command(once: bool, interval: float) -> None:
    """Run the shop's periodic jobs (reconcile payments, producers' order lists, companies' e-invoices,
    cleaning) when they are due.

    Runs until SIGTERM or Ctrl-C (the job in hand finishes first); a database outage is logged and retried
    (shop.core.supervisor). Several schedulers may run: each job runs in one of them at a time.
    """
    def step() -> bool:
        for name, summary in run_due_jobs():
            click.echo(f"{name}: {summary}")
        return False

    if once:
        step()
        return
    stop = StopSignal()
    stop.install()
    click.echo(f"scheduler: every {interval:g} s; SIGTERM or Ctrl-C stops")
    run_supervised(step, name="scheduler", interval=interval, stop=stop)
    click.echo("stopped")


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path | None) -> None:
    """Write a consistent backup of the database (default: instance/backups/shop-<UTC time>.<db|dump>)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if target is None:
        suffix = "db" if url.startswith("sqlite") else "dump"
        target = Path(current_app.instance_path) / "backups" / f"shop-{utcnow():%Y%m%dT%H%M%SZ}.{suffix}"
    try:
        written = backup_database(url, target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written: {written} ({written.stat().st_size} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database's contents.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with a backup made by `backup`. Stop the web instances, the worker and
    the scheduler first."""
    if not yes:
        click.confirm(f"Replace everything in the database with {source}?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    catalogue_changed("restore")  # written outside the session: no cached page of the old contents is served
    click.echo(f"restored from {source}")


COMMANDS: list = [scheduler_command, backup_command, restore_command]
