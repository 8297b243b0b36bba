"""Back-office forms for packages. The rules (name, price, composition) live in ``shop.packages.admin``;
these forms only read what was typed and hand it over as ``PackageData`` or plain numbers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from shop.core.form_fields import CheckboxesField, select_choices
from shop.core.form_fields import strip as _strip
from shop.core.ids import parse_whole_number
from shop.core.money import cents_to_text
from shop.packages.admin import TRANSLATED_LANGUAGES, PackageData
from shop.packages.admin_queries import list_occasions


class PackageForm(FlaskForm):
    name = StringField(_l("Naam"), filters=[_strip])
    price = StringField(_l("Prijs (incl. btw)"), filters=[_strip])
    story = TextAreaField(_l("Verhaal"), filters=[_strip])
    occasion_ids = CheckboxesField(_l("Gelegenheden"), coerce=int)
    featured = BooleanField(_l("Uitgelicht op de startpagina"))
    name_fr = StringField(_l("Naam in het Frans"), filters=[_strip])
    story_fr = TextAreaField(_l("Verhaal in het Frans"), filters=[_strip])
    name_en = StringField(_l("Naam in het Engels"), filters=[_strip])
    story_en = TextAreaField(_l("Verhaal in het Engels"), filters=[_strip])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.occasion_ids.choices = select_choices((o.id, o.name) for o in list_occasions())

    def fill_from(self, package) -> None:
        self.name.data = package.name
        self.price.data = cents_to_text(package.price_cents)
        self.story.data = package.story
        self.occasion_ids.data = [o.id for o in package.occasions]
        self.featured.data = package.featured
        for language in TRANSLATED_LANGUAGES:
            entry = (package.translations or {}).get(language, {})
            self[f"name_{language}"].data = entry.get("name", "")
            self[f"story_{language}"].data = entry.get("story", "")

    def to_data(self) -> PackageData:
        return PackageData(
            name=self.name.data or "",
            price=self.price.data or "",
            story=self.story.data or "",
            occasion_ids=list(self.occasion_ids.data or []),
            featured=bool(self.featured.data),
            translations={
                language: {"name": self[f"name_{language}"].data or "", "story": self[f"story_{language}"].data or ""}
                for language in TRANSLATED_LANGUAGES
            },
        )

    def add_errors(self, errors: dict[str, object]) -> None:
        """Show the service's messages at their fields (unknown fields go to the summary)."""
        for name, message in errors.items():
            if name in self._fields:
                self[name].errors = [*self[name].errors, str(message)]
            else:
                self.form_errors.append(str(message))


def _whole_number(text: str | None) -> int | None:
    return parse_whole_number(text, maximum=999_999)


class ComponentAddForm(FlaskForm):
    """Add a product (from the picker's results) to the package."""

    product_id = StringField(_l("Product"))
    quantity = StringField(_l("Aantal"), default="1")

    def validate_product_id(self, field):
        if _whole_number(field.data) is None:
            raise ValidationError(_l("Kies een product uit de zoekresultaten."))

    def validate_quantity(self, field):
        if field.data not in (None, "") and _whole_number(field.data) is None:
            raise ValidationError(_l("Geef het aantal als een geheel getal, bv. 2."))

    @property
    def parsed_product_id(self) -> int:
        return _whole_number(self.product_id.data) or 0

    @property
    def parsed_quantity(self) -> int:
        return _whole_number(self.quantity.data) if self.quantity.data else 1


class ComponentForm(FlaskForm):
    """Change one component: quantity and named substitute ("" for none)."""

    quantity = StringField(_l("Aantal"))
    substitute_product_id = StringField(_l("Vervanger"))

    def validate_quantity(self, field):
        if _whole_number(field.data) is None:
            raise ValidationError(_l("Geef het aantal als een geheel getal, bv. 2."))

    def validate_substitute_product_id(self, field):
        if field.data and _whole_number(field.data) is None:
            raise ValidationError(_l("Kies een vervanger uit de lijst."))

    @property
    def parsed_quantity(self) -> int:
        return _whole_number(self.quantity.data) or 0

    @property
    def parsed_substitute_id(self) -> int | None:
        return _whole_number(self.substitute_product_id.data) or None


class PhotoForm(FlaskForm):
    photo = FileField(_l("Foto van het pakket"))

    def validate_photo(self, field):
        if not field.data or not getattr(field.data, "filename", None):
            raise ValidationError(_l("Kies een foto om op te laden."))


class ActionForm(FlaskForm):
    """Only the CSRF token: activate, deactivate, remove a component."""
