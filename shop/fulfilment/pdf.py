"""Fulfilment documents as PDF (fpdf2, embedded DejaVu Sans like the invoice): pick list, packing slips (one
per page), gift card (A6) and a producer's purchase list. Drawn from what shop.fulfilment.documents and
shop.supply.purchase_lists computed; the caller chooses the language (force_locale) where it matters.
"""

from __future__ import annotations

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from fpdf import FPDF

from shop.core.money import format_eur
from shop.core.pdf import (
    FONT,
    FONT_DIR,
    HEADING_FILL,
    LINE_HEIGHT,
    long_day,
    new_pdf,
    start_document,
    write_heading,
    write_paragraph,
    write_table,
)
from shop.core.settings import get_settings
from shop.fulfilment.documents import PackingSlip, PickList
from shop.orders.models import DeliveryMethod, OrderStatus
from shop.orders.queries import with_pickup_hour


def status_label(status: OrderStatus) -> str:
    """The staff word for an order status, in lower case (it stands inside a sentence or a table cell)."""
    return str(status.label).lower()


def _method(order, shipment, window: tuple[str, str] | None = None) -> str:
    if shipment is None:
        return ""
    if shipment.method == DeliveryMethod.PICKUP:
        return (_("afhalen op %(day)s", day=with_pickup_hour(long_day(shipment.scheduled_date), window))
                if shipment.scheduled_date else _("afhalen"))
    return _("levering op %(day)s", day=long_day(shipment.scheduled_date)) if shipment.scheduled_date else _("levering")


# --- pick list ---------------------------------------------------------------------------------------------


def render_pick_list_pdf(pick_list: PickList, heading: str, *, compress: bool = True) -> bytes:
    """A4 pick list: per producer (address, phone) its products with units to pick; per package; the orders."""
    pdf = new_pdf(compress)
    start_document(pdf, _("Picklijst %(heading)s", heading=heading), ", ".join(o.order.number for o in pick_list.orders))
    pdf.add_page()
    write_heading(pdf, _("Picklijst") + " – " + heading)
    write_paragraph(pdf, _("Bestellingen met status betaald of in voorbereiding: %(count)s", count=len(pick_list.orders)))
    pdf.ln(3)
    if pick_list.is_empty:
        write_paragraph(pdf, _("Geen bestellingen om te picken."))
        return bytes(pdf.output())

    write_heading(pdf, _("Per producent"), 13)
    for producer in pick_list.producers:
        pdf.ln(2)
        write_paragraph(pdf, producer.name, bold=True, size=10.5)
        write_paragraph(pdf, " · ".join(part for part in (producer.address, producer.phone) if part), size=8.5)
        rows = []
        for product in producer.products:
            notes = []
            if product.substitutes:
                notes.append(_("%(count)s als vervanging", count=product.substitutes))
            if product.removed:
                notes.append(_("%(count)s niet meer nodig (tekort opgelost)", count=product.removed))
            if product.open_short:
                notes.append(_("%(count)s open tekort", count=product.open_short))
            rows.append(["☐", str(product.total), product.name, product.unit, str(product.loose),
                         str(product.in_packages), "; ".join(notes)])
        write_table(pdf, ["", _("Picken"), _("Product"), _("Eenheid"), _("Los"), _("In pakket"), _("Opmerking")], rows,
               (4, 8, 33, 12, 6, 11, 26), ("C", "R", "L", "L", "R", "R", "L"))

    if pick_list.packages:
        pdf.ln(4)
        write_heading(pdf, _("Per pakket"), 13)
        for package in pick_list.packages:
            pdf.ln(2)
            write_paragraph(pdf, _("%(count)s × %(name)s samenstellen", count=package.count, name=package.name), bold=True,
                  size=10.5)
            rows = [[str(c.per_package), c.name, c.producer_name, str(c.total)] for c in package.components]
            write_table(pdf, [_("Per pakket"), _("Onderdeel"), _("Producent"), _("Totaal")], rows, (12, 45, 30, 13),
                   ("R", "L", "L", "R"))
            for adjustment in package.adjustments:
                write_paragraph(pdf, f"{adjustment.order_number}: {adjustment.describe()}", size=8.5)

    pdf.ln(4)
    write_heading(pdf, _("Bestellingen"), 13)
    rows = [[o.order.number, o.order.name,
             _method(o.order, o.shipment, o.pickup_window) if o.shipment is not None or o.shipment_count <= 1
             else ngettext("levering: %(num)d pakket", "levering: %(num)d pakketten", o.shipment_count),
             status_label(o.order.status)]
            for o in pick_list.orders]
    write_table(pdf, [_("Nummer"), _("Naam"), _("Afhalen of levering"), _("Status")], rows, (22, 30, 33, 15),
           ("L", "L", "L", "L"))
    return bytes(pdf.output())


# --- packing slips -------------------------------------------------------------------------------------------


