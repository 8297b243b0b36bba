"""The reports as CSV files the way Belgian Excel opens them (like the product CSV of shop.listings.product_csv):
UTF-8 with a BOM, ``;`` between fields, CRLF line ends, amounts in euro with a decimal comma (``1234,50``),
a header row; a cell that starts like a formula is written as text (shop.core.downloads.csv_bytes, the one CSV
writer). A report with parts (VAT, the number of documents and the refunds; products and packages) has them one
under the other, separated by an empty row, each with its own header row.
"""

from __future__ import annotations

from flask_babel import gettext as _

from shop.core.downloads import csv_bytes
from shop.core.money import cents_to_text
from shop.reporting.reports import BestsellersReport, SalesReport, VatReport

# Cents as euro with a decimal comma and no thousands separator: 123450 -> "1234,50", -5 -> "-0,05".
euro = cents_to_text


def report_filename(slug: str, start, end) -> str:
    return f"{slug}-{start.isoformat()}-{end.isoformat()}.csv"


def sales_csv(report: SalesReport) -> bytes:
    """Producer, producer number, orders, units, amount incl. VAT, then base and VAT per rate; a totals row."""
    header = [_("Producent"), _("Producentnummer"), _("Bestellingen"), _("Aantal"), _("Bedrag incl. btw")]
    for rate in report.rates:
        header += [_("Maatstaf %(rate)s %%", rate=rate), _("Btw %(rate)s %%", rate=rate)]
    rows: list[list[object]] = [header]
    for row in report.rows:
        line: list[object] = [row.name, row.producer_id, row.order_count, row.units, euro(row.total_cents)]
        for rate in report.rates:
            part = row.by_rate.get(rate)
            line += [euro(part.base_cents), euro(part.vat_cents)] if part else [euro(0), euro(0)]
        rows.append(line)
    totals: list[object] = [_("Totaal"), "", "", report.units, euro(report.total_cents)]
    for rate in report.rates:
        total = report.totals_by_rate[rate]
        totals += [euro(total.base_cents), euro(total.vat_cents)]
    rows.append(totals)
    return csv_bytes(rows)


def vat_csv(report: VatReport) -> bytes:
    """Per rate: base, VAT and gross invoiced, credited and net (invoiced minus credited); a totals row; the number
    of invoices and of credit notes; then, for information, the refunds of the period with their credit note."""
    rows: list[list[object]] = [[
        _("Btw-tarief"),
        _("Maatstaf gefactureerd"), _("Btw gefactureerd"), _("Totaal gefactureerd"),
        _("Maatstaf gecrediteerd"), _("Btw gecrediteerd"), _("Totaal gecrediteerd"),
        _("Maatstaf netto"), _("Btw netto"), _("Totaal netto"),
    ]]

    def amounts(*parts) -> list[object]:
        return [euro(value) for part in parts for value in (part.base_cents, part.vat_cents, part.gross_cents)]

    for line in report.lines:
        rows.append([f"{line.rate} %", *amounts(line.invoiced, line.credited, line.net)])
    rows.append([_("Totaal"), *amounts(report.invoiced, report.credited, report.net)])
    rows.append([])
    rows.append([_("Facturen"), report.invoice_count])
    rows.append([_("Creditnota's"), report.credit_note_count])
    rows.append([])
    rows.append([_("Terugbetaling op"), _("Bestelling"), _("Bedrag"), _("Status"), _("Reden"), _("Creditnota")])
    for refund in report.refunds:
        rows.append([refund.day.isoformat(), refund.order_number, euro(refund.amount_cents), refund.status_label,
                     refund.reason, refund.credit_note_number])
    rows.append([_("Totaal terugbetaald"), "", euro(report.refunded_cents), "", "", ""])
    return csv_bytes(rows)


def bestsellers_csv(report: BestsellersReport) -> bytes:
    """The products (rank, name, producer, units, revenue), an empty row, then the packages."""
    rows: list[list[object]] = [[_("Rang"), _("Product"), _("Producent"), _("Aantal"), _("Omzet incl. btw")]]
    for rank, row in enumerate(report.products, 1):
        rows.append([rank, row.name, row.producer, row.units, euro(row.revenue_cents)])
    rows.append([])
    rows.append([_("Rang"), _("Pakket"), "", _("Aantal"), _("Omzet incl. btw")])
    for rank, row in enumerate(report.packages, 1):
        rows.append([rank, row.name, "", row.units, euro(row.revenue_cents)])
    return csv_bytes(rows)
