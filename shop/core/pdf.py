"""What every PDF of the shop shares: an A4 page with its margins and the embedded font.

DejaVu Sans is embedded (static/fonts, with its licence) because the PDF core fonts cannot print "€" and
every accented name reliably.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import format_date
from fpdf import FPDF
from fpdf.fonts import FontFace

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


def long_day(value) -> str:
    return format_date(value, "EEEE d MMMM yyyy") if value else ""
