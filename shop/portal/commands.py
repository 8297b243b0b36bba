"""CLI commands of the producer portal; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from shop.core.clock import SHOP_TIMEZONE
from shop.extensions import db


@click.command("send-order-lists")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Act as if it were this moment (e.g. 2026-11-26T12:05, shop time); default: now.")
@with_appcontext
def send_order_lists_command(now_text: str | None) -> None:
    """E-mail each producer its weekly order list once the weekly cut-off has passed.

    Safe to run often (cron every hour): a list is sent once per producer and week; before the cut-off
    nothing happens.
    """
    from shop.supply.producer_lists import send_weekly_order_lists

    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as error:
            raise click.BadParameter("use an ISO date-time such as 2026-11-26T12:05", param_hint="--now") from error
        if now.tzinfo is None:
            now = now.replace(tzinfo=SHOP_TIMEZONE)
    else:
        now = datetime.now(SHOP_TIMEZONE)
    try:
        sent = send_weekly_order_lists(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"order lists sent: {sent}")


COMMANDS: list = [send_order_lists_command]
