"""The options of the shop's choice fields: WTForms' SelectChoice, never the tuples WTForms 3.4 no longer takes."""

import pytest
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectFieldBase

from shop.core.form_fields import CheckboxesField, select_choices


class _Form(FlaskForm):
    day = SelectField("Dag", validate_choice=False)
    kind = RadioField("Soort", choices=select_choices([("a", "Eerste"), ("b", "Tweede")]))
    labels = CheckboxesField("Labels", coerce=int)


def test_select_choices_render_as_the_pairs_did(app):
    with app.test_request_context(method="POST", data={"kind": "b", "labels": ["2"]}):
        form = _Form()
        form.day.choices = select_choices([("1", "Maandag")], optgroup="Week 1") + select_choices([("8", "Maandag")])
        form.labels.choices = select_choices([(1, "Bio"), (2, "Hoevewinkel")])

        assert form.validate()
        assert str(form.day()) == ('<select id="day" name="day"><optgroup label="Week 1"><option value="1">Maandag'
                                   '</option></optgroup><option value="8">Maandag</option></select>')
        assert [(o.data, o.label.text, o.checked) for o in form.kind] == [("a", "Eerste", False), ("b", "Tweede", True)]
        assert [(o.data, o.checked) for o in form.labels] == [(1, False), (2, True)]


def test_checkboxes_refuse_a_value_not_among_their_options(app):
    with app.test_request_context(method="POST", data={"kind": "a", "labels": ["3"]}):
        form = _Form()
        form.labels.choices = select_choices([(1, "Bio"), (2, "Hoevewinkel")])

        assert not form.validate()
        assert form.labels.errors == ["Kies alleen uit de lijst."]


@pytest.mark.skipif(not hasattr(SelectFieldBase, "_warn_legacy_choices"), reason="WTForms refuses tuples itself")
def test_options_set_as_tuples_at_run_time_warn_when_used(app):
    """tests/conftest.py makes WTForms 3.3 warn of tuple options set after the field was made (it only warns of
    those given to the field), so that pyproject's filterwarnings fails any test that renders or checks them."""
    with app.test_request_context():
        form = _Form()
        form.day.choices = [("1", "Maandag")]

        with pytest.warns(DeprecationWarning, match="SelectField choices as tuples"):
            form.day()
