"""Access points: how an e-invoice (UBL) leaves the shop. Plain data in and out, like the payment adapters
(shop.payments.interface): an adapter never touches invoices or deliveries; shop.invoicing.delivery records what
it returns.

``get_access_point()`` picks the adapter from the configuration at call time:

- ``HttpAccessPoint`` when ``ACCESS_POINT_URL`` is set (env ``SHOP_ACCESS_POINT_URL``, key ``SHOP_ACCESS_POINT_KEY``):
  a Belgian Peppol access point's REST API, spoken with the standard library (every call has a time-out):

      POST {url}/v1/documents            Authorization: Bearer <key>, Idempotency-Key: <the delivery's key>
           {"documentType", "processId", "sender", "receiver", "reference", "document": <UBL, base64>}
           201/202 {"id": ..., "status": "accepted"}       the access point took it: sent
           400/409/422 {"error": {"code", "message"}}      refused at once: rejected, with the reason
           401/403/404/408/429/5xx, no answer, time-out    not sent now: it stays queued and is tried again
      GET  {url}/v1/documents/<id>
           200 {"id", "status": accepted|sending|sent|delivered|rejected|failed, "reason"}

  The delivery's status is *polled* (``flask --app shop poll-einvoices``), not pushed: the shop offers no
  callback URL, so nothing from outside can change an e-invoice's state and no webhook secret is needed.
- ``MailAccessPoint`` otherwise (the default): the UBL (and PDF) are written to ``EINVOICE_DIR``
  (``instance/einvoices/<number>.xml``) and mailed to the buyer through the outbox, in the caller's transaction
  (at most once per sending: the mail's dedupe key is the delivery's key).

Errors: an access point that cannot be reached (or will not hear us) raises ``AccessPointUnavailable``; a
document it refuses comes back as ``SendAnswer.refused`` (its reason), never as an exception.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from shop.core.settings import get_settings
from shop.outbox.services import enqueue

log = logging.getLogger(__name__)

MAIL, HTTP = "mail", "access_point"  # the channels, as EInvoiceDelivery.channel records them

# Peppol BIS Billing 3.0: the document types and the process an access point needs to route a document.
INVOICE_DOCUMENT_TYPE = ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017"
                         "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1")
CREDIT_NOTE_DOCUMENT_TYPE = ("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:"
                             "en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1")
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

# What the access point says of a document it took, as DeliveryAnswer.status.
SENT, DELIVERED, REJECTED = "sent", "delivered", "rejected"
_HTTP_STATUSES = {"delivered": DELIVERED, "rejected": REJECTED, "failed": REJECTED}
# Answers that say nothing about the document (our key, the URL, the access point's load or health): try later.
_RETRY_LATER = {401, 403, 404, 408, 425, 429}


class AccessPointUnavailable(Exception):
    """The access point could not be reached, timed out, or would not hear us: nothing was decided about the
    document; send it again later (with the same idempotency key)."""


@dataclass(frozen=True)
class OutgoingEInvoice:
    """One e-invoice to send, as plain data (made by shop.invoicing.delivery from an invoice or credit note)."""

    key: str  # idempotency key: the same key is the same sending (einvoice-<delivery id>-<round>)
    kind: str  # "invoice" or "credit_note"
    number: str
    document_type: str  # INVOICE_DOCUMENT_TYPE or CREDIT_NOTE_DOCUMENT_TYPE
    sender: str  # the shop's Peppol participant id, 0208:<enterprise number>
    receiver: str  # the buyer's Peppol participant id
    xml: bytes  # the UBL
    pdf: bytes | None  # the same document as a PDF, when there is one
    buyer_name: str
    buyer_email: str
    order_number: str
    locale: str = "nl"


@dataclass(frozen=True)
class SendAnswer:
    """What the access point said when it was handed a document."""

    reference: str  # its id for the document (the mail adapter: the file written); empty when refused
    refused: str = ""  # why it refused the document at once; empty when it took it


@dataclass(frozen=True)
class DeliveryAnswer:
    """Where a document the access point took stands now: SENT (on its way), DELIVERED or REJECTED (reason)."""

    status: str
    reason: str = ""


class AccessPoint(Protocol):
    channel: str  # MAIL or HTTP

    def send(self, document: OutgoingEInvoice) -> SendAnswer: ...

    def get_status(self, reference: str) -> DeliveryAnswer: ...


def get_access_point() -> AccessPoint:
    """The HTTP access point when ACCESS_POINT_URL is configured, else the mail adapter."""
    return access_point_named(HTTP if current_app.config.get("ACCESS_POINT_URL") else MAIL)


def access_point_named(channel: str) -> AccessPoint:
    """The adapter of ``channel`` (a delivery is polled through the channel that sent it)."""
    if channel == HTTP:
        return HttpAccessPoint()
    return MailAccessPoint()


# ---------------------------------------------------------------------------------------------- mail

def _filenames(document: OutgoingEInvoice) -> tuple[str, str]:
    """The attachments' names (PDF, UBL) in the buyer's language."""
    if document.kind == "credit_note":
        return (_("creditnota-%(number)s.pdf", number=document.number),
                _("creditnota-%(number)s.xml", number=document.number))
    return _("factuur-%(number)s.pdf", number=document.number), _("factuur-%(number)s.xml", number=document.number)


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a reader never sees half a file (a second sending replaces the first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


class MailAccessPoint:
    """No Peppol connection: the buyer gets the PDF and the UBL by e-mail; a copy of each is kept on disk."""

    channel = MAIL

    def send(self, document: OutgoingEInvoice) -> SendAnswer:
        """Write ``<number>.xml`` (and ``.pdf``) under EINVOICE_DIR and queue the mail to the buyer with both
        attached, in the caller's transaction (the caller commits it with the delivery's new state). The same
        key queues the mail once."""
        directory = Path(current_app.config["EINVOICE_DIR"])
        try:
            _write(directory / f"{document.number}.xml", document.xml)
            if document.pdf is not None:
                _write(directory / f"{document.number}.pdf", document.pdf)
        except OSError as error:  # a full or read-only disk: nothing is mailed, it is tried again later
            raise AccessPointUnavailable(_("De e-factuur kon niet bewaard worden in %(folder)s: %(error)s",
                                           folder=directory, error=error)) from error
        settings = get_settings()
        with force_locale(document.locale or "nl"):
            pdf_name, xml_name = _filenames(document)
            if document.kind == "credit_note":
                subject = _("Creditnota %(number)s van %(seller)s", number=document.number, seller=settings.seller_name)
            else:
                subject = _("Factuur %(number)s van %(seller)s", number=document.number, seller=settings.seller_name)
            context = dict(document=document, subject=subject, settings=settings, locale=document.locale or "nl",
                           pdf_name=pdf_name, xml_name=xml_name)
            text = render_template("emails/einvoice.txt", **context)
            html = render_template("emails/einvoice.html", **context)
        attachments = [(xml_name, "application/xml", document.xml)]
        if document.pdf is not None:
            attachments.insert(0, (pdf_name, "application/pdf", document.pdf))
        enqueue(kind="einvoice", to=document.buyer_email, subject=subject, text=text, html=html,
                attachments=attachments, dedupe_key=f"einvoice:{document.key}", reply_to=settings.seller_email)
        return SendAnswer(reference=f"{document.number}.xml")

    def get_status(self, reference: str) -> DeliveryAnswer:
        """A mail brings no receipt: it stays sent."""
        return DeliveryAnswer(SENT)


# ---------------------------------------------------------------------------------------------- HTTP

def _error_text(status: int, answer: dict[str, Any]) -> str:
    """The access point's own words for an error answer (``{"error": {"code", "message"}}``)."""
    error = answer.get("error")
    if isinstance(error, dict):
        code, message = str(error.get("code") or ""), str(error.get("message") or "")
        return f"{code}: {message}" if code and message else (message or code or f"HTTP {status}")
    return str(error or answer.get("message") or f"HTTP {status}")


