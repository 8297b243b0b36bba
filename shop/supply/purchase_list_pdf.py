"""The purchase list as a PDF: what one producer delivers to the Groot Vleeshuis over a period."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from shop.core.pdf import long_day, new_pdf, start_document, write_heading, write_paragraph, write_table
from shop.core.settings import get_settings
from shop.supply.purchase_list_data import PurchaseList


def render_purchase_list_pdf(purchase: PurchaseList, *, compress: bool = True) -> bytes:
    """A4: shop, producer, period, per product the units to deliver, the days and the orders."""
    settings = get_settings()
    producer = purchase.producer
    pdf = new_pdf(compress)
    title = _("Inkooplijst %(producer)s", producer=producer.name)
    start_document(pdf, title, f"{purchase.start.isoformat()} – {purchase.end.isoformat()}")
    pdf.add_page()
    write_paragraph(pdf, settings.seller_name, bold=True, size=11)
    write_paragraph(pdf, ", ".join(settings.seller_address) + " · " + settings.seller_email, size=9)
    pdf.ln(4)
    write_heading(pdf, title)
    write_paragraph(pdf, " · ".join(part for part in (producer.address_line, producer.phone, producer.email) if part))
    write_paragraph(pdf, _("Periode: %(start)s tot en met %(end)s (afhaal- en leverdagen)", start=long_day(purchase.start),
                 end=long_day(purchase.end)))
    write_paragraph(pdf, _("Leveren in het Groot Vleeshuis: %(place)s", place=", ".join(settings.pickup_address)))
    pdf.ln(4)
    if not purchase.lines:
        write_paragraph(pdf, _("Niets te leveren in deze periode."))
        return bytes(pdf.output())
    rows = [[str(line.quantity), line.name, line.unit, ", ".join(format_date(d, "EEE d/M") for d in line.days),
             ", ".join(line.orders)] for line in purchase.lines]
    rows.append([str(purchase.total), _("Totaal aantal stuks"), "", "", ""])
    write_table(pdf, [_("Aantal"), _("Product"), _("Eenheid"), _("Nodig op"), _("Bestellingen")], rows,
           (10, 34, 14, 20, 22), ("R", "L", "L", "L", "L"))
    if purchase.open_short:
        pdf.ln(3)
        write_paragraph(pdf, _("Niet meegeteld: %(count)s stuks die je als tekort meldde; het Groot Vleeshuis zoekt een "
                     "oplossing.", count=purchase.open_short), size=9)
    return bytes(pdf.output())
