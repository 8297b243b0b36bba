"""The producer statement as an A4 PDF (fpdf2, embedded DejaVu Sans like the invoice PDF)."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from shop.catalog.models import Producer
from shop.core.money import format_eur
from shop.core.pdf import FONT, LINE_HEIGHT, new_pdf
from shop.core.settings import get_settings
from shop.reporting.statements import Statement


def render_statement_pdf(statement: Statement, producer: Producer, *, compress: bool = True) -> bytes:
    """A4: shop and producer, the period, per product units and amount, base and VAT per rate, total owed."""
    settings = get_settings()
    pdf = new_pdf(compress)
    title = _("Afrekening %(producer)s", producer=producer.name)
    pdf.set_title(title)
    pdf.set_author(settings.seller_name)
    pdf.set_creator("Lekker Oost-Vlaams")
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

    def row(values, bold=False, fill=False):
        pdf.set_font(FONT, "B" if bold else "", 9.5)
        for value, column, align in zip(values, columns, aligns, strict=True):
            pdf.cell(column, 6, value, align=align, fill=fill, border="B" if fill else 0)
        pdf.ln(6)

    pdf.set_fill_color(240, 235, 225)
    row([_("Product"), _("Aantal"), _("Btw"), _("Bedrag incl. btw")], bold=True, fill=True)
    if not statement.lines:
        row([_("Geen verkopen in deze periode."), "", "", ""])
    for line in statement.lines:
        row([line.name[:70], str(line.units), f"{line.vat_rate} %", format_eur(line.amount_cents)])
    pdf.ln(4)

    vat_columns = [width * 0.25] * 4
    pdf.set_font(FONT, "B", 9.5)
    for value, column in zip([_("Btw-tarief"), _("Maatstaf"), _("Btw"), _("Totaal incl. btw")], vat_columns,
                             strict=True):
        pdf.cell(column, 6, value, align="R", fill=True, border="B")
    pdf.ln(6)
    pdf.set_font(FONT, "", 9.5)
    for vat in statement.vat_lines:
        for value, column in zip([f"{vat['rate']} %", format_eur(vat["base_cents"]), format_eur(vat["vat_cents"]),
                                  format_eur(vat["gross_cents"])], vat_columns, strict=True):
            pdf.cell(column, 6, value, align="R")
        pdf.ln(6)
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(width * 0.75, 8, _("Verschuldigd aan de producent"), align="R")
    pdf.cell(width * 0.25, 8, format_eur(statement.total_cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(width, LINE_HEIGHT, _("Bedragen incl. btw zoals verkocht; eventuele commissie wordt apart "
                                         "verrekend."), new_x="LMARGIN", new_y="NEXT")
    if statement.partially_refunded:
        pdf.multi_cell(width, LINE_HEIGHT, _("Gedeeltelijk terugbetaald (hierboven volledig meegeteld, apart "
                                             "verrekend): %(numbers)s.", numbers=", ".join(statement.partially_refunded)),
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
