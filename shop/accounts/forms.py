"""Account forms: every field validated with a translated message (GOV.UK error pattern)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import ValidationError

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