def _unavailable(status: int, answer: dict[str, Any]) -> AccessPointUnavailable:
    return AccessPointUnavailable(_("Het toegangspunt antwoordde %(status)s: %(detail)s", status=status,
                                    detail=_error_text(status, answer)))


class HttpAccessPoint:
    """A Peppol access point's REST API (see the module's docstring), through urllib with a time-out."""

    channel = HTTP

    def __init__(self) -> None:
        config = current_app.config
        self.base_url = (config.get("ACCESS_POINT_URL") or "").rstrip("/")
        if not self.base_url:
            raise AccessPointUnavailable(_("Er is geen toegangspunt ingesteld (SHOP_ACCESS_POINT_URL)."))
        self.api_key = config.get("ACCESS_POINT_KEY") or ""
        self.timeout = config.get("ACCESS_POINT_TIMEOUT_SECONDS", 10)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              idempotency_key: str | None = None) -> tuple[int, dict[str, Any]]:
        """One request; its status and JSON answer (an error status too). Raises AccessPointUnavailable when no
        answer came (refused connection, time-out, a broken answer)."""
        headers = {"Accept": "application/json", "User-Agent": "lekker-oost-vlaams-shop"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (OSError, http.client.HTTPException) as error:  # refused, reset, time-out, a broken answer
            reason = getattr(error, "reason", None) or error
            raise AccessPointUnavailable(_("Het toegangspunt is niet bereikbaar: %(reason)s", reason=reason)) from error
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        return status, answer

    def send(self, document: OutgoingEInvoice) -> SendAnswer:
        """POST the UBL with its sender, receiver and document type, idempotent under ``document.key``.

        A refusal of the document (400, 409, 422) comes back as ``refused``; raises AccessPointUnavailable when
        the access point cannot be reached or answers that it cannot take it now."""
        body = {
            "documentType": document.document_type,
            "processId": BILLING_PROCESS,
            "sender": document.sender,
            "receiver": document.receiver,
            "reference": document.number,
            "document": base64.b64encode(document.xml).decode("ascii"),
        }
        status, answer = self._call("POST", "/v1/documents", body, idempotency_key=document.key)
        if status in (200, 201, 202) and answer.get("id"):
            return SendAnswer(reference=str(answer["id"]))
        if 400 <= status < 500 and status not in _RETRY_LATER:
            reason = _error_text(status, answer)
            log.warning("access point refused e-invoice %s: %s", document.number, reason)
            return SendAnswer(reference="", refused=reason)
        raise _unavailable(status, answer)

    def get_status(self, reference: str) -> DeliveryAnswer:
        """Where the document with the access point's id ``reference`` stands. Raises AccessPointUnavailable when
        the access point cannot tell now."""
        status, answer = self._call("GET", f"/v1/documents/{quote(reference, safe='')}")
        if status != 200:
            raise _unavailable(status, answer)
        state = _HTTP_STATUSES.get(str(answer.get("status") or ""), SENT)
        reason = str(answer.get("reason") or "") if state == REJECTED else ""
        return DeliveryAnswer(state, reason or ("" if state != REJECTED else _("geen reden opgegeven")))
