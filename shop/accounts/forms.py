"""Account forms: every field validated with a translated message (GOV.UK error pattern)."""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import ValidationError

from shop.accounts.company import CITY_MAX, LEGAL_NAME_MAX, STREET_MAX, CompanyDetails
from shop.accounts.models import Role
from shop.accounts.services import password_problem
from shop.core.email_address import EMAIL
from shop.core.form_fields import strip as _strip


def _email_ok(form, field):
    if not field.data:
        raise ValidationError(_l("Geef je e-mailadres, zoals naam@voorbeeld.be."))
    if len(field.data) > 254 or not EMAIL.match(field.data):
        raise ValidationError(_l("Geef een geldig e-mailadres, zoals naam@voorbeeld.be."))


def _password_given(form, field):
    if not field.data:
        raise ValidationError(_l("Geef je wachtwoord."))
    if len(field.data) > 200:
        raise ValidationError(_l("Het wachtwoord klopt niet."))


def _new_password_ok(email_field: str | None):
    def check(form, field):
        if not field.data:
            raise ValidationError(_l("Kies een wachtwoord."))
        email = getattr(form, email_field).data if email_field else getattr(form, "account_email", "")
        problem = password_problem(field.data, email)
        if problem is not None:
            raise ValidationError(problem)

    return check


def _same_as_password(form, field):
    if not field.data:
        raise ValidationError(_l("Herhaal je wachtwoord."))
    if field.data != form.password.data:
        raise ValidationError(_l("De twee wachtwoorden zijn niet gelijk."))


def _name_ok(form, field):
    if not field.data:
        raise ValidationError(_l("Geef je naam."))
    if len(field.data) > 160:
        raise ValidationError(_l("Geef een naam van hoogstens 160 tekens."))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), filters=[_strip], validators=[_email_ok])
    password = PasswordField(_l("Wachtwoord"), validators=[_password_given])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), filters=[_strip], validators=[_email_ok])


class NewPasswordForm(FlaskForm):
    """Choose a password (reset link or invitation); ``account_email`` is set by the view."""

    account_email = ""
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[_new_password_ok(None)])
    password_again = PasswordField(_l("Herhaal het nieuwe wachtwoord"), validators=[_same_as_password])


class ChangePasswordForm(FlaskForm):
    account_email = ""
    current_password = PasswordField(_l("Huidig wachtwoord"), validators=[_password_given])
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[_new_password_ok(None)])
    password_again = PasswordField(_l("Herhaal het nieuwe wachtwoord"), validators=[_same_as_password])


class InvitationForm(NewPasswordForm):
    name = StringField(_l("Naam"), filters=[_strip], validators=[_name_ok])


class RegistrationForm(FlaskForm):
    name = StringField(_l("Naam"), filters=[_strip], validators=[_name_ok])
    email = EmailField(_l("E-mailadres"), filters=[_strip], validators=[_email_ok])
    password = PasswordField(_l("Wachtwoord"), validators=[_new_password_ok("email")])
    password_again = PasswordField(_l("Herhaal het wachtwoord"), validators=[_same_as_password])


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Je wachtwoord"), validators=[_password_given])


STAFF_ROLES = [(Role.STAFF.value, _l("Medewerker")), (Role.ADMIN.value, _l("Beheerder"))]


class CompanyProfileForm(FlaskForm):
    """The company profile: the rules are checked by shop.accounts.company (check_company_details), whose
    errors the view puts at these fields (same names as CompanyDetails)."""

    legal_name = StringField(_l("Naam van het bedrijf"), filters=[_strip], render_kw={"maxlength": LEGAL_NAME_MAX})
    vat_number = StringField(_l("Btw-nummer"), filters=[_strip])
    street = StringField(_l("Straat en huisnummer"), filters=[_strip], render_kw={"maxlength": STREET_MAX})
    postcode = StringField(_l("Postcode"), filters=[_strip])
    city = StringField(_l("Gemeente"), filters=[_strip], render_kw={"maxlength": CITY_MAX})
    invoice_email = EmailField(_l("E-mailadres voor facturen"), filters=[_strip])
    peppol_id = StringField(_l("Peppol-adres voor e-facturen"), filters=[_strip])
    prices_excl_vat = BooleanField(_l("Toon prijzen exclusief btw"))

    def to_details(self) -> CompanyDetails:
        return CompanyDetails(
            legal_name=self.legal_name.data or "", vat_number=self.vat_number.data or "",
            street=self.street.data or "", postcode=self.postcode.data or "", city=self.city.data or "",
            peppol_id=self.peppol_id.data or "", invoice_email=self.invoice_email.data or "",
            prices_excl_vat=bool(self.prices_excl_vat.data),
        )

    def fill_from(self, details: CompanyDetails) -> None:
        for name, value in asdict(details).items():
            getattr(self, name).data = value

    def show_errors(self, errors: dict) -> None:
        for name, message in errors.items():
            getattr(self, name).errors = [message]
