"""CLI commands of the outbox domain; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from shop.extensions import db
from shop.outbox.worker import deliver_pending


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between runs when looping.")
@click.option("--limit", default=100, show_default=True, help="At most this many mails per run.")
@with_appcontext
def worker_command(once: bool, interval: float, limit: int) -> None:
    """Deliver queued e-mails over SMTP (SHOP_SMTP_URL) or as .eml files under instance/mail."""
    if once:
        sent, failed = deliver_pending(limit=limit)
        click.echo(f"sent {sent}, failed {failed}")
        return
    click.echo(f"outbox worker: every {interval:g} s; Ctrl-C stops")
    try:
        while True:
            sent, failed = deliver_pending(limit=limit)
            db.session.remove()  # a fresh session per run: nothing piles up in a long-lived worker
            if sent or failed:
                click.echo(f"sent {sent}, failed {failed}")
            if sent + failed < limit:  # a full batch means more may be waiting: go again at once
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped")


COMMANDS: list = [worker_command]