def _draw_slip(pdf: FPDF, slip: PackingSlip) -> None:
    settings = get_settings()
    order = slip.order
    width = pdf.epw
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(width / 2, 5.5, settings.seller_name, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for text in settings.seller_address:
        pdf.cell(width / 2, LINE_HEIGHT, text, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width / 2, LINE_HEIGHT, settings.seller_email, new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width / 2, top)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(width / 2, 9, _("Pakbon"), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    details = [_("Bestelling: %(number)s", number=order.number),
               _("Besteld op: %(date)s", date=format_date(slip.placed_on, "d MMMM yyyy"))]
    if slip.day:
        details.append(_("Dag: %(date)s", date=long_day(slip.day)))
    for text in details:
        pdf.set_x(pdf.l_margin + width / 2)
        pdf.cell(width / 2, LINE_HEIGHT, text, align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)

    write_paragraph(pdf, _("Voor"), bold=True, size=10)
    write_paragraph(pdf, slip.recipient_name, size=11)
    if slip.is_pickup:
        write_paragraph(pdf, _("Afhalen op %(day)s in het Groot Vleeshuis", day=with_pickup_hour(long_day(slip.day), slip.pickup_window)) if slip.day
              else _("Afhalen in het Groot Vleeshuis"))
    for text in slip.address_lines:
        write_paragraph(pdf, text)
    pdf.ln(4)

    rows: list[list[str]] = []
    for line in slip.lines:
        name = line.name + (f" ({line.unit})" if line.unit else "")
        row = [str(line.quantity), name]
        if slip.show_prices:
            row += [format_eur(line.unit_price_cents), format_eur(line.total_cents)]
        rows.append(row)
        for units, component in line.components:
            rows.append(["", f"    {units} × {component}"] + (["", ""] if slip.show_prices else []))
        for adjustment in line.adjustments:
            rows.append(["", "    " + adjustment.describe()] + (["", ""] if slip.show_prices else []))
    if slip.show_prices:
        rows.append(["", _("Levering")] + ["", format_eur(order.delivery_fee_cents)])
        rows.append(["", _("Totaal")] + ["", format_eur(order.total_cents)])
        write_table(pdf, [_("Aantal"), _("Omschrijving"), _("Prijs"), _("Totaal")], rows, (10, 60, 15, 15),
               ("R", "L", "R", "R"), size=9.5)
    else:
        write_table(pdf, [_("Aantal"), _("Omschrijving")], rows, (10, 90), ("R", "L"), size=9.5)

    if slip.gift_message:
        pdf.ln(6)
        write_paragraph(pdf, _("Boodschap"), bold=True, size=10)
        pdf.set_font(FONT, "", 11)
        pdf.set_fill_color(*HEADING_FILL)
        pdf.multi_cell(width, 6, slip.gift_message, border=1, fill=True, padding=3, align="L", new_x="LMARGIN",
                       new_y="NEXT")
        pdf.set_font(FONT, "", 9.5)


def render_packing_slips_pdf(slips: list[PackingSlip], *, compress: bool = True) -> bytes:
    """A4, one page per slip (a long order runs on; the next slip starts on a new page)."""
    pdf = new_pdf(compress)
    numbers = ", ".join(slip.order.number for slip in slips)
    start_document(pdf, (_("Pakbon %(number)s", number=numbers) if len(slips) == 1 else _("Pakbonnen")), numbers)
    if not slips:
        pdf.add_page()
        write_paragraph(pdf, _("Geen bestellingen."))
    for slip in slips:
        pdf.add_page()
        _draw_slip(pdf, slip)
    return bytes(pdf.output())


# --- gift card -------------------------------------------------------------------------------------------------


def render_gift_card_pdf(slip: PackingSlip, *, compress: bool = True) -> bytes:
    """An A6 card (105 × 148 mm, portrait): the recipient, the gift message and who sends it; never prices."""
    return render_gift_cards_pdf([slip], compress=compress)


def render_gift_cards_pdf(slips: list[PackingSlip], *, compress: bool = True) -> bytes:
    """A6 cards, one per page (one per shipment): the company's logo (a gift list's), the recipient, the personal
    message, the common message and who sends it; never prices. Texts are printed as written."""
    pdf = FPDF(orientation="portrait", unit="mm", format=(105, 148))
    pdf.compress = compress
    pdf.set_margins(12, 14, 12)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    numbers = ", ".join(dict.fromkeys(slip.order.number for slip in slips))
    start_document(pdf, _("Wenskaart %(number)s", number=numbers), numbers)
    logos: dict[str, bytes | None] = {}
    for slip in slips:
        _draw_card(pdf, slip, logos)
    if not slips:
        pdf.add_page()
    return bytes(pdf.output())


def _logo(key: str | None, cache: dict[str, bytes | None]) -> bytes | None:
    """The stored logo's small variant (shop.catalog.images), or None when it is gone."""
    if not key:
        return None
    if key not in cache:
        from shop.catalog.images import THUMBNAIL_SIZE, variant_key
        from shop.core.storage import get_storage

        try:
            cache[key] = get_storage().open(variant_key(key, THUMBNAIL_SIZE))
        except (OSError, ValueError):
            cache[key] = None
    return cache[key]


def _draw_card(pdf: FPDF, slip: PackingSlip, logos: dict) -> None:
    import io

    pdf.add_page()
    width = pdf.epw
    logo = _logo(slip.logo_key, logos)
    if logo:
        pdf.image(io.BytesIO(logo), x=pdf.l_margin + width / 2 - 15, w=30, keep_aspect_ratio=True, h=18)
        pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    pdf.cell(width, 6, _("Voor"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(width, 8, slip.recipient_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "", 12)
    if slip.gift_message:
        pdf.multi_cell(width, 6.5, slip.gift_message, align="C", new_x="LMARGIN", new_y="NEXT")
    if slip.common_message:
        pdf.ln(3)
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(width, 6, slip.common_message, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(width, 6, _("Van %(name)s", name=slip.sender), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-22)
    pdf.set_font(FONT, "", 7.5)
    pdf.cell(width, 4, "Lekker Oost-Vlaams · " + get_settings().shop_name, align="C")
