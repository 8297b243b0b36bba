"""Back-office forms for producers: the producer itself, inviting a portal user, and the bare action form.

The rules (postcode in Oost-Vlaanderen, e-mail, phone, website, lengths) live in ``shop.catalog.producer_profile``
and ``shop.listings.producer_admin``; these forms check what a browser can get wrong and hand over the data.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from shop.catalog.producer_profile import STORY_MAX
from shop.core.email_address import EMAIL
from shop.core.form_fields import CheckboxesField, select_choices
from shop.core.form_fields import strip as _strip
from shop.listings.producer_admin import NAME_MAX, ProducerData


class ProducerForm(FlaskForm):
    name = StringField(_l("Naam"), filters=[_strip], validators=[
        InputRequired(_l("Vul de naam van de producent in.")),
        Length(max=NAME_MAX, message=_l("De naam mag hoogstens %(max)d tekens lang zijn.")),
    ])
    story = TextAreaField(_l("Verhaal"), filters=[_strip], validators=[
        Length(max=STORY_MAX, message=_l("Het verhaal mag hoogstens %(max)d tekens lang zijn.")),
    ])
    street = StringField(_l("Straat en huisnummer"), filters=[_strip], validators=[
        InputRequired(_l("Geef de straat en het huisnummer.")), Length(max=160),
    ])
    postcode = StringField(_l("Postcode"), filters=[_strip], validators=[
        InputRequired(_l("Geef een Belgische postcode van 4 cijfers.")),
    ])
    place = StringField(_l("Plaats"), filters=[_strip], validators=[Length(max=120)])
    email = StringField(_l("E-mailadres"), filters=[_strip], validators=[Length(max=200)])
    phone = StringField(_l("Telefoon"), filters=[_strip], validators=[Length(max=40)])
    website = StringField(_l("Website"), filters=[_strip], validators=[Length(max=200)])
    labels = CheckboxesField(_l("Labels"), coerce=int)

    def set_label_choices(self, labels) -> None:
        self.labels.choices = select_choices((label.id, label.name) for label in labels)

    def fill_from(self, producer) -> None:
        self.name.data = producer.name
        self.story.data = producer.story
        self.street.data = producer.street
        self.postcode.data = producer.postcode
        self.place.data = producer.locality.name if producer.locality else ""
        self.email.data = producer.email
        self.phone.data = producer.phone
        self.website.data = producer.website
        self.labels.data = [label.id for label in producer.labels]

    def to_data(self) -> ProducerData:
        return ProducerData(
            name=self.name.data or "", story=self.story.data or "", street=self.street.data or "",
            postcode=self.postcode.data or "", place=self.place.data or "", email=self.email.data or "",
            phone=self.phone.data or "", website=self.website.data or "", label_ids=list(self.labels.data or []),
        )


class InviteProducerUserForm(FlaskForm):
    # Not "email": the producer's own e-mail field is on the same page.
    user_email = StringField(_l("E-mailadres van de nieuwe gebruiker"), filters=[_strip], validators=[
        InputRequired(_l("Geef een e-mailadres zoals naam@voorbeeld.be.")), Length(max=254),
    ])

    def validate_user_email(self, field):
        if not EMAIL.match(field.data or ""):
            raise ValidationError(_l("Geef een e-mailadres zoals naam@voorbeeld.be."))


class ActionForm(FlaskForm):
    """Only the CSRF token: activate or deactivate."""
