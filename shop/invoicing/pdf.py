"""The invoice PDF, drawn with fpdf2 from the invoice's data (never from the live order or catalogue).

The page and its embedded font come from shop.core.pdf.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from shop.core.clock import shop_day
from shop.core.i18n import MONEY_LOCALES
from shop.core.money import format_eur
from shop.core.pdf import FONT, HEADING_FILL, LINE_HEIGHT, new_pdf, write_row, write_vat_summary
from shop.invoicing.models import Invoice


def render_invoice_pdf(invoice: Invoice, *, compress: bool = True) -> bytes:
    """A4 invoice: seller, buyer (with VAT number), number and dates, lines, VAT per rate, total, payment."""
    locale = (invoice.order.locale if invoice.order is not None else None) or "nl"
    money_locale = MONEY_LOCALES.get(locale, "nl_BE")

    def eur(cents: int) -> str:
        return format_eur(cents, money_locale)

    with force_locale(locale):
        pdf = new_pdf(compress)
        pdf.set_title(_("Factuur %(number)s", number=invoice.number))
        pdf.set_author(invoice.seller.get("name", ""))
        pdf.set_creator("Lekker Oost-Vlaams")
        pdf.add_page()
        width = pdf.epw

        # Seller (left) and the title block (right).
        top = pdf.get_y()
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(width / 2, 6, invoice.seller.get("name", ""), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9.5)
        for text in invoice.seller.get("address", []):
            pdf.cell(width / 2, LINE_HEIGHT, text, new_x="LMARGIN", new_y="NEXT")
        if invoice.seller.get("vat_number"):
            pdf.cell(width / 2, LINE_HEIGHT, _("Btw-nummer: %(vat)s", vat=invoice.seller["vat_number"]),
                     new_x="LMARGIN", new_y="NEXT")
        if invoice.seller.get("email"):
            pdf.cell(width / 2, LINE_HEIGHT, invoice.seller["email"], new_x="LMARGIN", new_y="NEXT")
        seller_bottom = pdf.get_y()

        pdf.set_xy(pdf.l_margin + width / 2, top)
        pdf.set_font(FONT, "B", 18)
        pdf.cell(width / 2, 9, _("Factuur"), align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 9.5)
        issued_day = shop_day(invoice.issued_at)
        details = [
            _("Factuurnummer: %(number)s", number=invoice.number),
            _("Factuurdatum: %(date)s", date=format_date(issued_day, "long")),
        ]
        if invoice.order is not None:
            details.append(_("Bestelling: %(number)s", number=invoice.order.number))
        for text in details:
            pdf.set_x(pdf.l_margin + width / 2)
            pdf.cell(width / 2, LINE_HEIGHT, text, align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_y(max(seller_bottom, pdf.get_y()) + 8)

        # Buyer.
        buyer = invoice.buyer
        pdf.set_font(FONT, "B", 10)
        pdf.cell(width, LINE_HEIGHT, _("Factuur aan"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9.5)
        buyer_lines = []
        if buyer.get("company_name"):
            buyer_lines.append(buyer["company_name"])
        buyer_lines.append(buyer.get("name", ""))
        buyer_lines.extend(line for line in buyer.get("address", []) if line)
        if buyer.get("pickup"):
            buyer_lines.append(_("Afhaling in het Groot Vleeshuis"))
        if buyer.get("vat_number"):
            buyer_lines.append(_("Btw-nummer: %(vat)s", vat=buyer["vat_number"]))
        if buyer.get("email"):
            buyer_lines.append(buyer["email"])
        for text in buyer_lines:
            pdf.cell(width, LINE_HEIGHT, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)

        # Lines.
        columns = [width * 0.46, width * 0.09, width * 0.16, width * 0.10, width * 0.19]
        headers = [_("Omschrijving"), _("Aantal"), _("Eenheidsprijs"), _("Btw"), _("Totaal")]
        aligns = ["L", "R", "R", "R", "R"]

        def row(values, bold=False, size=9.5, fill=False):
            write_row(pdf, values, columns, aligns, bold=bold, size=size, fill=fill)

        pdf.set_fill_color(*HEADING_FILL)
        row(headers, bold=True, fill=True)
        for line in invoice.lines:
            rate = f"{line['vat_rate']} %" if line.get("vat_rate") is not None else ""
            name = line["name"] + (f" ({line['unit']})" if line.get("unit") else "")
            row([name[:60], str(line["quantity"]), eur(line["unit_price_cents"]), rate, eur(line["total_cents"])])
            if len(line.get("vat_split", [])) > 1 or line.get("kind") == "package":
                for part in line.get("vat_split", []):
                    row(["    " + _("waarvan aan %(rate)s %% btw", rate=part["rate"]), "", "", f"{part['rate']} %",
                         eur(part["gross_cents"])], size=8.5)
            if line.get("components"):
                pdf.set_font(FONT, "", 8)
                names = ", ".join(f"{c['quantity']} × {c['name']}" for c in line["components"])
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(columns[0] + columns[1] - 4, 4.2, names, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

        # VAT per rate.
        write_vat_summary(pdf, invoice.vat_lines, _("Totaal"), invoice.total_cents, eur)

        # Payment.
        pdf.set_font(FONT, "", 9.5)
        payment = invoice.payment or {}
        if payment.get("paid_at"):
            paid_day = shop_day(datetime.fromisoformat(payment["paid_at"]))
            note = _("Betaald op %(date)s.", date=format_date(paid_day, "long"))
        else:
            note = _("Betaald.")
        if payment.get("reference"):
            note += " " + _("Betalingsreferentie: %(reference)s", reference=payment["reference"])
        pdf.multi_cell(width, LINE_HEIGHT, note, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
