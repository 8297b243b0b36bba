"""Form fields and filters shared by the shop's forms (checkout, accounts, portal, back office), so that each
rule and each message exists once."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from shop.core.ids import MAX_ID, parse_whole_number


def strip(value):
    """Field filter: surrounding spaces never count."""
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs: Iterable[tuple[object, object]], *, optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select, radio or checkbox field.

    WTForms 3.3 deprecated options given as tuples (3.4 drops them); a ``SelectChoice`` is also what gives an
    option HTML attributes (``render_kw``) or an ``<optgroup>``. Read an option back by ``choice.value``, never
    by unpacking it (a ``SelectChoice`` unpacks into four parts).
    """
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes; unknown values get our own translated message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:  # a value that does not coerce (e.g. text where ids are expected)
            self.data = []
            raise ValueError(_l("Kies alleen uit de lijst.")) from None

    def pre_validate(self, form):
        known = {str(choice.value) for choice in self.choices or []}
        if any(str(value) not in known for value in self.data or []):
            raise ValidationError(_l("Kies alleen uit de lijst."))


class WholeNumberField(IntegerField):
    """An IntegerField with our own (translated) message for text that is not a whole number, or one larger than
    the database's integer columns hold (an id or an amount beyond 2**31-1); empty is None."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message or _l("Geef een geheel getal.")

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            return
        self.data = parse_whole_number(valuelist[0], minimum=-MAX_ID, maximum=MAX_ID)
        if self.data is None:
            raise ValueError(str(self.invalid_message))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class DayField(DateField):
    """A day typed as YYYY-MM-DD with our own (translated) "not a date" message.

    ``empty_is_missing``: an empty value is just missing (data None; InputRequired says so) instead of "not a
    date".
    """

    def __init__(self, label=None, validators=None, *, empty_is_missing: bool = False, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(label, validators, **kwargs)
        self.empty_is_missing = empty_is_missing

    def process_formdata(self, valuelist):
        if self.empty_is_missing and (not valuelist or not "".join(valuelist).strip()):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Geef een datum als JJJJ-MM-DD, bv. 2026-11-01."))) from error
