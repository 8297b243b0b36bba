"""The e-invoice: an invoice or credit note as UBL 2.1 in the Peppol BIS Billing 3.0 profile, built from the
document's data only (parties, lines, VAT per rate, total and payment as issued; never the live order), with
its PDF embedded. shop.invoicing.validation checks it offline before it leaves the shop.

Figures. The document states per VAT rate a taxable base and the VAT on it (``vat_lines``, computed once per
rate); the UBL's VAT breakdown is exactly those. Its lines carry net amounts: each line's gross is split per
rate (a package over its components' rates, the delivery fee over the goods' rates, one line per rate), and the
rate's base is shared over its lines in proportion to their gross (largest remainder), so the line nets of a
rate add up to its base to the cent (BR-S-08, BR-CO-10). A line's price is its net for the line's quantity
(``BaseQuantity``) unless the net divides evenly, so quantity × price is the net exactly (PEPPOL-EN16931-R120).
Where base + VAT is a cent off what was charged, the difference is the PayableRoundingAmount.

Payment. Paid at checkout (card or Bancontact): the whole total is prepaid and nothing is due; payment means 54
(credit card) or 55 (debit card) need card data the shop never sees, so the means is 48 (bank card) without
a CardAccount (the rules ask for one only between German parties), with the provider's payment reference as
PaymentID. By transfer (``payment["method"] == "transfer"``): SEPA credit transfer (58) to the shop's IBAN, with a
Belgian structured reference as PaymentID; still to be paid, the total is due (by its due date); already paid
(an accepted quote whose transfer came in: ``paid_at``), the total is prepaid like a card payment.

Buyer. A company is addressed by its Peppol participant id (``0208:<enterprise number>`` by default). Peppol
requires a buyer endpoint (PEPPOL-EN16931-R010) from its own list of schemes, which has no e-mail scheme (EN
16931 allows EM, PEPPOL-EN16931-CL008 refuses it): a consumer's e-invoice has no endpoint and is for
information only (downloaded, never sent through Peppol); its one blocking finding is PEPPOL-EN16931-R010.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from lxml import etree

from shop.core.clock import shop_day
from shop.core.money import split_largest_remainder
from shop.core.structured_reference import structured_reference
from shop.invoicing.mentions import credit_note_mention
from shop.invoicing.models import CreditNote, Invoice
from shop.invoicing.pdf import render_document_pdf

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CURRENCY = "EUR"
INVOICE_TYPE = "380"  # commercial invoice (UNCL 1001)
CREDIT_NOTE_TYPE = "381"  # credit note
UNIT_CODE = "C62"  # "one" (UN/ECE rec. 20): the lines count products, packages, deliveries
SCHEME_ENTERPRISE = "0208"  # Belgian enterprise number (KBO/BCE) in the Peppol EAS and ICD lists
PAYMENT_CARD = "48"  # bank card (UNCL 4461)
PAYMENT_SEPA_TRANSFER = "58"  # SEPA credit transfer

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ROOT_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


def amount_text(cents: int) -> str:
    """Cents as a UBL amount with exactly two decimals (BR-DEC): 1234 → "12.34", -1 → "-0.01"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _tag(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{NS[prefix]}}}{local}"


def _add(parent: etree._Element, name: str, text: object = None, **attributes: str) -> etree._Element:
    """A child element; with ``text`` a leaf holding it (callers leave out empty values: no empty elements)."""
    element = etree.SubElement(parent, _tag(name), attributes or None)
    if text is not None:
        element.text = str(text)
    return element


def _add_if(parent: etree._Element, name: str, text: str | None, **attributes: str) -> None:
    """A leaf only when there is something to say (PEPPOL-EN16931-R008: no empty elements)."""
    if text:
        _add(parent, name, text, **attributes)


def _amount(parent: etree._Element, name: str, cents: int) -> None:
    _add(parent, name, amount_text(cents), currencyID=CURRENCY)


# --- lines ------------------------------------------------------------------------------------------------


def _line_parts(line: dict) -> list[tuple[int, int]]:
    """A document line's (VAT rate, gross) parts: its VAT split (a package, the delivery fee) or its one rate."""
    split = [(part["rate"], part["gross_cents"]) for part in line.get("vat_split") or []]
    if not split:
        return [(line["vat_rate"], line["total_cents"])]
    return [(rate, gross) for rate, gross in split if gross] or split[:1]


