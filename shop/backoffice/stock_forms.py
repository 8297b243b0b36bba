"""Form of the back office's stock page: a correction with a mandatory reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from shop.backoffice.shortage_forms import WholeNumberField
from shop.core.ids import parse_whole_number
from shop.inventory.services import CORRECTION_REASON_MAX, CORRECTION_REASON_MIN, MAX_CORRECTED_STOCK


class StockCorrectionForm(FlaskForm):
    new_stock = WholeNumberField(_l("Nieuwe voorraad"), validators=[
        InputRequired(_l("Vul de getelde voorraad in (0 als er niets is).")),
        NumberRange(min=0, max=MAX_CORRECTED_STOCK, message=_l("De voorraad moet tussen 0 en %(max)s liggen.")),
    ], invalid_message=_l("Vul de voorraad in als een geheel getal, bijvoorbeeld 12."))
    reason = TextAreaField(_l("Reden"), validators=[
        InputRequired(_l("Geef de reden van de correctie.")),
        Length(min=CORRECTION_REASON_MIN, max=CORRECTION_REASON_MAX,
               message=_l("Geef een reden van %(min)d tot %(max)d tekens.")),
    ])
    # The figure the staff member saw: a sale in between is not overwritten unseen.
    expected_stock = HiddenField()

    def expected(self) -> int | None:
        return parse_whole_number(self.expected_stock.data)
