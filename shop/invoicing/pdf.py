"""The invoice and credit-note PDFs, drawn with fpdf2 from the document's data (never from the live order or
catalogue). One layout (``draw_document``) serves both, and the quote (shop.invoicing.quotes): a credit note differs
only in its words, the invoice it corrects and its reason; a quote in its words, validity and closing note
(``Heading``).

The page and its embedded font come from shop.core.pdf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from shop.core.clock import shop_day
from shop.core.i18n import MONEY_LOCALES
from shop.core.money import format_eur
from shop.core.pdf import (
    FONT,
    HEADING_FILL,
    LINE_HEIGHT,
    long_day,
    new_pdf,
    write_heading,
    write_paragraph,
    write_row,
    write_table,
)
from shop.invoicing.mentions import credit_note_mention
from shop.invoicing.models import CreditNote, Invoice, InvoiceDocument


def render_invoice_pdf(invoice: Invoice, *, compress: bool = True) -> bytes:
    """A4 invoice: seller, buyer (a company with its VAT number, enterprise number, Peppol id and purchase-order
    reference), number and dates, lines, VAT per rate, total, payment."""
    return _render_document(invoice, compress=compress)


def render_credit_note_pdf(note: CreditNote, *, compress: bool = True) -> bytes:
    """A4 credit note, laid out as the invoice: "Creditnota", its number and date, the invoice it corrects
    (number and date), the reason, the lines and VAT per rate credited, and the total paid back."""
    return _render_document(note, compress=compress)


def render_document_pdf(document: InvoiceDocument, *, compress: bool = True) -> bytes:
    """The PDF of an invoice or a credit note, whichever it is (the e-invoice embeds it, mails attach it)."""
    return _render_document(document, compress=compress)


def _buyer_lines(buyer: dict) -> list[str]:
    """The buyer as printed: company and person, address (or pickup), and a company's identifiers."""
    lines = []
    if buyer.get("company_name"):
        lines.append(buyer["company_name"])
    lines.append(buyer.get("name", ""))
    lines.extend(line for line in buyer.get("address", []) if line)
    if buyer.get("pickup"):
        lines.append(_("Afhaling in het Groot Vleeshuis"))
    if buyer.get("vat_number"):
        lines.append(_("Btw-nummer: %(vat)s", vat=buyer["vat_number"]))
        if buyer.get("enterprise_number"):
            lines.append(_("Ondernemingsnummer: %(number)s", number=buyer["enterprise_number"]))
        if buyer.get("peppol_id"):
            lines.append(_("Peppol-id: %(id)s", id=buyer["peppol_id"]))
    if buyer.get("purchase_order"):
        lines.append(_("Uw referentie (bestelbon): %(reference)s", reference=buyer["purchase_order"]))
    if buyer.get("email"):
        lines.append(buyer["email"])
    return lines


@dataclass(frozen=True)
class Heading:
    """What tells one kind of document from another on the page (the rest is the document's data): its title
    (the PDF's properties), the big word at the top right, the details under it (number, dates, order), the
    label above the buyer, a reason under the buyer, the label of the total, the closing note (payment), and what
    follows on pages of its own (an invoice's recipients annex)."""

    title: str
    word: str
    details: list[str]
    to_label: str
    total_label: str
    note: str
    reason: str = ""
    after: Callable[[Any], None] | None = None  # draws what follows the document on pages of its own (an annex)


