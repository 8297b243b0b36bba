"""CLI commands of the invoicing domain; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

from pathlib import Path

import click


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


COMMANDS: list = [validate_ubl_command]
