"""The reports' period form: ?van=2026-11-01&tot=2026-11-30 (a GET form, so no CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form
from wtforms.validators import InputRequired, ValidationError

from shop.core.form_fields import DayField

MAX_PERIOD_DAYS = 366  # both days included


class ReportPeriodForm(Form):
    van = DayField(_l("Van"), empty_is_missing=True,
                   validators=[InputRequired(_l("Geef de eerste dag van de periode, bv. 2026-11-01."))])
    tot = DayField(_l("Tot en met"), empty_is_missing=True,
                   validators=[InputRequired(_l("Geef de laatste dag van de periode, bv. 2026-11-30."))])

    def validate_tot(self, field):
        if self.van.data and field.data:
            if field.data < self.van.data:
                raise ValidationError(_l("De laatste dag mag niet voor de eerste dag liggen."))
            if (field.data - self.van.data).days + 1 > MAX_PERIOD_DAYS:
                raise ValidationError(_l("Kies een periode van hoogstens %(days)s dagen.", days=MAX_PERIOD_DAYS))
