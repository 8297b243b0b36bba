"""Invoices and credit notes as data, each numbered without gaps per year in its own series; the PDF
(shop.invoicing.pdf) and the e-invoice are rendered from the data.

An invoice is issued when an order is paid; a credit note for every refund the provider made (a refund by
staff, a cancellation after payment, a refunded shortage, the automatic refund of a payment after cancellation,
a refund made in the provider's dashboard): shop.orders.refunds calls ``issue_credit_note`` through its refund
effects, whatever path recorded the refund.

The sequence comes from the ``invoice-<year>`` (``credit-note-<year>``) row of ``counters`` (shop.core.numbering.next_value:
``UPDATE ... SET value = value + 1 ... RETURNING value``, the row created on first use inside a savepoint),
in the caller's transaction: the row lock serialises
concurrent issuers on PostgreSQL (SQLite serialises writers), and a rolled-back transaction gives its number
back, so the numbers have no gaps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from shop.core.clock import SHOP_TIMEZONE
from shop.core.db import utcnow
from shop.core.money import document_vat_lines, split_over_rates
from shop.core.numbering import next_value
from shop.core.settings import get_settings
from shop.core.vat_number import default_peppol_id, enterprise_number
from shop.extensions import db
from shop.invoicing.delivery import record_einvoice
from shop.invoicing.models import CreditNote, Invoice
from shop.invoicing.queries import export_credit_notes, export_invoices, get_invoice_of, remember_issued
from shop.orders.customers import add_export_entry
from shop.orders.lifecycle import add_effect
from shop.orders.models import DeliveryMethod, Order, OrderStatus, PaymentProvider, Refund
from shop.orders.notifications import add_attachments, add_mail_context, queue_order_mail
from shop.orders.queries import add_fee_by_rate, goods_gross_by_rate, order_vat_lines
from shop.orders.refunds import add_refund_effect, is_made
from shop.outbox.models import OutboxMessage
from shop.outbox.rendering import Later, add_attachment_source


def delivery_fee_by_rate(order: Order) -> dict[int, int]:
    """The delivery fee per VAT rate: it follows the goods' rates (shop.orders.queries.add_fee_by_rate)."""
    goods = goods_gross_by_rate(order)
    with_fee = add_fee_by_rate(goods, order.delivery_fee_cents or 0)
    return {rate: with_fee[rate] - goods.get(rate, 0) for rate in sorted(with_fee) if with_fee[rate] != goods.get(rate, 0)}


def _buyer(order: Order) -> dict:
    """Who is invoiced, as the documents print it and the e-invoice states it.

    ``address`` holds the printed lines; ``street``, ``postcode``, ``city`` and ``country`` the same address in
    parts (the e-invoice's PostalAddress). A company carries its VAT number, enterprise number, Peppol
    participant id and purchase-order reference.
    """
    shipment = order.shipment
    buyer = {
        "name": order.name,
        "email": order.email,
        "company_name": order.company_name or "",
        "vat_number": order.vat_number or "",
        "enterprise_number": order.enterprise_number,
        "peppol_id": (order.peppol_id or (default_peppol_id(order.vat_number) if order.vat_number else "")),
        "purchase_order": order.purchase_order or "",
        "address": [],
        "street": "",
        "postcode": "",
        "city": "",
        "country": "BE",
        "pickup": False,
    }
    parts = None
    if order.billing_street:
        parts = (order.billing_street, order.billing_postcode, order.billing_city)
    elif shipment is not None and shipment.method == DeliveryMethod.DELIVERY and not shipment.is_gift:
        # A gift's delivery address is the recipient's, not the buyer's: it does not go on the invoice.
        parts = (shipment.street, shipment.postcode, shipment.city)
    elif shipment is not None and shipment.method == DeliveryMethod.PICKUP:
        buyer["pickup"] = True
    if parts is not None:
        street, postcode, city = parts
        buyer.update(street=street, postcode=postcode, city=city,
                     address=[street, f"{postcode} {city}".strip()])
    return buyer


