"""Forms of the producer's weekly loop: the weekly confirmation, shortages, the statement period, the profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from shop.core.form_fields import DayField, WholeNumberField, select_choices

MAX_STOCK = 100_000


def week_form_class(products):
    """A form with, per product, ``stock_<id>`` (a whole number 0..100000) and ``available_<id>`` (yes/no)."""

    class WeekForm(FlaskForm):
        pass

    for product in products:
        setattr(WeekForm, f"stock_{product.id}", WholeNumberField(
            _l("Voorraad van %(name)s", name=product.name),
            validators=[InputRequired(_l("Geef de voorraad van %(name)s als een geheel getal.", name=product.name)),
                        NumberRange(0, MAX_STOCK, _l("De voorraad van %(name)s moet tussen 0 en %(max)s liggen.",
                                                     name=product.name, max=MAX_STOCK))],
            invalid_message=_l("Geef de voorraad van %(name)s als een geheel getal.", name=product.name),
            render_kw={"inputmode": "numeric", "min": 0},
        ))
        setattr(WeekForm, f"available_{product.id}", BooleanField(_l("Te koop")))
        # The figure the page showed: an untouched field then changes nothing, even if a sale landed since.
        setattr(WeekForm, f"seen_{product.id}", WholeNumberField(validators=[Optional()],
                                                                  widget=HiddenInput()))
    return WeekForm


def week_form(products, **kwargs):
    """The weekly form, pre-filled with today's figures on GET."""
    form_class = week_form_class(products)
    form = form_class(**kwargs)
    if not form.is_submitted():
        for product in products:
            form[f"stock_{product.id}"].data = product.stock
            form[f"available_{product.id}"].data = product.status == "published"
            form[f"seen_{product.id}"].data = product.stock
    # A non-number typed into a stock field is an error (WTForms' own message is not translated here).
    return form


class ShortageForm(FlaskForm):
    product_id = SelectField(_l("Product"), coerce=int,
                             validators=[InputRequired(_l("Kies het product dat je niet kunt leveren."))])
    quantity = WholeNumberField(
        _l("Aantal dat je niet kunt leveren"),
        invalid_message=_l("Geef het aantal dat je niet kunt leveren, als een geheel getal."),
        validators=[InputRequired(_l("Geef het aantal dat je niet kunt leveren, als een geheel getal."))],
    )
    note = TextAreaField(_l("Toelichting"), validators=[
        Optional(), Length(max=1000, message=_l("De toelichting mag hoogstens 1000 tekens lang zijn."))])

    def __init__(self, choices: list[tuple[int, str, int]], *args, **kwargs):
        """``choices``: (product id, label, units needed)."""
        super().__init__(*args, **kwargs)
        self.needed = {product_id: needed for product_id, _label, needed in choices}
        self.product_id.choices = select_choices((product_id, label) for product_id, label, _needed in choices)
        if len(choices) == 1 and not self.is_submitted():
            self.product_id.data = choices[0][0]

    def validate_product_id(self, field):
        if field.data not in self.needed:
            raise ValidationError(_l("Kies het product dat je niet kunt leveren."))

    def validate_quantity(self, field):
        needed = self.needed.get(self.product_id.data)
        if needed is not None and field.data is not None and not 1 <= field.data <= needed:
            raise ValidationError(_l("Geef een aantal van 1 tot %(needed)s.", needed=needed))


class ResendForm(FlaskForm):
    """Only the CSRF token: "Stuur opnieuw"."""


class PeriodForm(Form):
    """The statement's period from the query string (?van=2026-11-01&tot=2026-11-30); no CSRF on a GET."""

    van = DayField(_l("Van"), format="%Y-%m-%d",
                    validators=[DataRequired(_l("Geef de eerste dag als JJJJ-MM-DD, bv. 2026-11-01."))])
    tot = DayField(_l("Tot en met"), format="%Y-%m-%d",
                    validators=[DataRequired(_l("Geef de laatste dag als JJJJ-MM-DD, bv. 2026-11-30."))])

    def validate_tot(self, field):
        if self.van.data and field.data:
            if field.data < self.van.data:
                raise ValidationError(_l("De laatste dag mag niet voor de eerste dag liggen."))
            if (field.data - self.van.data).days > 366:
                raise ValidationError(_l("Kies een periode van hoogstens een jaar."))


class ProfileForm(FlaskForm):
    story = TextAreaField(_l("Jullie verhaal"), validators=[
        Length(max=5000, message=_l("Je verhaal mag hoogstens %(max)s tekens lang zijn.", max=5000))])
    story_fr = TextAreaField(_l("Verhaal in het Frans"), validators=[
        Optional(), Length(max=5000, message=_l("Je verhaal mag hoogstens %(max)s tekens lang zijn.", max=5000))])
    story_en = TextAreaField(_l("Verhaal in het Engels"), validators=[
        Optional(), Length(max=5000, message=_l("Je verhaal mag hoogstens %(max)s tekens lang zijn.", max=5000))])
    street = StringField(_l("Straat en huisnummer"), validators=[
        DataRequired(_l("Geef de straat en het huisnummer.")),
        Length(max=160, message=_l("De straat mag hoogstens 160 tekens lang zijn."))])
    postcode = StringField(_l("Postcode"), validators=[
        DataRequired(_l("Geef een Belgische postcode van 4 cijfers.")),
        Regexp(r"^\d{4}$", message=_l("Geef een Belgische postcode van 4 cijfers."))])
    place = StringField(_l("Deelgemeente of dorp"), validators=[
        Optional(), Length(max=120, message=_l("De plaatsnaam mag hoogstens 120 tekens lang zijn."))])
    farm_shop_hours = TextAreaField(_l("Openingsuren hoevewinkel"), validators=[
        Optional(), Length(max=1000, message=_l("De openingsuren mogen hoogstens %(max)s tekens lang zijn.",
                                                max=1000))])
    website = StringField(_l("Website"), validators=[
        Optional(), Length(max=200, message=_l("Het webadres mag hoogstens 200 tekens lang zijn.")),
        URL(require_tld=True, message=_l("Geef een webadres dat begint met http:// of https://.")),
        Regexp(r"^https?://", message=_l("Geef een webadres dat begint met http:// of https://."))])
    phone = StringField(_l("Telefoon"), validators=[
        Optional(), Regexp(r"^\+?[0-9 ./()-]{6,40}$",
                           message=_l("Geef een telefoonnummer met alleen cijfers, spaties en eventueel +."))])
    email = StringField(_l("E-mailadres"), validators=[
        Optional(), Length(max=200, message=_l("Het e-mailadres mag hoogstens 200 tekens lang zijn.")),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Geef een e-mailadres zoals naam@voorbeeld.be."))])
    photo = FileField(_l("Foto van je bedrijf"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp", "heic", "heif"],
                    _l("Kies een foto in JPEG, PNG, WebP of HEIC."))])
