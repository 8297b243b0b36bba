"""Forms of the back office's order pages. Each checks what a person typed; the rules live in
``shop.orders.staff_actions``."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from shop.core.form_fields import strip as _strip
from shop.core.money import MoneyParseError, cents_to_text, parse_cents
from shop.orders.staff_actions import NOTE_MAX, REASON_MAX, TRACKING_MAX


class TransitionForm(FlaskForm):
    """One status change: the target, the status the page showed, and for shipping the tracking reference."""

    to_status = HiddenField(validators=[DataRequired()])
    expected_status = HiddenField(validators=[DataRequired()])
    tracking_reference = StringField(_l("Zendingsnummer"), filters=[_strip],
                                     validators=[Length(max=TRACKING_MAX, message=_l("Hoogstens %(max)d tekens."))])

    def validate_tracking_reference(self, field):
        if self.to_status.data == "shipped" and not field.data:
            raise ValidationError(_l("Geef het zendingsnummer op."))


class ShipShipmentForm(FlaskForm):
    """One shipment of an order with several marked shipped; the reference's rules are the service's
    (shop.orders.shipments), so a missing one is refused there with its message."""

    tracking_reference = StringField(_l("Zendingsnummer"), filters=[_strip])


class ShipmentActionForm(FlaskForm):
    """A button on one shipment (delivered): the CSRF token only."""


class CancelForm(FlaskForm):
    expected_status = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reden van de annulering"), id="cancel-reason", filters=[_strip], validators=[
        DataRequired(message=_l("Geef de reden van de annulering op.")),
        Length(max=REASON_MAX, message=_l("Hoogstens %(max)d tekens.")),
    ])
    confirm = BooleanField(_l("Ja, annuleer deze bestelling"), id="cancel-confirm", validators=[
        DataRequired(message=_l("Vink aan dat je de bestelling wilt annuleren."))])


class RefundForm(FlaskForm):
    request_key = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$", message=_l("Dit formulier is ongeldig. Open de bestelling opnieuw."))])
    amount = StringField(_l("Bedrag"), id="refund-amount", filters=[_strip],
                         validators=[DataRequired(message=_l("Geef het bedrag op, bijvoorbeeld 12,50."))])
    reason = TextAreaField(_l("Reden"), id="refund-reason", filters=[_strip], validators=[
        DataRequired(message=_l("Geef de reden van de terugbetaling op.")),
        Length(max=REASON_MAX, message=_l("Hoogstens %(max)d tekens.")),
    ])
    amount_cents: int | None = None

    def validate_amount(self, field):
        try:
            cents = parse_cents(field.data or "")
        except MoneyParseError:
            raise ValidationError(_l("Geef een bedrag in euro op, bijvoorbeeld 12,50.")) from None
        if cents <= 0:
            raise ValidationError(_l("Het bedrag moet groter zijn dan € 0,00."))
        self.amount_cents = cents

    @classmethod
    def fresh(cls, left_cents: int) -> RefundForm:
        """A new form: the amount defaults to what is left; a new one-time key."""
        form = cls(formdata=None)
        form.request_key.data = uuid.uuid4().hex
        form.amount.data = cents_to_text(left_cents) if left_cents > 0 else ""
        return form


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Interne notitie"), id="note-body", filters=[_strip], validators=[
        DataRequired(message=_l("Schrijf een notitie.")),
        Length(max=NOTE_MAX, message=_l("Hoogstens %(max)d tekens.")),
    ])


class ResendForm(FlaskForm):
    kind = RadioField(_l("Welke e-mail?"), id="resend-kind", validate_choice=False,
                      validators=[DataRequired(message=_l("Kies een e-mail."))])

    def validate_kind(self, field):
        if field.data not in {choice.value for choice in self.kind.choices or []}:
            raise ValidationError(_l("Kies een e-mail uit de lijst."))


class BulkForm(FlaskForm):
    """Only for its CSRF token: the selected orders come as repeated ``order`` values, the button as ``action``."""