def _lines(order: Order) -> list[dict]:
    lines = []
    for line in order.lines:
        entry = {
            "kind": "package" if line.components else "product",
            "name": line.name,
            "unit": line.unit or "",
            "quantity": line.quantity,
            "unit_price_cents": line.unit_price_cents,
            "total_cents": line.total_cents,
            "vat_rate": line.vat_rate,
            "components": [],
            "vat_split": [],
        }
        if line.components:
            by_rate: dict[int, int] = defaultdict(int)
            for component in line.components:
                by_rate[component.vat_rate] += component.share_cents * line.quantity
                entry["components"].append(
                    {"name": component.name, "quantity": component.quantity * line.quantity, "vat_rate": component.vat_rate}
                )
            entry["vat_split"] = [{"rate": rate, "gross_cents": by_rate[rate]} for rate in sorted(by_rate)]
            if len(by_rate) == 1:
                entry["vat_rate"] = next(iter(by_rate))
        lines.append(entry)
    fee_split = delivery_fee_by_rate(order)
    if order.delivery_fee_cents:
        lines.append(
            {
                "kind": "delivery",
                "name": _("Levering"),
                "unit": "",
                "quantity": 1,
                "unit_price_cents": order.delivery_fee_cents,
                "total_cents": order.delivery_fee_cents,
                "vat_rate": next(iter(fee_split)) if len(fee_split) == 1 else None,
                "components": [],
                "vat_split": [{"rate": rate, "gross_cents": fee_split[rate]} for rate in sorted(fee_split)],
            }
        )
    return lines


def _payment(order: Order) -> dict:
    """How the order was paid, as the documents state it. Paid by bank transfer: method ``transfer`` with the
    structured reference it was paid with (the e-invoice's payment means 58)."""
    paid_at: datetime | None = order.paid_at
    payment = {
        "provider": order.payment_provider.value if order.payment_provider else "",
        "reference": order.payment_intent_id or order.payment_session_id or "",
        "paid_at": paid_at.isoformat() if paid_at else None,
    }
    if order.payment_provider == PaymentProvider.TRANSFER and order.transfer_reference:
        payment.update(method="transfer", structured_reference=order.transfer_reference,
                       reference=order.transfer_reference)
    return payment


def _seller(settings) -> dict:
    """The shop as seller, as on every document: name, address (printed lines and parts), VAT and enterprise
    number, e-mail, bank account."""
    street, postcode_city = (list(settings.seller_address) + ["", ""])[:2]
    postcode, _, city = postcode_city.partition(" ")
    return {
        "name": settings.seller_name,
        "address": list(settings.seller_address),
        "street": street,
        "postcode": postcode,
        "city": city,
        "country": "BE",
        "vat_number": settings.seller_vat_number,
        "enterprise_number": enterprise_number(settings.seller_vat_number),
        "email": settings.seller_email,
        "iban": settings.seller_iban,
        "bic": settings.seller_bic,
    }


@dataclass(frozen=True)
class DocumentParts:
    """What an order's documents copy from it: the seller, the buyer, the lines (in the order's language) and
    VAT per rate (shop.core.money.document_vat_lines). The invoice and the quote (shop.invoicing.quotes) alike."""

    seller: dict
    buyer: dict
    lines: list[dict]
    vat_lines: list[dict]


def document_parts(order: Order) -> DocumentParts:
    with force_locale(order.locale or "nl"):
        lines = _lines(order)
    gross_by_rate = {line["rate"]: line["gross_cents"] for line in order_vat_lines(order)}
    if sum(gross_by_rate.values()) != order.total_cents:
        current_app.logger.error("document of order %s: VAT lines do not add up to the total", order.number)
    return DocumentParts(_seller(get_settings()), _buyer(order), lines, document_vat_lines(gross_by_rate))


def issue_invoice(order: Order) -> Invoice:
    """Create the order's invoice (once: an existing one is returned) with the next number of the year.

    Runs in the caller's transaction and never commits; the number is only used when the caller commits.
    """
    existing = get_invoice_of(order)
    if existing is not None:
        return existing
    issued_at = utcnow()
    year = issued_at.astimezone(SHOP_TIMEZONE).year
    parts = document_parts(order)
    # Take the number last: on PostgreSQL the counter's row lock is held until the caller commits.
    sequence = next_value(f"invoice-{year}")
    invoice = Invoice(
        order=order,
        year=year,
        sequence=sequence,
        number=f"{year}-{sequence:06d}",
        issued_at=issued_at,
        seller=parts.seller,
        buyer=parts.buyer,
        lines=parts.lines,
        vat_lines=parts.vat_lines,
        total_cents=order.total_cents,
        payment=_payment(order),
    )
    db.session.add(invoice)
    db.session.flush()
    remember_issued(order, invoice)
    return invoice


def credited_by_rate(invoice: Invoice) -> dict[int, int]:
    """What the invoice's credit notes (issued so far, in this transaction too) paid back per VAT rate."""
    credited: dict[int, int] = defaultdict(int)
    for note in db.session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id)):
        for line in note.vat_lines:
            credited[line["rate"]] += line["gross_cents"]
    return dict(credited)


def left_by_rate(invoice: Invoice) -> dict[int, int]:
    """What is left to credit on the invoice per VAT rate: invoiced minus credited, never below zero."""
    credited = credited_by_rate(invoice)
    return {line["rate"]: max(0, line["gross_cents"] - credited.get(line["rate"], 0)) for line in invoice.vat_lines}