def _render_document(document: InvoiceDocument, *, compress: bool) -> bytes:
    """An invoice or a credit note as an A4 PDF (see draw_document)."""
    is_credit = isinstance(document, CreditNote)
    order = document.order
    locale = (order.locale if order is not None else None) or "nl"
    with force_locale(locale):
        issued_on = format_date(shop_day(document.issued_at), "long")
        if is_credit:
            invoice = document.invoice
            details = [
                _("Creditnotanummer: %(number)s", number=document.number),
                _("Datum: %(date)s", date=issued_on),
                _("Corrigeert factuur %(number)s van %(date)s", number=invoice.number,
                  date=format_date(shop_day(invoice.issued_at), "long")),
            ]
        else:
            details = [
                _("Factuurnummer: %(number)s", number=document.number),
                _("Factuurdatum: %(date)s", date=issued_on),
            ]
        if order is not None:
            details.append(_("Bestelling: %(number)s", number=order.number))
        heading = Heading(
            title=(_("Creditnota %(number)s", number=document.number) if is_credit
                   else _("Factuur %(number)s", number=document.number)),
            word=_("Creditnota") if is_credit else _("Factuur"),
            details=details,
            to_label=_("Creditnota aan") if is_credit else _("Factuur aan"),
            total_label=_("Totaal terugbetaald") if is_credit else _("Totaal"),
            note=_payment_note(document, is_credit),
            reason=_("Reden: %(reason)s", reason=document.reason) if is_credit and document.reason else "",
            after=((lambda pdf: _write_recipients_annex(pdf, document, order))
                   if not is_credit and order is not None and len(order.shipments) > 1 else None),
        )
    return draw_document(document, heading, locale=locale, compress=compress)


