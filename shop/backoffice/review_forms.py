"""Back-office forms of the review queue: approve (CSRF only) and reject with a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from shop.catalog.review import ReasonRequired, check_reason
from shop.core.form_fields import strip as _strip


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reden van de afwijzing"), filters=[_strip])

    def validate_reason(self, field):
        try:
            check_reason(field.data)  # the rule itself, so form and service never disagree
        except ReasonRequired as error:
            raise ValidationError(str(error)) from None


class ApproveForm(FlaskForm):
    """Only the CSRF token."""