def credit_split(invoice: Invoice, amount_cents: int, wanted: list[dict] | None = None) -> dict[int, int]:
    """Split an amount paid back over the invoice's VAT rates, the way the sale was split.

    ``wanted`` (the refund's own split, e.g. a missing product at its rate) is used when it fits within what is
    left per rate. Otherwise the amount is split over what is left to credit per rate, in proportion (largest
    remainder, shop.core.money.split_over_rates): a partial refund of a mixed package falls on its rates as the
    package price did, and the last refund brings every rate to zero exactly.
    """
    left = left_by_rate(invoice)
    if wanted:
        split = {part["rate"]: part["gross_cents"] for part in wanted}
        if sum(split.values()) == amount_cents and all(gross <= left.get(rate, 0) for rate, gross in split.items()):
            return split
    weights = [(rate, gross) for rate, gross in sorted(left.items()) if gross > 0]
    if not weights:  # nothing left on the invoice (a refund beyond it): follow the invoice's own split
        weights = [(line["rate"], line["gross_cents"]) for line in invoice.vat_lines if line["gross_cents"] > 0]
    split = defaultdict(int)
    for rate, gross in split_over_rates(amount_cents, weights):
        split[rate] += gross
    return {rate: gross for rate, gross in split.items() if gross}


def _credit_lines(invoice: Invoice, refund: Refund, split: dict[int, int], full: bool) -> list[dict]:
    """The credit note's lines: the invoice's own lines when it credits the whole invoice at once; otherwise one
    line per VAT rate, named by the refund's reason."""
    if full:
        return [dict(line) for line in invoice.lines]
    name = refund.reason or _("Terugbetaling")
    return [
        {
            "kind": "refund",
            "name": name,
            "unit": "",
            "quantity": 1,
            "unit_price_cents": gross,
            "total_cents": gross,
            "vat_rate": rate,
            "components": [],
            "vat_split": [{"rate": rate, "gross_cents": gross}],
        }
        for rate, gross in sorted(split.items())
    ]


def get_credit_note_of(refund: Refund) -> CreditNote | None:
    return db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))


def issue_credit_note(refund: Refund) -> CreditNote | None:
    """The credit note for a refund the provider made (once: an existing one is returned), numbered in its own
    gap-free series per year (CN-2026-000001), correcting the order's invoice.

    An order that was paid but never invoiced (a payment that arrived after its cancellation) is invoiced
    first: the money was received, so the invoice is due, and the credit note corrects it. Runs in the caller's
    transaction and never commits. Returns None for a refund that made no money go back.
    """
    if not is_made(refund) or refund.amount_cents <= 0:
        return None
    existing = get_credit_note_of(refund)
    if existing is not None:
        return existing
    order = refund.order
    invoice = get_invoice_of(order) or issue_invoice(order)
    split = credit_split(invoice, refund.amount_cents, refund.vat_split)
    full = refund.amount_cents == invoice.total_cents and not credited_by_rate(invoice)
    issued_at = utcnow()
    year = issued_at.astimezone(SHOP_TIMEZONE).year
    with force_locale(order.locale or "nl"):
        lines = _credit_lines(invoice, refund, split, full)
    vat = [dict(line) for line in invoice.vat_lines] if full else document_vat_lines(split)
    sequence = next_value(f"credit-note-{year}")  # last: the counter's row lock is held until the commit
    note = CreditNote(
        invoice=invoice,
        order_id=order.id,
        refund=refund,
        year=year,
        sequence=sequence,
        number=f"CN-{year}-{sequence:06d}",
        issued_at=issued_at,
        reason=refund.reason or "",
        seller=_seller(get_settings()),
        buyer=dict(invoice.buyer),
        lines=lines,
        vat_lines=vat,
        total_cents=refund.amount_cents,
        payment={
            "provider": order.payment_provider.value if order.payment_provider else "",
            "reference": refund.provider_refund_id or "",
            "paid_reference": invoice.payment.get("reference", ""),
            "refunded_at": issued_at.isoformat(),
        },
    )
    db.session.add(note)
    db.session.flush()
    mail_credit_note(note)
    return note


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF (see shop.invoicing.pdf)."""
    from shop.invoicing.pdf import render_invoice_pdf as render

    return render(invoice)


def render_credit_note_pdf(note: CreditNote) -> bytes:
    """The credit note as a PDF (see shop.invoicing.pdf)."""
    from shop.invoicing.pdf import render_credit_note_pdf as render

    return render(note)


def credit_note_filename(note: CreditNote) -> str:
    """The credit note's file name, in the current language (creditnota-CN-2026-000001.pdf)."""
    return _("creditnota-%(number)s.pdf", number=note.number)