def draw_document(document, heading: Heading, *, locale: str, compress: bool) -> bytes:
    """A document of the shop as an A4 PDF: the seller and the heading, the buyer, the lines, VAT per rate (base,
    VAT, gross), the totals of base and VAT, the rounding when there is one (so base + VAT + rounding is the
    total), the total, and the heading's note. ``document`` has what an InvoiceDocument has (seller, buyer, lines,
    vat_lines, base/vat/rounding/total cents): an invoice, a credit note, or a quote (shop.invoicing.quotes)."""
    money_locale = MONEY_LOCALES.get(locale, "nl_BE")

    def eur(cents: int) -> str:
        return format_eur(cents, money_locale)

    with force_locale(locale):
        pdf = new_pdf(compress)
        # Dated by the document, not by the moment it is drawn: an immutable document draws to the same bytes
        # every time (the e-invoice embeds it and is resent under the same idempotency key).
        issued = getattr(document, "issued_at", None)
        if issued is not None:
            pdf.creation_date = issued if issued.tzinfo else issued.replace(tzinfo=timezone.utc)
        pdf.set_title(heading.title)
        pdf.set_author(document.seller.get("name", ""))
        pdf.set_creator("Lekker Oost-Vlaams")
        pdf.add_page()
        width = pdf.epw

        # Seller (left) and the title block (right).
        top = pdf.get_y()
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(width / 2, 6, document.seller.get("name", ""), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9.5)
        for text in document.seller.get("address", []):
            pdf.cell(width / 2, LINE_HEIGHT, text, new_x="LMARGIN", new_y="NEXT")
        if document.seller.get("vat_number"):
            pdf.cell(width / 2, LINE_HEIGHT, _("Btw-nummer: %(vat)s", vat=document.seller["vat_number"]),
                     new_x="LMARGIN", new_y="NEXT")
        if document.seller.get("email"):
            pdf.cell(width / 2, LINE_HEIGHT, document.seller["email"], new_x="LMARGIN", new_y="NEXT")
        seller_bottom = pdf.get_y()

        pdf.set_xy(pdf.l_margin + width / 2, top)
        pdf.set_font(FONT, "B", 18)
        pdf.cell(width / 2, 9, heading.word, align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 9.5)
        for text in heading.details:
            pdf.set_x(pdf.l_margin + width / 2)
            pdf.cell(width / 2, LINE_HEIGHT, text, align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_y(max(seller_bottom, pdf.get_y()) + 8)

        # Buyer, and why money went back.
        pdf.set_font(FONT, "B", 10)
        pdf.cell(width, LINE_HEIGHT, heading.to_label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9.5)
        for text in _buyer_lines(document.buyer):
            pdf.cell(width, LINE_HEIGHT, text, new_x="LMARGIN", new_y="NEXT")
        if heading.reason:
            pdf.ln(3)
            pdf.multi_cell(width, LINE_HEIGHT, heading.reason, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)

        # Lines.
        columns = [width * 0.46, width * 0.09, width * 0.16, width * 0.10, width * 0.19]
        headers = [_("Omschrijving"), _("Aantal"), _("Eenheidsprijs"), _("Btw"), _("Totaal")]
        aligns = ["L", "R", "R", "R", "R"]

        def row(values, bold=False, size=9.5, fill=False):
            write_row(pdf, values, columns, aligns, bold=bold, size=size, fill=fill)

        pdf.set_fill_color(*HEADING_FILL)
        row(headers, bold=True, fill=True)
        for line in document.lines:
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

        # VAT per rate, then base + VAT (+ rounding) = total.
        summary, summary_aligns = [width * 0.25] * 4, ["R"] * 4
        write_row(pdf, [_("Btw-tarief"), _("Maatstaf"), _("Btw"), _("Totaal incl. btw")], summary, summary_aligns,
                  bold=True, fill=True)
        for vat in document.vat_lines:
            write_row(pdf, [f"{vat['rate']} %", eur(vat["base_cents"]), eur(vat["vat_cents"]), eur(vat["gross_cents"])],
                      summary, summary_aligns)
        pdf.ln(2)
        closing = [width * 0.75, width * 0.25]
        write_row(pdf, [_("Totaal maatstaf"), eur(document.base_cents)], closing, ["R", "R"])
        write_row(pdf, [_("Totaal btw"), eur(document.vat_cents)], closing, ["R", "R"])
        if document.rounding_cents:
            write_row(pdf, [_("Afronding"), eur(document.rounding_cents)], closing, ["R", "R"])
        pdf.set_font(FONT, "B", 12)
        pdf.cell(closing[0], 8, heading.total_label, align="R")
        pdf.cell(closing[1], 8, eur(document.total_cents), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

        # Payment, or the refund (an invoice, a credit note); validity and how to pay (a quote).
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(width, LINE_HEIGHT, heading.note, new_x="LMARGIN", new_y="NEXT")
        if heading.after is not None:
            heading.after(pdf)
        return bytes(pdf.output())


def _write_recipients_annex(pdf, document: InvoiceDocument, order) -> None:
    """An order sent to many recipients (company gifts): an annex on pages of its own, after the invoice, listing
    each shipment's recipient, address, day and what it receives (no prices). It adds to the invoice; its legal
    content (parties, lines, VAT, totals) is on the pages before it and unchanged. Read from the order's
    shipments and lines, which are snapshots taken when the order was placed."""
    pdf.add_page()
    write_heading(pdf, _("Bijlage bij factuur %(number)s: ontvangers", number=document.number), 13)
    write_paragraph(pdf, _("Bestelling %(number)s wordt geleverd aan %(count)s ontvangers. Per ontvanger wat die "
                           "krijgt; de bedragen staan op de factuur.", number=order.number,
                           count=len(order.shipments)))
    pdf.ln(2)
    rows = []
    for number, shipment in enumerate(order.shipments, start=1):
        goods = "; ".join(f"{line.quantity} × {line.name}" for line in shipment.lines)
        address = ", ".join(part for part in (shipment.street, f"{shipment.postcode} {shipment.city}".strip()) if part)
        rows.append([str(number), shipment.recipient_name, address, long_day(shipment.scheduled_date), goods])
    write_table(pdf, ["#", _("Ontvanger"), _("Adres"), _("Dag"), _("Wat")], rows, (5, 24, 30, 17, 24),
                ("R", "L", "L", "L", "L"), size=8.5)


def _payment_note(document: InvoiceDocument, is_credit: bool) -> str:
    payment = document.payment or {}
    if is_credit:
        note = _("Terugbetaald via de oorspronkelijke betaling.")
        if payment.get("reference"):
            note += " " + _("Referentie van de terugbetaling: %(reference)s", reference=payment["reference"])
        mention = credit_note_mention(document)
        return f"{note}\n{mention}" if mention else note
    if payment.get("paid_at"):
        paid_day = shop_day(datetime.fromisoformat(payment["paid_at"]))
        note = _("Betaald op %(date)s.", date=format_date(paid_day, "long"))
    else:
        note = _("Betaald.")
    if payment.get("method") == "transfer" and payment.get("structured_reference"):
        note += " " + _("Door overschrijving met de gestructureerde mededeling %(reference)s.",
                        reference=payment["structured_reference"])
    elif payment.get("reference"):
        note += " " + _("Betalingsreferentie: %(reference)s", reference=payment["reference"])
    return note