def _line_name(line: dict, rate: int, split: bool) -> str:
    name = line["name"] + (f" ({line['unit']})" if line.get("unit") else "")
    if split:
        name = _("%(name)s (deel aan %(rate)s %% btw)", name=name, rate=rate)
    return name


def _line_description(line: dict, rate: int, split: bool) -> str:
    """What a package holds (for a part at one rate: its components at that rate)."""
    components = [c for c in line.get("components") or [] if not split or c.get("vat_rate") == rate]
    return ", ".join(f"{c['quantity']} × {c['name']}" for c in components)


def ubl_lines(document: Invoice | CreditNote) -> list[dict]:
    """The e-invoice's lines: one per document line and VAT rate, with the line's net amount.

    Per rate the nets are the rate's taxable base (``vat_lines``) shared over its lines in proportion to their
    gross, largest remainder: they add up to the base exactly. Raises ValueError when a line has a rate the
    document's VAT lines lack (a document that cannot be stated).
    """
    parts = []
    for line in document.lines:
        rated = _line_parts(line)
        split = len(rated) > 1
        for rate, gross in rated:
            parts.append({
                "name": _line_name(line, rate, split),
                "description": _line_description(line, rate, split),
                "quantity": line["quantity"],
                "rate": rate,
                "gross_cents": gross,
            })
    base_by_rate = {vat_line["rate"]: vat_line["base_cents"] for vat_line in document.vat_lines}
    by_rate: dict[int, list[dict]] = defaultdict(list)
    for part in parts:
        if part["rate"] not in base_by_rate:
            raise ValueError(f"{document.number}: a line at {part['rate']} % but no VAT line at that rate")
        by_rate[part["rate"]].append(part)
    for rate, rate_parts in by_rate.items():
        nets = split_largest_remainder(base_by_rate[rate], [part["gross_cents"] for part in rate_parts])
        for part, net in zip(rate_parts, nets, strict=True):
            part["net_cents"] = net
    return parts


