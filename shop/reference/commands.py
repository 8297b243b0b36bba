"""CLI commands of the reference data; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shop.extensions import db
from shop.reference.loader import ReferenceDataError, load_reference_data


@click.command("reference-data")
@with_appcontext
def reference_data_command() -> None:
    """Add or update the reference data (VAT categories and rates, categories, labels, regions,
    municipalities, localities) from shop/reference/data, and commit. Safe to run again; deletes nothing."""
    try:
        report = load_reference_data()
    except ReferenceDataError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    click.echo("reference data loaded" if report.changed else "reference data already up to date")


COMMANDS: list = [reference_data_command]
