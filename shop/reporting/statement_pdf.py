"""The producer statement as an A4 PDF (fpdf2, embedded DejaVu Sans like the invoice PDF)."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from shop.catalog.models import Producer
from shop.core.money import format_eur
from shop.core.pdf import FONT, HEADING_FILL, LINE_HEIGHT, new_pdf, start_document, write_row, write_vat_summary
from shop.core.settings import get_settings
from shop.reporting.statements import Statement


def render_statement_pdf(statement: Statement, producer: Producer, *, compress: bool = True) -> bytes:
    """A4: shop and producer, the period, per product units and amount, base and VAT per rate, total owed."""
    settings = get_settings()
    pdf = new_pdf(compress)
    title = _("Afrekening %(producer)s", producer=producer.name)
    start_document(pdf, title)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(width, 6, settings.seller_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    for text in settings.seller_address:
        pdf.cell(width, LINE_HEIGHT, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(width, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    pdf.cell(width, LINE_HEIGHT, producer.address_line, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, LINE_HEIGHT, _("Periode: %(start)s tot en met %(end)s",
                                   start=format_date(statement.start, "long"), end=format_date(statement.end, "long")),
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, LINE_HEIGHT, _("Aantal bestellingen: %(count)s", count=statement.order_count),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    columns = [width * 0.55, width * 0.12, width * 0.11, width * 0.22]
    aligns = ["L", "R", "R", "R"]

    def row(values, bold=False):
        write_row(pdf, values, columns, aligns, bold=bold, fill=bold)

    pdf.set_fill_color(*HEADING_FILL)
    row([_("Product"), _("Aantal"), _("Btw"), _("Bedrag incl. btw")], bold=True)
    if not statement.lines:
        row([_("Geen verkopen in deze periode."), "", "", ""])
    for line in statement.lines:
        row([line.name[:70], str(line.units), f"{line.vat_rate} %", format_eur(line.amount_cents)])
    pdf.ln(4)

    write_vat_summary(pdf, statement.vat_lines, _("Verschuldigd aan de producent"), statement.total_cents)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(width, LINE_HEIGHT, _("Bedragen incl. btw zoals verkocht; eventuele commissie wordt apart "
                                         "verrekend."), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, LINE_HEIGHT, _("Creditnota's zijn afgetrokken in de periode waarin ze uitgereikt zijn: "
                                         "een terugbetaald tekort bij de producent die niet kon leveren, een "
                                         "volledige terugbetaling bij elke producent van de bestelling, een andere "
                                         "terugbetaling naar verhouding van ieders aandeel per btw-tarief."),
                   new_x="LMARGIN", new_y="NEXT")
    if statement.credit_notes:
        pdf.multi_cell(width, LINE_HEIGHT, _("Verrekende creditnota's: %(numbers)s.",
                                             numbers=", ".join(statement.credit_notes)),
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
