"""The reports' period form: ?van=2026-11-01&tot=2026-11-30 (a GET form, so no CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form
from wtforms.validators import InputRequired, ValidationError

MAX_PERIOD_DAYS = 366  # both days included


class DayField(DateField):
    """A DateField whose "not a date" message is ours (translated); an empty field is only "missing"."""

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None  # empty: InputRequired says what is missing
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Geef een datum als JJJJ-MM-DD, bv. 2026-11-01."))) from error


class ReportPeriodForm(Form):
    van = DayField(_l("Van"), format="%Y-%m-%d",
                   validators=[InputRequired(_l("Geef de eerste dag van de periode, bv. 2026-11-01."))])
    tot = DayField(_l("Tot en met"), format="%Y-%m-%d",
                   validators=[InputRequired(_l("Geef de laatste dag van de periode, bv. 2026-11-30."))])

    def validate_tot(self, field):
        if self.van.data and field.data:
            if field.data < self.van.data:
                raise ValidationError(_l("De laatste dag mag niet voor de eerste dag liggen."))
            if (field.data - self.van.data).days + 1 > MAX_PERIOD_DAYS:
                raise ValidationError(_l("Kies een periode van hoogstens %(days)s dagen.", days=MAX_PERIOD_DAYS))
