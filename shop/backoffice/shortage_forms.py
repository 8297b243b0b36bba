"""Forms of the back office's shortage pages: substitute, refund, and a shortage found while picking."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from shop.core.form_fields import WholeNumberField, select_choices
from shop.core.ids import parse_id
from shop.supply.shortage_resolution import NOTE_MAX_LENGTH


class SubstituteForm(FlaskForm):
    """The product chosen among the options (radios rendered by the template) and a note for the file."""

    product_id = WholeNumberField(_l("Vervangproduct"), validators=[InputRequired(_l("Kies een vervangproduct."))],
                                  invalid_message=_l("Kies een vervangproduct."))
    note = TextAreaField(_l("Notitie"), id="substitute-note", validators=[Optional(), Length(
        max=NOTE_MAX_LENGTH, message=_l("De notitie mag hoogstens %(max)d tekens lang zijn."))])
    q = HiddenField(id="substitute-q")


class RefundMissingForm(FlaskForm):
    note = TextAreaField(_l("Notitie"), id="refund-note", validators=[Optional(), Length(
        max=NOTE_MAX_LENGTH, message=_l("De notitie mag hoogstens %(max)d tekens lang zijn."))])
    confirm = BooleanField(_l("Ja, betaal dit bedrag terug aan de klant"),
                           validators=[DataRequired(_l("Vink aan dat je het bedrag wilt terugbetalen."))])


class StaffShortageForm(FlaskForm):
    """A shortage found while picking: which product of which line (``<line id>-<product id>``), units, note."""

    item = SelectField(_l("Product"), validators=[InputRequired(_l("Kies het product dat ontbreekt."))],
                       validate_choice=True)
    quantity = WholeNumberField(_l("Aantal dat ontbreekt"), validators=[
        InputRequired(_l("Geef het aantal dat ontbreekt.")),
        NumberRange(min=1, message=_l("Geef een aantal van minstens 1.")),
    ])
    note = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=NOTE_MAX_LENGTH, message=_l(
        "De toelichting mag hoogstens %(max)d tekens lang zijn."))])

    def set_items(self, items) -> None:
        """``items``: (line, product id, product name, units needed) from ``reportable_items``."""
        self.item.choices = select_choices([("", _("Kies een product"))] + [
            (f"{line.id}-{product_id}",
             _("%(name)s (in %(package)s, hoogstens %(units)s)", name=name, package=line.name, units=units)
             if line.product_id is None else _("%(name)s (hoogstens %(units)s)", name=name, units=units))
            for line, product_id, name, units in items
        ])

    def chosen(self) -> tuple[int, int] | None:
        line_id, _dash, product_id = (self.item.data or "").partition("-")
        ids = parse_id(line_id), parse_id(product_id)
        return None if None in ids else ids