def invoice_filename(invoice: Invoice) -> str:
    """The invoice's file name, in the current language (factuur-2026-000001.pdf)."""
    return _("factuur-%(number)s.pdf", number=invoice.number)


def _invoice_was_mailed(order: Order) -> bool:
    """The order's confirmation, which carries the invoice, was queued (a payment after cancellation has none)."""
    return db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.order_id == order.id, OutboxMessage.kind == "order_confirmed")
        .limit(1)
    ) is not None


def mail_credit_note(note: CreditNote) -> None:
    """Send the buyer the credit note: a short mail of its own (``emails/credit_note_issued``), in the order's
    language, that names its number, the invoice it corrects, the amount paid back and the reason, with the
    credit-note PDF attached (and the invoice's, when no confirmation carried it: a payment after cancellation
    is invoiced and credited at once). Queued once per credit note (dedupe key ``credit-note:<id>``).

    Why a mail of its own and not the refund mail: the refund mails (a staff refund, a cancellation, a refunded
    shortage, a payment after cancellation) are queued when the refund is requested, before the provider is
    asked (shop.orders.refunds, step 1), while a credit note exists only once the provider has made the refund
    (step 2, or reconcile, or the webhook, or a refund made in the provider's dashboard, which has no refund
    mail at all). Queuing this mail where the credit note is issued, in the same transaction, sends every
    credit note exactly once whichever path recorded its refund; the refund mails say that it follows.
    """
    order = note.order
    if not order.email:  # contact data erased (a deleted account): the document stays, nobody to mail
        return
    invoice = note.invoice
    with force_locale(order.locale or "nl"):
        subject = _("Creditnota %(number)s voor je bestelling %(order)s", number=note.number, order=order.number)
        attachments = [(credit_note_filename(note), "application/pdf", Later(CREDIT_NOTE_PDF, note.id))]
        if not _invoice_was_mailed(order):
            attachments.append((invoice_filename(invoice), "application/pdf", Later(INVOICE_PDF, invoice.id)))
    queue_order_mail(order, "credit_note_issued", subject, dedupe_key=f"credit-note:{note.id}",
                     attachments=attachments, credit_note=note, invoice=invoice,
                     invoice_attached=len(attachments) > 1)


# The PDFs attached to mails are drawn when the mail is delivered (shop.outbox.rendering), from the document's
# immutable data: never in the transaction that issues the document, which holds its number's counter row.
INVOICE_PDF = "invoice-pdf"
CREDIT_NOTE_PDF = "credit-note-pdf"


def _draw_invoice_pdf(key: str) -> bytes:
    return render_invoice_pdf(db.session.get(Invoice, int(key)))


def _draw_credit_note_pdf(key: str) -> bytes:
    return render_credit_note_pdf(db.session.get(CreditNote, int(key)))


def invoice_attachments(order: Order) -> list[tuple[str, str, Later]]:
    """The order's invoice PDF, to attach to its confirmation (nothing before it is invoiced), drawn when the
    mail is delivered."""
    invoice = get_invoice_of(order)
    if invoice is None:
        return []
    return [(invoice_filename(invoice), "application/pdf", Later(INVOICE_PDF, invoice.id))]


def invoice_mail_context(order: Order) -> dict[str, Invoice | None]:
    """The confirmation names the invoice it attaches: ``invoice`` (None before the order is invoiced)."""
    return {"invoice": get_invoice_of(order)}


def _invoice_when_paid(order: Order, from_status: OrderStatus, **_context) -> None:
    record_einvoice(issue_invoice(order))


def _credit_note_when_refunded(refund: Refund) -> None:
    note = issue_credit_note(refund)
    if note is not None:
        record_einvoice(note.invoice)  # an invoice issued just now for it (a payment after cancellation)
        record_einvoice(note)


def connect_to_orders() -> None:
    """An order that is paid gets its invoice, a refund the provider made gets its credit note (a company's
    documents their e-invoice, queued to be sent: shop.invoicing.delivery), the confirmation mail attaches the
    invoice and names its number, and the personal-data export gives it with its order (called by create_app).
    Orders know nothing of invoices."""
    add_effect(OrderStatus.PAID, _invoice_when_paid)
    add_refund_effect(_credit_note_when_refunded)
    add_attachments("order_confirmed", invoice_attachments)
    add_attachment_source(INVOICE_PDF, _draw_invoice_pdf)
    add_attachment_source(CREDIT_NOTE_PDF, _draw_credit_note_pdf)
    add_mail_context("order_confirmed", invoice_mail_context)
    add_export_entry("invoice", export_invoices)
    add_export_entry("credit_notes", export_credit_notes)
