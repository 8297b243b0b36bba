"""CLI commands of the payments domain; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("reconcile")
@with_appcontext
def reconcile_command() -> None:
    """Settle requested refunds that were never answered, and orders still pending payment by asking Stripe
    for their session's state."""
    from shop.payments.reconcile import reconcile_all

    if not current_app.config.get("STRIPE_SECRET_KEY"):
        click.echo("STRIPE_SECRET_KEY is niet ingesteld: alleen openstaande terugbetalingen (demobetalingen).")
    outcomes = reconcile_all()
    for outcome in outcomes:
        click.echo(f"{outcome.order_number}: {outcome.action}" + (f" ({outcome.detail})" if outcome.detail else ""))
    errors = sum(1 for outcome in outcomes if outcome.action == "error")
    click.echo(f"{len(outcomes)} bestelling(en) en terugbetaling(en) nagekeken, {errors} fout(en).")
    if errors:
        raise SystemExit(1)


@click.command("expire-transfers")
@with_appcontext
def expire_transfers_command() -> None:
    """Cancel quotes past their last day and orders whose bank transfer did not come in time (their stock back,
    the customer mailed); safe to run again."""
    from shop.core.db import utcnow
    from shop.payments.transfers import expire_quotes_and_transfers

    outcome = expire_quotes_and_transfers(utcnow())
    for number in outcome.quotes:
        click.echo(f"{number}: offerte vervallen")
    for number in outcome.transfers:
        click.echo(f"{number}: overschrijving niet ontvangen, geannuleerd")
    for error in outcome.errors:
        click.echo(f"fout: {error}")
    click.echo(f"{len(outcome.quotes)} offerte(s) en {len(outcome.transfers)} bestelling(en) geannuleerd, "
               f"{len(outcome.errors)} fout(en).")
    if outcome.errors:
        raise SystemExit(1)


COMMANDS: list = [reconcile_command, expire_transfers_command]
