"""Mentions the law asks on a document, in one place for the PDF and the e-invoice.

A credit note to a VAT-registered buyer says that the buyer must pay back to the State the VAT it deducted on
what is credited (Belgian VAT code, art. 79; the mention of Royal Decree no. 1, art. 5: "btw terug te storten aan
de Staat in de mate waarin ze oorspronkelijk in aftrek werd gebracht"). A consumer deducted nothing: no mention.
"""

from __future__ import annotations

from flask_babel import gettext as _

from shop.invoicing.models import CreditNote


def credit_note_mention(note: CreditNote) -> str:
    """The credit note's legal mention in the current language, or "" for a consumer's."""
    if not note.is_company:
        return ""
    return _("Btw terug te storten aan de Staat in de mate waarin ze oorspronkelijk in aftrek werd gebracht.")
