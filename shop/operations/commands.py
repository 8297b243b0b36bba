"""The scheduler process: ``flask --app shop scheduler`` runs the periodic jobs (shop.operations.schedule)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shop.core.supervisor import StopSignal, run_supervised
from shop.operations.schedule import run_due_jobs


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between looks at the schedule.")
@with_appcontext
def scheduler_command(once: bool, interval: float) -> None:
    """Run the shop's periodic jobs (reconcile payments, producers' order lists, cleaning) when they are due.

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


COMMANDS: list = [scheduler_command]
