"""CLI commands of the outbox domain; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shop.core.supervisor import StopSignal, run_supervised
from shop.outbox.worker import deliver_pending


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between runs when looping.")
@click.option("--limit", default=100, show_default=True, help="At most this many mails per run.")
@with_appcontext
def worker_command(once: bool, interval: float, limit: int) -> None:
    """Deliver queued e-mails over SMTP (SHOP_SMTP_URL) or as .eml files under instance/mail.

    Runs until SIGTERM or Ctrl-C (it finishes the mail in hand first). A database or SMTP outage is logged and
    retried with a growing pause (shop.core.supervisor); the worker itself never dies of it.
    """
    if once:
        sent, failed = deliver_pending(limit=limit)
        click.echo(f"sent {sent}, failed {failed}")
        return

    def deliver() -> bool:
        sent, failed = deliver_pending(limit=limit)
        if sent or failed:
            click.echo(f"sent {sent}, failed {failed}")
        return sent + failed >= limit  # a full batch means more may be waiting: go again at once

    stop = StopSignal()
    stop.install()
    click.echo(f"outbox worker: every {interval:g} s; SIGTERM or Ctrl-C stops")
    run_supervised(deliver, name="outbox worker", interval=interval, stop=stop)
    click.echo("stopped")


COMMANDS: list = [worker_command]
