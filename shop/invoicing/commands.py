"""CLI commands of the invoicing domain; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


def _report(outcomes, what: str) -> None:
    for outcome in outcomes:
        click.echo(f"{outcome.number}: {outcome.action}" + (f" ({outcome.detail})" if outcome.detail else ""))
    errors = sum(1 for outcome in outcomes if outcome.action == "error")
    click.echo(f"{len(outcomes)} e-factuur/e-facturen {what}, {errors} fout(en).")
    if errors:
        raise SystemExit(1)


@click.command("send-einvoices")
@click.option("--limit", default=100, show_default=True, help="At most this many e-invoices per run.")
@with_appcontext
def send_einvoices_command(limit: int) -> None:
    """Send the queued e-invoices of companies: through the access point (SHOP_ACCESS_POINT_URL) or, without
    one, by e-mail to the buyer with a copy under instance/einvoices. One that cannot be sent now stays queued."""
    from shop.invoicing.delivery import send_queued_einvoices

    if not current_app.config.get("ACCESS_POINT_URL"):
        click.echo("SHOP_ACCESS_POINT_URL is niet ingesteld: e-facturen gaan per e-mail naar de koper.")
    _report(send_queued_einvoices(limit), "verwerkt")


@click.command("poll-einvoices")
@click.option("--limit", default=500, show_default=True, help="At most this many e-invoices per run.")
@with_appcontext
def poll_einvoices_command(limit: int) -> None:
    """Ask the access point whether the e-invoices it took were delivered or rejected, and record it."""
    from shop.invoicing.delivery import poll_einvoices

    _report(poll_einvoices(limit), "bijgewerkt")


@click.command("validate-ubl")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_ubl_command(files: tuple[Path, ...]) -> None:
    """Validate UBL invoices and credit notes offline against Peppol BIS Billing 3.0 (UBL 2.1 schema, EN 16931
    and Peppol rules), as an access point would: each finding as RULE [flag] location: message. Exits with 1
    when a file has a blocking (fatal or error) finding."""
    from shop.invoicing.validation import validate_ubl

    refused = 0
    for path in files:
        findings = validate_ubl(path.read_bytes())
        blocking = [finding for finding in findings if finding.blocking]
        verdict = "INVALID" if blocking else "VALID"
        click.echo(f"{path}: {verdict} ({len(blocking)} fatal/error, {len(findings) - len(blocking)} warning)")
        for finding in sorted(findings, key=lambda finding: not finding.blocking):
            click.echo(f"  {finding}")
        refused += bool(blocking)
    if refused:
        raise SystemExit(1)


COMMANDS: list = [validate_ubl_command, send_einvoices_command, poll_einvoices_command]