def _add_line(root: etree._Element, kind: str, number: int, part: dict) -> None:
    line = _add(root, f"cac:{kind}Line")
    _add(line, "cbc:ID", number)
    quantity_name = "cbc:CreditedQuantity" if kind == "CreditNote" else "cbc:InvoicedQuantity"
    _add(line, quantity_name, part["quantity"], unitCode=UNIT_CODE)
    _amount(line, "cbc:LineExtensionAmount", part["net_cents"])
    item = _add(line, "cac:Item")
    _add_if(item, "cbc:Description", part["description"])
    _add(item, "cbc:Name", part["name"])
    _add_tax_category(item, "cac:ClassifiedTaxCategory", part["rate"])
    price = _add(line, "cac:Price")
    quantity, net = part["quantity"], part["net_cents"]
    if quantity and net % quantity == 0:
        _amount(price, "cbc:PriceAmount", net // quantity)
    else:  # the price of the whole quantity, so quantity × price / base quantity is the net exactly
        _amount(price, "cbc:PriceAmount", net)
        _add(price, "cbc:BaseQuantity", quantity or 1, unitCode=UNIT_CODE)


def _add_tax_category(parent: etree._Element, name: str, rate: int) -> None:
    """Belgian VAT at 6, 12 or 21 % is standard rated (S); a zero rate is Z."""
    category = _add(parent, name)
    _add(category, "cbc:ID", "S" if rate else "Z")
    _add(category, "cbc:Percent", rate)
    _add(_add(category, "cac:TaxScheme"), "cbc:ID", "VAT")


# --- parties ----------------------------------------------------------------------------------------------


def _add_address(party: etree._Element, data: dict) -> None:
    address = _add(party, "cac:PostalAddress")
    _add_if(address, "cbc:StreetName", data.get("street"))
    _add_if(address, "cbc:CityName", data.get("city"))
    _add_if(address, "cbc:PostalZone", data.get("postcode"))
    _add(_add(address, "cac:Country"), "cbc:IdentificationCode", data.get("country") or "BE")


def _add_tax_scheme(party: etree._Element, vat_number: str) -> None:
    if vat_number:
        scheme = _add(party, "cac:PartyTaxScheme")
        _add(scheme, "cbc:CompanyID", vat_number)
        _add(_add(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")


def _add_legal_entity(party: etree._Element, name: str, enterprise_number: str) -> None:
    entity = _add(party, "cac:PartyLegalEntity")
    _add(entity, "cbc:RegistrationName", name)
    _add_if(entity, "cbc:CompanyID", enterprise_number, schemeID=SCHEME_ENTERPRISE)


def _add_seller(root: etree._Element, seller: dict) -> None:
    party = _add(_add(root, "cac:AccountingSupplierParty"), "cac:Party")
    _add(party, "cbc:EndpointID", seller["enterprise_number"], schemeID=SCHEME_ENTERPRISE)
    _add(_add(party, "cac:PartyName"), "cbc:Name", seller["name"])
    _add_address(party, seller)
    _add_tax_scheme(party, seller.get("vat_number", ""))
    _add_legal_entity(party, seller["name"], seller.get("enterprise_number", ""))
    if seller.get("email"):
        _add(_add(party, "cac:Contact"), "cbc:ElectronicMail", seller["email"])


def buyer_endpoint(buyer: dict) -> tuple[str, str] | None:
    """The buyer's Peppol participant id as (scheme, identifier), or None for a consumer (no Peppol id)."""
    scheme, _, identifier = (buyer.get("peppol_id") or "").partition(":")
    return (scheme, identifier) if scheme and identifier else None


def _add_buyer(root: etree._Element, buyer: dict) -> None:
    party = _add(_add(root, "cac:AccountingCustomerParty"), "cac:Party")
    endpoint = buyer_endpoint(buyer)
    if endpoint is not None:
        _add(party, "cbc:EndpointID", endpoint[1], schemeID=endpoint[0])
    legal_name = buyer.get("company_name") or buyer.get("name", "")
    if buyer.get("company_name"):
        _add(_add(party, "cac:PartyName"), "cbc:Name", buyer["company_name"])
    _add_address(party, buyer)
    _add_tax_scheme(party, buyer.get("vat_number", ""))
    _add_legal_entity(party, legal_name, buyer.get("enterprise_number") or "")
    if buyer.get("name") or buyer.get("email"):
        contact = _add(party, "cac:Contact")
        _add_if(contact, "cbc:Name", buyer.get("name"))
        _add_if(contact, "cbc:ElectronicMail", buyer.get("email"))


# --- payment ----------------------------------------------------------------------------------------------


def is_paid_by_transfer(document: Invoice | CreditNote) -> bool:
    return (document.payment or {}).get("method") == "transfer"


def is_due(document: Invoice | CreditNote) -> bool:
    """Whether the document's total is still to be paid: a transfer not yet received."""
    return is_paid_by_transfer(document) and not (document.payment or {}).get("paid_at")


def transfer_reference(document: Invoice | CreditNote) -> str:
    """The structured reference a transfer pays with: the payment's own, else one made from the document's
    year and sequence (2026-000123 → +++202/6000/12320+++)."""
    return (document.payment or {}).get("structured_reference") or structured_reference(
        document.year * 1_000_000 + document.sequence)


def _add_payment(root: etree._Element, document: Invoice | CreditNote, seller: dict) -> None:
    payment = document.payment or {}
    means = _add(root, "cac:PaymentMeans")
    if is_paid_by_transfer(document):
        reference = transfer_reference(document)
        _add(means, "cbc:PaymentMeansCode", PAYMENT_SEPA_TRANSFER)
        if isinstance(document, CreditNote) and payment.get("due_date"):
            _add(means, "cbc:PaymentDueDate", payment["due_date"])
        _add(means, "cbc:PaymentID", reference)
        account = _add(means, "cac:PayeeFinancialAccount")
        _add(account, "cbc:ID", seller["iban"])
        _add_if(account, "cbc:Name", seller.get("name"))
        if seller.get("bic"):
            _add(_add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", seller["bic"])
        terms = _add(root, "cac:PaymentTerms")
        if is_due(document):
            _add(terms, "cbc:Note", _("Te betalen door overschrijving naar %(iban)s met de gestructureerde mededeling "
                                       "%(reference)s.", iban=seller["iban"], reference=reference))
        else:
            _add(terms, "cbc:Note", _("Betaald door overschrijving naar %(iban)s met de gestructureerde mededeling "
                                       "%(reference)s.", iban=seller["iban"], reference=reference))
    else:
        _add(means, "cbc:PaymentMeansCode", PAYMENT_CARD)
        _add_if(means, "cbc:PaymentID", payment.get("reference"))


def _add_totals(root: etree._Element, document: Invoice | CreditNote) -> None:
    tax_total = _add(root, "cac:TaxTotal")
    _amount(tax_total, "cbc:TaxAmount", document.vat_cents)
    for vat_line in document.vat_lines:
        subtotal = _add(tax_total, "cac:TaxSubtotal")
        _amount(subtotal, "cbc:TaxableAmount", vat_line["base_cents"])
        _amount(subtotal, "cbc:TaxAmount", vat_line["vat_cents"])
        _add_tax_category(subtotal, "cac:TaxCategory", vat_line["rate"])
    totals = _add(root, "cac:LegalMonetaryTotal")
    base, vat, rounding = document.base_cents, document.vat_cents, document.rounding_cents
    _amount(totals, "cbc:LineExtensionAmount", base)
    _amount(totals, "cbc:TaxExclusiveAmount", base)
    _amount(totals, "cbc:TaxInclusiveAmount", base + vat)
    prepaid = 0 if is_due(document) else document.total_cents
    if prepaid:
        _amount(totals, "cbc:PrepaidAmount", prepaid)
    if rounding:
        _amount(totals, "cbc:PayableRoundingAmount", rounding)
    _amount(totals, "cbc:PayableAmount", base + vat + rounding - prepaid)


# --- the document -----------------------------------------------------------------------------------------


def _locale(document: Invoice | CreditNote) -> str:
    # The language the document was issued in (its PDF's too): the order's, fixed when it was placed.
    return (document.order.locale if document.order is not None else None) or "nl"


def _pdf_filename(document: Invoice | CreditNote) -> str:
    if isinstance(document, CreditNote):
        return _("creditnota-%(number)s.pdf", number=document.number)
    return _("factuur-%(number)s.pdf", number=document.number)


def _issue_date(document: Invoice | CreditNote) -> date:
    return shop_day(document.issued_at)


def render_ubl(document: Invoice | CreditNote, pdf: bytes | None = None) -> bytes:
    """The invoice (type 380) or credit note (type 381, referring to its invoice) as Peppol BIS Billing 3.0
    UBL, UTF-8, with ``pdf`` embedded: by default the document's own PDF (shop.invoicing.pdf.render_document_pdf);
    ``b""`` embeds none.

    Raises ValueError for a document whose lines and VAT lines disagree on the rates."""
    kind = "CreditNote" if isinstance(document, CreditNote) else "Invoice"
    if pdf is None:
        pdf = render_document_pdf(document)
    with force_locale(_locale(document)):
        parts = ubl_lines(document)
        root = etree.Element(f"{{{ROOT_NS[kind]}}}{kind}", nsmap={None: ROOT_NS[kind], **NS})
        _add(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
        _add(root, "cbc:ProfileID", PROFILE_ID)
        _add(root, "cbc:ID", document.number)
        _add(root, "cbc:IssueDate", _issue_date(document).isoformat())
        if kind == "Invoice":
            if is_due(document) and document.payment.get("due_date"):
                _add(root, "cbc:DueDate", document.payment["due_date"])
            _add(root, "cbc:InvoiceTypeCode", INVOICE_TYPE)
        else:
            _add(root, "cbc:CreditNoteTypeCode", CREDIT_NOTE_TYPE)
            # Peppol allows one note (PEPPOL-EN16931-R002): the reason, then the legal mention for a company.
            _add_if(root, "cbc:Note", " ".join(part for part in (document.reason, credit_note_mention(document)) if part))
        _add(root, "cbc:DocumentCurrencyCode", CURRENCY)
        buyer = document.buyer
        # PEPPOL-EN16931-R003: a buyer reference or an order reference; a company's PO, else the orderer's name.
        _add(root, "cbc:BuyerReference", buyer.get("purchase_order") or buyer.get("name") or document.number)
        if buyer.get("purchase_order"):
            _add(_add(root, "cac:OrderReference"), "cbc:ID", buyer["purchase_order"])
        if kind == "CreditNote":
            reference = _add(_add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
            _add(reference, "cbc:ID", document.invoice.number)
            _add(reference, "cbc:IssueDate", _issue_date(document.invoice).isoformat())
        if pdf:
            attachment = _add(root, "cac:AdditionalDocumentReference")
            _add(attachment, "cbc:ID", document.number)
            _add(_add(attachment, "cac:Attachment"), "cbc:EmbeddedDocumentBinaryObject",
                 base64.b64encode(pdf).decode("ascii"), mimeCode="application/pdf", filename=_pdf_filename(document))
        _add_seller(root, document.seller)
        _add_buyer(root, buyer)
        _add_payment(root, document, document.seller)
        _add_totals(root, document)
        for number, part in enumerate(parts, start=1):
            _add_line(root, kind, number, part)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
