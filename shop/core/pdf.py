"""What every PDF of the shop shares: an A4 page with its margins and the embedded font.

DejaVu Sans is embedded (static/fonts, with its licence) because the PDF core fonts cannot print "€" and
every accented name reliably.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from shop.core.money import format_eur
from shop.core.settings import get_settings

FONT_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
FONT = "DejaVu"
LINE_HEIGHT = 5.5


def new_pdf(compress: bool) -> FPDF:
    """An A4 page with 18 mm margins and DejaVu Sans (regular and bold) embedded."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.compress = compress
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    return pdf


HEADING_FILL = (240, 235, 225)
HEADINGS = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)


def start_document(pdf: FPDF, title: str, subject: str = "") -> None:
    """The document's title, subject and author (the seller) in its properties."""
    settings = get_settings()
    pdf.set_title(title)
    if subject:
        pdf.set_subject(subject)
    pdf.set_author(settings.seller_name)
    pdf.set_creator("Lekker Oost-Vlaams")


def write_heading(pdf: FPDF, text: str, size: float = 16) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(pdf.epw, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)


def write_paragraph(pdf: FPDF, text: str, bold: bool = False, size: float = 9.5) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(pdf.epw, LINE_HEIGHT, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)


def write_table(pdf: FPDF, headings: list[str], rows: list[list[str]], widths: tuple, aligns: tuple,
                size: float = 9) -> None:
    pdf.set_font(FONT, "", size)
    with pdf.table(col_widths=widths, text_align=aligns, headings_style=HEADINGS, line_height=5,
                   borders_layout="HORIZONTAL_LINES", padding=(1, 1.5), cell_fill_mode="NONE") as table:
        heading = table.row()
        for text in headings:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)
    pdf.set_font(FONT, "", 9.5)


def write_row(pdf: FPDF, values: Sequence[str], columns: Sequence[float], aligns: Sequence[str], *,
              bold: bool = False, size: float = 9.5, fill: bool = False) -> None:
    """One 6 mm line of a table drawn cell by cell; a filled line (the headings) is underlined."""
    pdf.set_font(FONT, "B" if bold else "", size)
    for value, column, align in zip(values, columns, aligns, strict=True):
        pdf.cell(column, 6, value, align=align, fill=fill, border="B" if fill else 0)
    pdf.ln(6)


def write_vat_summary(pdf: FPDF, vat_lines: Iterable[dict], total_label: str, total_cents: int,
                      eur: Callable[[int], str] = format_eur) -> None:
    """Base, VAT and amount incl. VAT per rate in four equal columns, then the total in bold under them
    (the invoice's and the producer statement's closing block)."""
    width = pdf.epw
    columns, aligns = [width * 0.25] * 4, ["R"] * 4
    pdf.set_fill_color(*HEADING_FILL)
    write_row(pdf, [_("Btw-tarief"), _("Maatstaf"), _("Btw"), _("Totaal incl. btw")], columns, aligns,
              bold=True, fill=True)
    for vat in vat_lines:
        write_row(pdf, [f"{vat['rate']} %", eur(vat["base_cents"]), eur(vat["vat_cents"]), eur(vat["gross_cents"])],
                  columns, aligns)
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(width * 0.75, 8, total_label, align="R")
    pdf.cell(width * 0.25, 8, eur(total_cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def long_day(value) -> str:
    return format_date(value, "EEEE d MMMM yyyy") if value else ""
