"""The quote as a document: the order's quote number, date and validity, the parties, the lines and VAT per
rate, the total, and how it is paid once accepted, drawn in the invoice's layout (shop.invoicing.pdf) from the
same parts as the invoice (services.document_parts). Not stored: the order holds what the quote says until it
is accepted, and the invoice is what counts once it is paid.

The quote mail attaches it (``connect_quotes``, called by create_app); the status page and the order history
list it with its download link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from shop.core.clock import shop_day
from shop.core.settings import get_settings
from shop.extensions import db
from shop.invoicing.models import InvoiceDocument
from shop.invoicing.pdf import Heading, draw_document
from shop.invoicing.services import document_parts
from shop.orders.models import Order, OrderStatus
from shop.orders.notifications import add_attachments
from shop.outbox.rendering import Later, add_attachment_source


@dataclass
class QuoteDocument(InvoiceDocument):
    order: Order
    number: str
    issued_on: date
    valid_until: date
    seller: dict
    buyer: dict
    lines: list[dict]
    vat_lines: list[dict]
    total_cents: int


def quote_issued_at(order: Order) -> datetime | None:
    """When the order became a quote (its transition to quoted)."""
    return next((t.created_at for t in order.transitions if t.to_status == OrderStatus.QUOTED), None)


def quote_document(order: Order) -> QuoteDocument | None:
    """The order's quote, or None when it never was one."""
    if not order.quote_number or order.quote_valid_until is None:
        return None
    parts = document_parts(order)
    issued_at = quote_issued_at(order)
    return QuoteDocument(order=order, number=order.quote_number,
                         issued_on=shop_day(issued_at) if issued_at else order.quote_valid_until,
                         valid_until=order.quote_valid_until, seller=parts.seller, buyer=parts.buyer,
                         lines=parts.lines, vat_lines=parts.vat_lines, total_cents=order.total_cents)


def quote_filename(quote: QuoteDocument) -> str:
    return _("offerte-%(number)s.pdf", number=quote.number)


def render_quote_pdf(quote: QuoteDocument, *, compress: bool = True) -> bytes:
    """A4 quote in the invoice's layout: "Offerte", its number, date, last day of validity and order; the
    parties, the lines, VAT per rate and the total; then how long it holds and how it is paid once accepted."""
    settings = get_settings()
    locale = quote.order.locale or "nl"
    with force_locale(locale):
        valid_until = format_date(quote.valid_until, "long")
        heading = Heading(
            title=_("Offerte %(number)s", number=quote.number),
            word=_("Offerte"),
            details=[
                _("Offertenummer: %(number)s", number=quote.number),
                _("Datum: %(date)s", date=format_date(quote.issued_on, "long")),
                _("Geldig tot en met: %(date)s", date=valid_until),
                _("Bestelling: %(number)s", number=quote.order.number),
            ],
            to_label=_("Offerte aan"),
            total_label=_("Totaal"),
            note=_("Deze offerte is geldig tot en met %(date)s; tot dan houden we de artikelen voor u apart. Aanvaard "
                   "ze via de link in onze e-mail. Daarna betaalt u binnen %(days)s dagen met een overschrijving naar "
                   "%(iban)s (BIC %(bic)s) met de gestructureerde mededeling die u dan krijgt. De factuur volgt zodra "
                   "uw betaling binnen is.", date=valid_until, days=settings.transfer_term_days,
                   iban=quote.seller.get("iban", ""), bic=quote.seller.get("bic", "")),
        )
    return draw_document(quote, heading, locale=locale, compress=compress)


# Drawn when the mail is delivered (shop.outbox.rendering), never in the transaction that made the quote: it
# holds the quote number's counter row and the order's stock rows.
QUOTE_PDF = "quote-pdf"


def _draw_quote_pdf(key: str) -> bytes:
    quote = quote_document(db.session.get(Order, int(key)))
    if quote is None:
        raise LookupError(f"order {key} has no quote")
    return render_quote_pdf(quote)


def quote_attachments(order: Order) -> list[tuple[str, str, Later]]:
    quote = quote_document(order)
    if quote is None:
        return []
    return [(quote_filename(quote), "application/pdf", Later(QUOTE_PDF, order.id))]


def connect_quotes() -> None:
    """The quote mail attaches the quote PDF, drawn when the mail is delivered (called by create_app)."""
    add_attachments("quote_sent", quote_attachments)
    add_attachment_source(QUOTE_PDF, _draw_quote_pdf)
