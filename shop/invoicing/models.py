"""Invoices and credit notes as data, copied from the order when it is paid or money goes back; and the
delivery state of their e-invoices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.core.db import Base, Cents, str_enum, utcnow

if TYPE_CHECKING:
    from shop.orders.models import Order, Refund


class InvoiceDocument:
    """What an invoice and a credit note share: number, parties, lines, VAT per rate, total and payment.

    ``vat_lines`` hold per rate the gross amount (what was charged or paid back at that rate), the taxable base
    (the gross converted to net once per rate) and the VAT on that base (computed once per rate from the summed
    nets, shop.core.money.document_vat_lines). Where base + VAT of a rate is a cent off its gross, the
    difference is ``rounding_cents``, so the document's total is always what was charged.
    """

    # Plain properties only: each model declares its own columns (number, issued_at, seller, buyer, lines,
    # vat_lines, total_cents, payment).

    @property
    def base_cents(self) -> int:
        return sum(line["base_cents"] for line in self.vat_lines)

    @property
    def vat_cents(self) -> int:
        return sum(line["vat_cents"] for line in self.vat_lines)

    @property
    def rounding_cents(self) -> int:
        """What the total differs from base + VAT (-1, 0 or 1 cent per rate); 0 for most documents."""
        return self.total_cents - self.base_cents - self.vat_cents

    @property
    def is_company(self) -> bool:
        return bool(self.buyer.get("vat_number"))


class Invoice(InvoiceDocument, Base):
    """An invoice as data (parties, lines, VAT per rate, payment); the PDF and the UBL are rendered from it.

    ``sequence`` is gap-free per year: it comes from the ``invoice-<year>`` Counter in the same transaction.
    """

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    seller: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buyer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lines: Mapped[list[Any]] = mapped_column(default=list)
    vat_lines: Mapped[list[Any]] = mapped_column(default=list)
    total_cents: Mapped[Cents]
    payment: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # One way: orders know nothing of invoicing (a layer above them); ask shop.invoicing.queries for an order's invoice.
    order: Mapped[Order] = relationship()
    credit_notes: Mapped[list[CreditNote]] = relationship(back_populates="invoice", order_by="CreditNote.id")


class CreditNote(InvoiceDocument, Base):
    """A credit note: money that went back on an invoice (a refund, a cancellation after payment, a shortage).

    Its own gap-free series per year (``credit-note-<year>`` Counter, numbers CN-2026-000001); it names the
    invoice it corrects and the refund it documents (one credit note per refund). Amounts are positive: a
    credit note's total is what was paid back.
    """

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("year", "sequence"), CheckConstraint("total_cents > 0", name="total_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    seller: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buyer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lines: Mapped[list[Any]] = mapped_column(default=list)
    vat_lines: Mapped[list[Any]] = mapped_column(default=list)
    total_cents: Mapped[Cents]
    payment: Mapped[dict[str, Any]] = mapped_column(default=dict)

    invoice: Mapped[Invoice] = relationship(back_populates="credit_notes")
    order: Mapped[Order] = relationship()
    refund: Mapped[Refund | None] = relationship()


class DeliveryStatus(StrEnum):
    """Where an e-invoice stands on its way to the buyer."""

    QUEUED = "queued"  # validated, waiting to be sent
    INVALID = "invalid"  # the validator found a fatal rule violation: not sent, staff must look
    SENT = "sent"  # handed to the channel (mailed, or accepted by the access point)
    DELIVERED = "delivered"  # the access point confirmed delivery to the buyer's access point
    REJECTED = "rejected"  # the access point or the buyer refused it (reason recorded)

    @property
    def label(self) -> str:
        """The word staff read (the back office's order page): "Afgeleverd"."""
        return DELIVERY_STATUS_WORDS[self]


DELIVERY_STATUS_WORDS = {
    DeliveryStatus.QUEUED: _l("Wacht om verstuurd te worden"),
    DeliveryStatus.INVALID: _l("Ongeldig, niet verstuurd"),
    DeliveryStatus.SENT: _l("Verstuurd"),
    DeliveryStatus.DELIVERED: _l("Afgeleverd"),
    DeliveryStatus.REJECTED: _l("Geweigerd"),
}


class EInvoiceDelivery(Base):
    """The e-invoice (UBL) of one invoice or credit note: its validation findings and its delivery state.

    Exactly one of ``invoice_id`` and ``credit_note_id`` is set. ``findings`` are the validator's
    [{"rule", "flag", "location", "message"}]; a fatal one keeps the document from being sent.
    """

    __tablename__ = "einvoice_deliveries"
    __table_args__ = (
        CheckConstraint("(invoice_id IS NULL) <> (credit_note_id IS NULL)", name="one_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), unique=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_notes.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="")  # the adapter: "mail", "access_point"
    receiver: Mapped[str] = mapped_column(String(60), default="")  # the buyer's Peppol participant id
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, 20), default=DeliveryStatus.QUEUED,
                                                   index=True)
    findings: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text, default="")  # why rejected, or the last sending error
    provider_reference: Mapped[str] = mapped_column(String(120), default="")  # the access point's id for it
    attempts: Mapped[int] = mapped_column(default=0)  # tries to hand it over in this round (one per sending run)
    # 1, and one more each time staff send it again: the idempotency key is einvoice-<id>-<round>, so a retry after
    # a time-out is the same sending to the access point and a resend is a new one.
    sending_round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    invoice: Mapped[Invoice | None] = relationship()
    credit_note: Mapped[CreditNote | None] = relationship()

    @property
    def document(self) -> Invoice | CreditNote:
        """The invoice or credit note this is the e-invoice of."""
        return self.invoice if self.invoice is not None else self.credit_note  # type: ignore[return-value]

    @property
    def needs_attention(self) -> bool:
        """Not sent and not going to be without staff: invalid, or rejected by the access point or the buyer."""
        return self.status in (DeliveryStatus.INVALID, DeliveryStatus.REJECTED)


class ImmutableDocument(Exception):
    """An issued invoice or credit note was about to be changed: they are corrected by a credit note, never
    edited (a programming error, not a user's)."""


def _refuse_changes(mapper, connection, document) -> None:
    state = inspect(document)
    changed = [attr.key for attr in state.attrs if attr.key in mapper.columns.keys() and attr.history.has_changes()]
    if changed:
        raise ImmutableDocument(f"{type(document).__name__} {document.number} is issued: {', '.join(changed)} "
                                "cannot change")


event.listen(Invoice, "before_update", _refuse_changes)
event.listen(CreditNote, "before_update", _refuse_changes)
