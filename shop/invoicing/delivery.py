"""E-invoices of companies: recorded with their invoice or credit note, sent later through an access point
(shop.invoicing.access_point), their delivery followed up, and sent again by staff.

The steps, so that the access point is never called inside an open database transaction (STYLE: outside calls):

1. ``record_einvoice(document)``, in the transaction that issues a company's invoice or credit note
   (shop.invoicing.services' order and refund effects), records the delivery ``queued``. Right after that
   transaction commits (shop.core.db.after_commit; not inside it, which holds the number's counter row), the
   UBL is rendered (without its PDF, which takes long to draw) and validated offline
   (shop.invoicing.validation): ``check_recorded_einvoice``. A blocking finding makes the delivery ``invalid``
   (the findings kept for staff, nothing is sent). Should that step not run (a crash), step 2 validates first.
2. ``send_queued_einvoices()``, between transactions (``flask --app shop send-einvoices``, run by the scheduler):
   per queued delivery the UBL, with the PDF embedded, is rendered and validated again (what leaves is what was
   checked, and this check decides), one more
   attempt is committed, the access point is called with ``einvoice-<id>-<round>`` as idempotency key, and its
   answer is committed: ``sent``, or ``rejected`` with the reason when it refused the document. An access point
   that cannot be reached leaves it ``queued`` with the error as reason; the next run sends it with the same
   key, so a crash or a time-out after the access point took it never sends it twice.
3. ``poll_einvoices()`` (``flask --app shop poll-einvoices``): for each document the access point took, asks it
   how it stands: ``delivered``, or ``rejected`` with the reason (the buyer's access point or the buyer refused it).

Staff send one again with ``resend_einvoice`` (the back office's order page): it is validated again and queued
in a new round (a new idempotency key), or marked invalid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from shop.core.audit import record_action
from shop.core.db import after_commit
from shop.core.errors import DomainError
from shop.core.vat_number import default_peppol_id
from shop.extensions import db
from shop.invoicing.access_point import (
    CREDIT_NOTE_DOCUMENT_TYPE,
    DELIVERED,
    HTTP,
    INVOICE_DOCUMENT_TYPE,
    REJECTED,
    AccessPoint,
    AccessPointUnavailable,
    OutgoingEInvoice,
    access_point_named,
    get_access_point,
)
from shop.invoicing.models import CreditNote, DeliveryStatus, EInvoiceDelivery, Invoice
from shop.invoicing.pdf import render_document_pdf
from shop.invoicing.ubl import render_ubl
from shop.invoicing.validation import validate_ubl
from shop.orders.models import Order

log = logging.getLogger(__name__)

Document = Invoice | CreditNote


class EInvoiceNotResendable(DomainError):
    """Staff asked to send an e-invoice again that is still waiting to be sent."""


# ---------------------------------------------------------------------------------------------- rendering

def document_pdf(document: Document) -> bytes:
    """The document as a PDF, to travel with its e-invoice (inside the UBL and attached to the mail)."""
    return render_document_pdf(document)


def render_einvoice(document: Document) -> bytes:
    """The UBL of an invoice or credit note, with its PDF embedded: what is validated and sent."""
    return render_ubl(document, document_pdf(document))


def _finding_dict(finding) -> dict:
    return {"rule": finding.rule, "flag": finding.flag, "location": finding.location, "message": finding.message,
            "ruleset": finding.ruleset, "blocking": bool(finding.blocking)}


def _check(delivery: EInvoiceDelivery, document: Document, *,
           with_pdf: bool = True) -> tuple[bytes, bytes | None] | None:
    """Render and validate the document; record the findings, and mark the delivery invalid when one blocks.
    Returns the UBL and PDF when it may be sent.

    ``with_pdf=False`` checks the UBL without its embedded PDF: drawing the PDF takes most of a second, too long
    for the transaction that issues the document (it holds the number's counter row until it commits). The
    sending run checks the UBL with the PDF again, and that check decides."""
    try:
        pdf = document_pdf(document) if with_pdf else None
        xml = render_ubl(document, pdf if with_pdf else b"")  # b"" embeds none (None would draw the default)
        findings = validate_ubl(xml)
    except Exception as error:  # noqa: BLE001
        # A failure to render must not undo the payment or refund that issued the document: the document stays
        # issued, its e-invoice is marked invalid for staff, and the error is logged.
        log.exception("e-invoice of %s could not be rendered or validated", document.number)
        delivery.findings = [{"rule": "RENDER", "flag": "fatal", "location": "/", "ruleset": "SHOP", "blocking": True,
                              "message": f"{type(error).__name__}: {error}"}]
        delivery.status = DeliveryStatus.INVALID
        return None
    delivery.findings = [_finding_dict(finding) for finding in findings]
    if any(finding.blocking for finding in findings):
        delivery.status = DeliveryStatus.INVALID
        return None
    return xml, pdf


def _outgoing(delivery: EInvoiceDelivery, document: Document, xml: bytes, pdf: bytes | None) -> OutgoingEInvoice:
    is_credit_note = isinstance(document, CreditNote)
    order = document.order
    return OutgoingEInvoice(
        key=f"einvoice-{delivery.id}-{delivery.sending_round}",
        kind="credit_note" if is_credit_note else "invoice",
        number=document.number,
        document_type=CREDIT_NOTE_DOCUMENT_TYPE if is_credit_note else INVOICE_DOCUMENT_TYPE,
        sender=default_peppol_id(document.seller.get("vat_number", "")),
        receiver=delivery.receiver,
        xml=xml,
        pdf=pdf,
        buyer_name=document.buyer.get("name", ""),
        buyer_email=document.buyer.get("email", ""),
        order_number=order.number if order is not None else "",
        locale=(order.locale if order is not None else None) or "nl",
    )


# ---------------------------------------------------------------------------------------------- step 1: record

def delivery_of(document: Document) -> EInvoiceDelivery | None:
    """The e-invoice delivery of an invoice or credit note, or None (a consumer's, or one not recorded)."""
    column = EInvoiceDelivery.credit_note_id if isinstance(document, CreditNote) else EInvoiceDelivery.invoice_id
    return db.session.scalar(select(EInvoiceDelivery).where(column == document.id))


def record_einvoice(document: Document) -> EInvoiceDelivery | None:
    """Record the e-invoice of a company's invoice or credit note (a buyer with a VAT number), once, ``queued``
    to be sent; validated right after the caller commits (``check_recorded_einvoice``: ``invalid`` with the
    findings when a rule blocks it). A consumer's document gets none (None). Runs in the caller's transaction
    and never commits; nothing is sent here."""
    if not document.is_company:
        return None
    existing = delivery_of(document)
    if existing is not None:
        return existing
    delivery = EInvoiceDelivery(
        invoice=document if isinstance(document, Invoice) else None,
        credit_note=document if isinstance(document, CreditNote) else None,
        channel=get_access_point().channel,
        receiver=document.buyer.get("peppol_id", ""),
        status=DeliveryStatus.QUEUED,
    )
    db.session.add(delivery)
    db.session.flush()
    delivery_id = delivery.id
    after_commit(lambda: check_recorded_einvoice(delivery_id))
    return delivery


def check_recorded_einvoice(delivery_id: int) -> EInvoiceDelivery | None:
    """Validate a recorded e-invoice (without its PDF) once its document's transaction has committed: its
    findings kept, ``invalid`` when one blocks. Only one still queued and never tried (the sending run checks
    again anyway, and that check decides). Never commits (run after the commit by shop.core.db)."""
    delivery = db.session.get(EInvoiceDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.QUEUED or delivery.attempts:
        return delivery
    _check(delivery, delivery.document, with_pdf=False)
    db.session.flush()
    return delivery


# ---------------------------------------------------------------------------------------------- step 2: send

@dataclass(frozen=True)
class Outcome:
    """What a run did with one e-invoice, for the command's output."""

    number: str
    action: str  # sent | rejected | invalid | queued (not reachable, tried again later) | delivered | error
    detail: str = ""


def list_queued_ids(limit: int | None = None) -> list[int]:
    query = select(EInvoiceDelivery.id).where(EInvoiceDelivery.status == DeliveryStatus.QUEUED).order_by(
        EInvoiceDelivery.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def send_queued_einvoices(limit: int | None = None, access_point: AccessPoint | None = None) -> list[Outcome]:
    """Send every queued e-invoice (oldest first, at most ``limit``), committing each on its own; runs between
    transactions, so it commits (step 2 of the module's docstring). One outcome per e-invoice tried.

    The run stops at the first e-invoice the access point could not take for want of an answer: the others
    would wait for the same time-out, so they stay queued, untried, for the next run."""
    ids = list_queued_ids(limit)
    db.session.commit()
    if not ids:
        return []
    access_point = access_point or get_access_point()
    outcomes = []
    for delivery_id in ids:
        try:
            outcome = send_einvoice(delivery_id, access_point)
        except Exception as error:  # noqa: BLE001  (one broken e-invoice must not keep the others from going out)
            db.session.rollback()
            log.exception("e-invoice delivery %s could not be sent", delivery_id)
            outcome = Outcome(str(delivery_id), "error", f"{type(error).__name__}: {error}")
        if outcome is not None:
            outcomes.append(outcome)
            if outcome.action == "queued":
                break
    return outcomes


def send_einvoice(delivery_id: int, access_point: AccessPoint) -> Outcome | None:
    """Send one queued e-invoice through ``access_point`` and commit its new state (None: it is no longer
    queued). The access point is called after the attempt is committed, with no transaction open."""
    delivery = db.session.get(EInvoiceDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        db.session.commit()
        return None
    document = delivery.document
    checked = _check(delivery, document)
    if checked is None:
        db.session.commit()
        rules = ", ".join(sorted({f["rule"] for f in delivery.findings if f.get("blocking")}))
        return Outcome(document.number, "invalid", rules)
    outgoing = _outgoing(delivery, document, *checked)
    delivery.attempts += 1
    delivery.channel = access_point.channel
    db.session.commit()  # the intent: a crash from here on is settled by the next run, with the same key

    try:
        answer = access_point.send(outgoing)  # the mail adapter writes its mail in the session: committed below
    except AccessPointUnavailable as error:
        db.session.rollback()
        delivery.reason = str(error)
        db.session.commit()
        return Outcome(outgoing.number, "queued", str(error))
    if answer.refused:
        delivery.status = DeliveryStatus.REJECTED
        delivery.reason = answer.refused
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.provider_reference = answer.reference
        delivery.reason = ""
    db.session.commit()
    return Outcome(outgoing.number, delivery.status.value, delivery.reason)


# ---------------------------------------------------------------------------------------------- step 3: poll

def poll_einvoices(limit: int | None = None) -> list[Outcome]:
    """Ask the access point how each e-invoice it took stands and record it: delivered, or rejected with the
    reason; one still on its way stays sent. Commits each change (between transactions). Stops at the first
    question the access point does not answer (one error outcome); the next run asks again."""
    query = (select(EInvoiceDelivery.id, EInvoiceDelivery.provider_reference)
             .where(EInvoiceDelivery.status == DeliveryStatus.SENT, EInvoiceDelivery.channel == HTTP,
                    EInvoiceDelivery.provider_reference != "")
             .order_by(EInvoiceDelivery.id))
    if limit is not None:
        query = query.limit(limit)
    waiting = list(db.session.execute(query))
    db.session.commit()
    if not waiting:
        return []
    try:
        access_point = access_point_named(HTTP)
    except AccessPointUnavailable as error:
        return [Outcome("", "error", str(error))]
    outcomes = []
    for delivery_id, reference in waiting:
        try:
            answer = access_point.get_status(reference)
        except AccessPointUnavailable as error:
            outcomes.append(Outcome(reference, "error", str(error)))
            break
        delivery = db.session.get(EInvoiceDelivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.SENT or delivery.provider_reference != reference:
            db.session.commit()  # resent meanwhile: this answer is about an earlier sending
            continue
        if answer.status == DELIVERED:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.reason = ""
        elif answer.status == REJECTED:
            delivery.status = DeliveryStatus.REJECTED
            delivery.reason = answer.reason
        number = delivery.document.number
        action = delivery.status.value
        db.session.commit()
        if action != DeliveryStatus.SENT.value:
            outcomes.append(Outcome(number, action, answer.reason))
    return outcomes


# ---------------------------------------------------------------------------------------------- staff

def can_resend(delivery: EInvoiceDelivery) -> bool:
    """Staff may send an e-invoice again unless it is still waiting to be sent."""
    return delivery.status != DeliveryStatus.QUEUED


def resend_einvoice(delivery: EInvoiceDelivery, *, by) -> EInvoiceDelivery:
    """Send an e-invoice again (invalid, rejected, or sent and lost): validated again now and queued in a new
    round (a new idempotency key, attempts from zero), or invalid with the new findings. Recorded in the audit
    log. Raises EInvoiceNotResendable when it is still queued. Never commits; the next sending run sends it."""
    if not can_resend(delivery):
        raise EInvoiceNotResendable(_l("Deze e-factuur wacht al om verstuurd te worden."))
    document = delivery.document
    delivery.sending_round += 1
    delivery.attempts = 0
    delivery.provider_reference = ""
    delivery.reason = ""
    delivery.receiver = document.buyer.get("peppol_id", "")
    delivery.channel = get_access_point().channel
    delivery.status = DeliveryStatus.QUEUED
    _check(delivery, document, with_pdf=False)
    db.session.flush()
    record_action("einvoice.resend", by=by, subject_type="order", subject_id=document.order_id,
                  detail=f"{document.number}: {delivery.status.value}")
    return delivery


# ---------------------------------------------------------------------------------------------- reads

@dataclass(frozen=True)
class EInvoiceRow:
    """One invoice or credit note of an order with its e-invoice delivery (None: a consumer's document)."""

    kind: str  # "invoice" or "credit_note"
    document: Document
    delivery: EInvoiceDelivery | None

    @property
    def can_resend(self) -> bool:
        return self.delivery is not None and can_resend(self.delivery)

    @property
    def blocking_findings(self) -> list[dict]:
        return [finding for finding in (self.delivery.findings if self.delivery else []) if finding.get("blocking")]


def list_einvoices_of(order: Order) -> list[EInvoiceRow]:
    """The order's invoice and credit notes, oldest first, each with its e-invoice delivery (three queries)."""
    invoices = list(db.session.scalars(select(Invoice).where(Invoice.order_id == order.id)))
    notes = list(db.session.scalars(select(CreditNote).where(CreditNote.order_id == order.id).order_by(CreditNote.id)))
    if not invoices and not notes:
        return []
    deliveries = db.session.scalars(select(EInvoiceDelivery).where(or_(
        EInvoiceDelivery.invoice_id.in_([invoice.id for invoice in invoices] or [-1]),
        EInvoiceDelivery.credit_note_id.in_([note.id for note in notes] or [-1]),
    )))
    by_invoice, by_note = {}, {}
    for delivery in deliveries:
        if delivery.invoice_id is not None:
            by_invoice[delivery.invoice_id] = delivery
        else:
            by_note[delivery.credit_note_id] = delivery
    return ([EInvoiceRow("invoice", invoice, by_invoice.get(invoice.id)) for invoice in invoices]
            + [EInvoiceRow("credit_note", note, by_note.get(note.id)) for note in notes])


def _needing_attention():
    return EInvoiceDelivery.status.in_([DeliveryStatus.INVALID, DeliveryStatus.REJECTED])


def count_einvoices_needing_attention() -> int:
    """How many e-invoices are invalid or rejected (staff must look at them)."""
    return db.session.scalar(select(func.count()).select_from(EInvoiceDelivery).where(_needing_attention())) or 0


def list_einvoices_needing_attention(limit: int = 200) -> list[EInvoiceDelivery]:
    """The invalid and rejected e-invoices, newest change first, with their document and its order loaded."""
    return list(db.session.scalars(
        select(EInvoiceDelivery).where(_needing_attention())
        .options(selectinload(EInvoiceDelivery.invoice).selectinload(Invoice.order),
                 selectinload(EInvoiceDelivery.credit_note).selectinload(CreditNote.order))
        .order_by(EInvoiceDelivery.updated_at.desc(), EInvoiceDelivery.id.desc())
        .limit(limit)
    ))
