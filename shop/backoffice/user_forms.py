"""Back-office forms for staff users: invite (e-mail and role), change role, and the bare action form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from shop.core.email_address import EMAIL
from shop.core.form_fields import select_choices
from shop.core.form_fields import strip as _strip

ROLE_LABELS = {"staff": _l("Medewerker"), "admin": _l("Beheerder")}
ROLE_CHOICES = select_choices(ROLE_LABELS.items())


class RoleField(RadioField):
    """Staff or admin; anything else gets our own translated message."""

    def pre_validate(self, form):
        if self.data not in ROLE_LABELS:
            raise ValidationError(_l("Kies de rol medewerker of beheerder."))


class InviteStaffForm(FlaskForm):
    email = StringField(_l("E-mailadres"), filters=[_strip], validators=[
        InputRequired(_l("Geef een e-mailadres zoals naam@voorbeeld.be.")), Length(max=254),
    ])
    role = RoleField(_l("Rol"), choices=ROLE_CHOICES, default="staff",
                      validators=[InputRequired(_l("Kies de rol medewerker of beheerder."))])

    def validate_email(self, field):
        if not EMAIL.match(field.data or ""):
            raise ValidationError(_l("Geef een e-mailadres zoals naam@voorbeeld.be."))


class RoleForm(FlaskForm):
    role = RoleField(_l("Rol"), choices=ROLE_CHOICES,
                      validators=[InputRequired(_l("Kies de rol medewerker of beheerder."))])


class ActionForm(FlaskForm):
    """Only the CSRF token: activate or deactivate."""
