from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.validators import InputRequired, ValidationError

from shop.core.form_fields import DayField
from shop.core.query_string import page_number, period_from_query, search_text

DEFAULT = (date(2026, 11, 1), date(2026, 11, 30))


class _PeriodForm(Form):
    van = DayField(validators=[InputRequired()])
    tot = DayField(validators=[InputRequired()])

    def validate_tot(self, field):
        if self.van.data and field.data and field.data < self.van.data:
            raise ValidationError("before")


@pytest.mark.parametrize(("raw", "text"), [
    (None, ""), ("", ""), ("  kaas  ", "kaas"), ("x" * 150, "x" * 100), ("  " + "y" * 120, "y" * 100),
])
def test_search_text_drops_spaces_and_keeps_at_most_100_characters(raw, text):
    args = MultiDict({} if raw is None else {"q": raw})
    assert search_text(args) == text


@pytest.mark.parametrize(("raw", "page"), [
    (None, 1), ("", 1), ("abc", 1), ("0", 1), ("-3", 1), ("1", 1), ("7", 7), ("²", 1), ("٣", 1), ("000", 1),
    ("99999", 99_999), ("100000", 99_999), ("9" * 5000, 99_999),
])
def test_page_number_is_between_one_and_the_highest_page(raw, page):
    args = MultiDict({} if raw is None else {"pagina": raw})
    assert page_number(args) == page


def test_period_without_days_is_the_default_filled_in(app):
    form, start, end = period_from_query(MultiDict(), _PeriodForm, DEFAULT)
    assert (start, end) == DEFAULT
    assert (form.van.data, form.tot.data) == DEFAULT
    assert form.errors == {}


def test_period_from_the_query_string(app):
    form, start, end = period_from_query(MultiDict({"van": "2026-12-01", "tot": "2026-12-07"}), _PeriodForm, DEFAULT)
    assert (start, end) == (date(2026, 12, 1), date(2026, 12, 7))


@pytest.mark.parametrize("args", [
    {"van": "2026-12-07", "tot": "2026-12-01"}, {"van": "2026-12-01"}, {"tot": "2026-12-01"}, {"van": "gisteren", "tot": "2026-12-01"},
])
def test_an_invalid_period_gives_no_days_and_the_form_with_its_errors(app, args):
    with app.test_request_context():
        form, start, end = period_from_query(MultiDict(args), _PeriodForm, DEFAULT)
    assert (start, end) == (None, None)
    assert form.errors
