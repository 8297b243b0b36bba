"""Company customers: the company profile of a customer account, and the one check of a company's invoice
details, used by the profile page and by the checkout's company block alike.

Rules kept here:
- A company is named (legal name), identified by its Belgian VAT number (checked, mod 97; the enterprise number
  is its ten digits) and has an invoice address (street and number, Belgian postcode, municipality): all
  required. The postcode must exist and the municipality belong to it, as every address in the shop
  (shop.reference.postcodes, through shop.accounts.place_check). The invoice e-mail and the Peppol participant
  id are optional; an empty Peppol id means the default, 0208:<enterprise number>, and one that equals the default is kept empty too, so changing the VAT
  number later never leaves an old id behind. A given Peppol id must carry this company's number.
- Texts are trimmed, have a maximum length (the columns') and hold no control characters (tabs, line breaks,
  NUL): they go on invoices and into the e-invoice's XML as they are.
- Only the account holder changes their profile, and only a customer account has one. Deleting the account
  deletes the profile (shop.accounts.services.delete_account); the export includes it (shop.accounts.export).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from shop.accounts.models import CompanyProfile, Role, User
from shop.accounts.place_check import place_problem
from shop.accounts.services import NotAllowed
from shop.core.email_address import EMAIL, MAX_EMAIL_LENGTH
from shop.core.errors import DomainError
from shop.core.postcode import belgian_postcode
from shop.core.vat_number import (
    InvalidCompanyData,
    default_peppol_id,
    normalise_peppol_id,
    normalise_vat_number,
)
from shop.extensions import db

LEGAL_NAME_MAX = 160
STREET_MAX = 160
CITY_MAX = 120


class InvalidCompanyDetails(DomainError):
    """Company details that cannot go on an invoice. ``errors`` maps each field of CompanyDetails that is wrong
    to its message (all of them at once, so a form can show every problem); the message is the first one."""

    def __init__(self, errors: dict[str, Any]):
        self.errors = dict(errors)
        super().__init__(next(iter(self.errors.values())))


@dataclass(frozen=True)
class CompanyDetails:
    """Who is invoiced: as typed in a form, or as ``check_company_details`` returns it (normalised)."""

    legal_name: str
    vat_number: str
    street: str
    postcode: str
    city: str
    peppol_id: str = ""
    invoice_email: str = ""
    prices_excl_vat: bool = False

    @property
    def participant_id(self) -> str:
        """The Peppol participant id invoices go to: the one given, else 0208:<enterprise number>."""
        return self.peppol_id or default_peppol_id(self.vat_number)


def _has_control_characters(text: str) -> bool:
    return any(not character.isprintable() for character in text)


_PLAIN_TEXT = _l("Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden.")


def _text(value: str | None, field: str, errors: dict, *, missing, too_long, maximum: int,
          required: bool = True) -> str:
    text = (value or "").strip()
    if not text:
        if required:
            errors[field] = missing
    elif _has_control_characters(text):
        errors[field] = _PLAIN_TEXT
    elif len(text) > maximum:
        errors[field] = too_long
    return text


def check_company_details(details: CompanyDetails) -> CompanyDetails:
    """The details normalised (VAT number as BE0123456749, Peppol id as scheme:identifier, or empty for the
    default), or InvalidCompanyDetails naming every field that breaks a rule (see the module's docstring)."""
    errors: dict[str, Any] = {}
    legal_name = _text(details.legal_name, "legal_name", errors, maximum=LEGAL_NAME_MAX,
                       missing=_l("Geef de naam van het bedrijf."),
                       too_long=_l("Geef een bedrijfsnaam van hoogstens %(max)s tekens.", max=LEGAL_NAME_MAX))
    vat_number = ""
    try:
        vat_number = normalise_vat_number(details.vat_number)
    except InvalidCompanyData as error:
        errors["vat_number"] = str(error)
    street = _text(details.street, "street", errors, maximum=STREET_MAX,
                   missing=_l("Geef de straat en het huisnummer van het facturatieadres."),
                   too_long=_l("Geef een straat en huisnummer van hoogstens %(max)s tekens.", max=STREET_MAX))
    postcode = belgian_postcode(details.postcode)
    if postcode is None:
        errors["postcode"] = _l("Geef een Belgische postcode, zoals 9000.")
    city = _text(details.city, "city", errors, maximum=CITY_MAX,
                 missing=_l("Geef de gemeente van het facturatieadres."),
                 too_long=_l("Geef een gemeente van hoogstens %(max)s tekens.", max=CITY_MAX))
    if postcode is not None and "postcode" not in errors and "city" not in errors:
        problem = place_problem(postcode, city)  # exists in Belgium, and the city belongs to it (2600 not Gent)
        if problem is not None:
            errors[problem.field] = problem.message
    invoice_email = (details.invoice_email or "").strip()
    if invoice_email and (len(invoice_email) > MAX_EMAIL_LENGTH or not EMAIL.match(invoice_email)
                          or _has_control_characters(invoice_email)):
        errors["invoice_email"] = _l("Geef een geldig e-mailadres, zoals naam@voorbeeld.be.")
    peppol_id = (details.peppol_id or "").strip()
    if vat_number and peppol_id:  # without a valid VAT number there is nothing to check it against
        try:
            peppol_id = normalise_peppol_id(peppol_id, vat_number)
        except InvalidCompanyData as error:
            errors["peppol_id"] = str(error)
        else:
            if peppol_id == default_peppol_id(vat_number):
                peppol_id = ""
    if errors:
        raise InvalidCompanyDetails(errors)
    return replace(details, legal_name=legal_name, vat_number=vat_number, street=street, postcode=postcode or "",
                   city=city, invoice_email=invoice_email, peppol_id=peppol_id,
                   prices_excl_vat=bool(details.prices_excl_vat))


# --- the profile ---------------------------------------------------------------------------------------------


def get_company_profile(user: User | None) -> CompanyProfile | None:
    """The company profile of a logged-in customer, or None (a guest, a consumer, staff or a producer)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.CUSTOMER:
        return None
    return user.company_profile


def shows_prices_excl_vat(user: User | None) -> bool:
    """Whether this visitor sees prices excluding VAT: a logged-in customer whose company profile chose it.
    Guests and consumers see prices including VAT, as the law asks for consumers."""
    profile = get_company_profile(user)
    return profile is not None and profile.prices_excl_vat


def details_of(profile: CompanyProfile) -> CompanyDetails:
    return CompanyDetails(legal_name=profile.legal_name, vat_number=profile.vat_number, street=profile.street,
                          postcode=profile.postcode, city=profile.city, peppol_id=profile.peppol_id,
                          invoice_email=profile.invoice_email, prices_excl_vat=profile.prices_excl_vat)


def _check_holder(user: User, by) -> None:
    if by is None or by.id != user.id:
        raise NotAllowed(_l("Je kunt alleen de bedrijfsgegevens van je eigen account wijzigen."))
    if user.role != Role.CUSTOMER:
        raise NotAllowed(_l("Alleen een klantenaccount kan bedrijfsgegevens hebben."))


def save_company_profile(user: User, details: CompanyDetails, *, by) -> CompanyProfile:
    """Add or change the company profile of ``user`` (their own, a customer) with checked details.

    Raises NotAllowed (someone else's account, or not a customer) or InvalidCompanyDetails (every wrong field);
    nothing changes when it raises.
    """
    _check_holder(user, by)
    checked = check_company_details(details)
    profile = user.company_profile
    if profile is None:
        try:  # the user's unique index decides between two first profiles at once (a double submit)
            with db.session.begin_nested():
                profile = _with_details(CompanyProfile(user=user), checked)
                db.session.add(profile)
            return profile
        except IntegrityError:  # stored meanwhile by the other submit: these details replace those
            db.session.refresh(user, attribute_names=["company_profile"])
            profile = user.company_profile
    _with_details(profile, checked)
    db.session.flush()
    return profile


def _with_details(profile: CompanyProfile, checked: CompanyDetails) -> CompanyProfile:
    profile.legal_name = checked.legal_name
    profile.vat_number = checked.vat_number
    profile.street = checked.street
    profile.postcode = checked.postcode
    profile.city = checked.city
    profile.peppol_id = checked.peppol_id
    profile.invoice_email = checked.invoice_email
    profile.prices_excl_vat = checked.prices_excl_vat
    return profile


def remove_company_profile(user: User, *, by) -> bool:
    """Remove the company profile of ``user`` (their own); True if there was one. Raises NotAllowed.
    Orders placed as the company keep their invoice data."""
    _check_holder(user, by)
    profile = user.company_profile
    if profile is None:
        return False
    user.company_profile = None  # delete-orphan: the row goes at the flush
    db.session.flush()
    return True


def export_company_profile(user: User) -> dict[str, Any] | None:
    """The profile in the personal-data export, or None."""
    profile = user.company_profile
    if profile is None:
        return None
    return {
        "legal_name": profile.legal_name,
        "vat_number": profile.vat_number,
        "enterprise_number": profile.enterprise_number,
        "street": profile.street,
        "postcode": profile.postcode,
        "city": profile.city,
        "invoice_email": profile.invoice_email,
        "peppol_id": details_of(profile).participant_id,
        "prices_excl_vat": profile.prices_excl_vat,
    }
