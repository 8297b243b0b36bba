"""Forms of the back office's fulfilment pages: the day or selection of the pick list and packing slips, the
period of the purchase lists (both from the query string, no CSRF on a GET), and sending a purchase list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from shop.core.form_fields import DayField
from shop.core.ids import MAX_ID, parse_id
from shop.orders.queries import MAX_SELECTION
from shop.supply.purchase_lists import MAX_PERIOD_DAYS


class OrderIdsField(Field):
    """Every ``order`` value of the query string (``?order=12&order=15``) as a list of order ids."""

    widget = HiddenInput()

    def _value(self):
        return ""

    def process_formdata(self, valuelist):
        self.data = []
        ids = []
        for raw in valuelist:
            text = (raw or "").strip()
            key = parse_id(text)
            if key is None:
                raise ValueError(str(_l("“%(value)s” is geen bestelling; geef bestellingen aan met hun nummer-id "
                                        "(order=12).", value=text[:20])))
            ids.append(key)
        if len(ids) > MAX_SELECTION:
            raise ValueError(str(_l("Kies hoogstens %(max)s bestellingen tegelijk.", max=MAX_SELECTION)))
        self.data = list(dict.fromkeys(ids))


class SelectionForm(Form):
    """A day (``?dag=2026-12-22``) or a selection of orders (``?order=12&order=15``); the selection wins."""

    dag = DayField(_l("Dag"), validators=[Optional()])
    order = OrderIdsField(_l("Bestellingen"))

    @property
    def order_ids(self) -> list[int]:
        return self.order.data or []


def _check_period(form) -> None:
    if form.van.data and form.tot.data:
        if form.tot.data < form.van.data:
            raise ValidationError(_l("De laatste dag mag niet voor de eerste dag liggen."))
        if (form.tot.data - form.van.data).days + 1 > MAX_PERIOD_DAYS:
            raise ValidationError(_l("Kies een periode van hoogstens %(max)s dagen.", max=MAX_PERIOD_DAYS))


class PeriodForm(Form):
    """The purchase lists' period of scheduled days (``?van=2026-12-01&tot=2026-12-07``)."""

    van = DayField(_l("Van"), validators=[InputRequired(_l("Geef de eerste dag als JJJJ-MM-DD, bv. 2026-12-01."))])
    tot = DayField(_l("Tot en met"), validators=[InputRequired(_l("Geef de laatste dag als JJJJ-MM-DD, bv. 2026-12-07."))])

    def validate_tot(self, field):
        _check_period(self)


class SendPurchaseListForm(FlaskForm):
    """Send one producer's list for a period; ``verstuurd`` is how often the page saw it sent already."""

    van = DayField(_l("Van"), validators=[InputRequired(_l("Geef de eerste dag als JJJJ-MM-DD, bv. 2026-12-01."))],
                   widget=HiddenInput())
    tot = DayField(_l("Tot en met"), validators=[InputRequired(_l("Geef de laatste dag als JJJJ-MM-DD, bv. 2026-12-07."))],
                   widget=HiddenInput())
    verstuurd = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])

    def validate_tot(self, field):
        _check_period(self)
