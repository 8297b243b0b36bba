"""The portal's product form: every field of a product, each checked with a message in the producer's language.

Numbers are typed as people type them on a phone ("4,50", "7,5"), so they are text fields parsed here; the
rules (review, food information, stock movements) live in ``shop.listings.product_edit``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from shop.catalog.allergens import ALLERGEN_LABELS, Allergen
from shop.catalog.models import Category, Label, NetUnit
from shop.catalog.vat import VatCategory
from shop.core.clock import shop_today
from shop.core.form_fields import CheckboxesField, select_choices
from shop.core.form_fields import strip as _strip
from shop.core.i18n import month_name
from shop.core.money import MoneyParseError, cents_to_text, parse_cents
from shop.extensions import db
from shop.listings.product_edit import (
    MAX_PRICE_CENTS,
    MAX_STOCK,
    TRANSLATED_FIELDS,
    TRANSLATED_LANGUAGES,
    ProductData,
)

TRANSLATION_LIMITS = {"name": 160, "description": 5000, "unit": 60, "ingredients": 5000, "storage": 2000}


class ProductForm(FlaskForm):
    name = StringField(_l("Naam"), filters=[_strip])
    description = TextAreaField(_l("Beschrijving"), filters=[_strip])
    name_fr = StringField(_l("Naam in het Frans"), filters=[_strip])
    description_fr = TextAreaField(_l("Beschrijving in het Frans"), filters=[_strip])
    unit_fr = StringField(_l("Eenheid in het Frans"), filters=[_strip])
    ingredients_fr = TextAreaField(_l("Ingrediënten in het Frans"), filters=[_strip])
    storage_fr = TextAreaField(_l("Bewaaradvies in het Frans"), filters=[_strip])
    name_en = StringField(_l("Naam in het Engels"), filters=[_strip])
    description_en = TextAreaField(_l("Beschrijving in het Engels"), filters=[_strip])
    unit_en = StringField(_l("Eenheid in het Engels"), filters=[_strip])
    ingredients_en = TextAreaField(_l("Ingrediënten in het Engels"), filters=[_strip])
    storage_en = TextAreaField(_l("Bewaaradvies in het Engels"), filters=[_strip])
    category_id = SelectField(_l("Categorie"), validate_choice=False)
    unit = StringField(_l("Eenheid"), filters=[_strip])
    net_quantity = StringField(_l("Nettohoeveelheid"), filters=[_strip])
    net_unit = SelectField(
        _l("Eenheid van de nettohoeveelheid"),
        choices=select_choices([(NetUnit.GRAM.value, _l("gram")), (NetUnit.MILLILITRE.value, _l("milliliter")),
                                (NetUnit.PIECE.value, _l("stuks"))]),
        validate_choice=False,
    )
    price = StringField(_l("Prijs (incl. btw)"), filters=[_strip])
    vat_category_id = SelectField(_l("Btw-categorie"), validate_choice=False)
    stock = StringField(_l("Voorraad"), filters=[_strip])
    stock_seen = HiddenField()
    is_food = BooleanField(_l("Dit is een voedingsmiddel of drank"), default=True)
    ingredients = TextAreaField(_l("Ingrediënten"), filters=[_strip])
    contains = CheckboxesField(_l("Bevat"))
    may_contain = CheckboxesField(_l("Kan sporen bevatten van"))
    storage = TextAreaField(_l("Bewaaradvies"), filters=[_strip])
    alcohol_pct = StringField(_l("Alcoholpercentage"), filters=[_strip])
    origin = StringField(_l("Herkomst"), filters=[_strip])
    shelf_life_days = StringField(_l("Houdbaarheid in dagen"), filters=[_strip])
    perishable = BooleanField(_l("Bederfbaar (koel bewaren, snel op te eten)"))
    season_months = CheckboxesField(_l("Seizoen: te koop in"), coerce=int)
    label_ids = CheckboxesField(_l("Labels"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parsed: dict = {}
        categories = db.session.scalars(
            select(Category).where(Category.parent_id.is_(None)).options(selectinload(Category.children))
            .order_by(Category.position, Category.name)
        ).all()
        # Only subcategories can be chosen, under their top category's name.
        self.category_id.choices = [SelectChoice(str(child.id), child.name, optgroup=top.name)
                                    for top in categories for child in top.children]
        self._category_ids = {choice.value for choice in self.category_id.choices}
        today = shop_today()
        vat_categories = db.session.scalars(
            select(VatCategory).options(selectinload(VatCategory.rates)).order_by(VatCategory.name)
        ).all()
        self.vat_category_id.choices = select_choices(
            (str(vat.id), _l("%(name)s (%(rate)s %% btw)", name=vat.name, rate=vat.rate_on(today)))
            for vat in vat_categories if any(rate.valid_from <= today for rate in vat.rates)
        )
        self.default_vat_category_id = next((str(vat.id) for vat in vat_categories if vat.code == "food"), None)
        allergens = select_choices((a.value, ALLERGEN_LABELS[a]) for a in Allergen)
        self.contains.choices = allergens
        self.may_contain.choices = allergens
        self.season_months.choices = select_choices((m, month_name(m)) for m in range(1, 13))
        self.label_ids.choices = select_choices((label.id, label.name)
                                                for label in db.session.scalars(select(Label).order_by(Label.name)))

    # --- one check per field; each stores its parsed value -----------------------------------------
    def _max(self, field, limit):
        if len(field.data or "") > limit:
            raise ValidationError(_l("Gebruik hoogstens %(count)s tekens.", count=limit))

    def validate_name(self, field):
        if not field.data:
            raise ValidationError(_l("Vul de naam van het product in."))
        self._max(field, 160)

    def validate_description(self, field):
        self._max(field, 5000)

    def _check_translations(self):
        """Length limits of the translated texts, like their Dutch fields."""
        ok = True
        for language in TRANSLATED_LANGUAGES:
            for name, limit in TRANSLATION_LIMITS.items():
                field = getattr(self, f"{name}_{language}")
                if len(field.data or "") > limit:
                    field.errors = [*field.errors, _l("Gebruik hoogstens %(count)s tekens.", count=limit)]
                    ok = False
        return ok

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return self._check_translations() and valid

    def validate_category_id(self, field):
        if field.data not in self._category_ids:
            raise ValidationError(_l("Kies een categorie."))

    def validate_unit(self, field):
        if not field.data:
            raise ValidationError(_l("Vul de eenheid in, bijvoorbeeld 'per stuk' of '250 g'."))
        self._max(field, 60)

    def _whole_number(self, field, low, high, message):
        try:
            value = int(field.data.replace(".", "").replace(" ", ""))
        except ValueError:
            raise ValidationError(message) from None
        if not low <= value <= high:
            raise ValidationError(message)
        return value

    def validate_net_quantity(self, field):
        self._parsed["net_quantity"] = self._whole_number(
            field, 1, 1_000_000, _l("Vul de nettohoeveelheid in als een geheel getal groter dan 0, bv. 250.")
        ) if field.data else None

    def validate_net_unit(self, field):
        if field.data not in {unit.value for unit in NetUnit}:
            raise ValidationError(_l("Kies gram, milliliter of stuks."))

    def validate_price(self, field):
        if not field.data:
            raise ValidationError(_l("Vul de prijs in, bijvoorbeeld 4,50."))
        try:
            cents = parse_cents(field.data)
        except MoneyParseError:
            raise ValidationError(_l("Vul de prijs in als een bedrag in euro, bijvoorbeeld 4,50.")) from None
        if not 0 < cents <= MAX_PRICE_CENTS:
            raise ValidationError(_l("De prijs moet tussen € 0,01 en € 10.000 liggen."))
        self._parsed["price_cents"] = cents

    def validate_vat_category_id(self, field):
        if field.data not in {choice.value for choice in self.vat_category_id.choices}:
            raise ValidationError(_l("Kies een btw-categorie."))

    def validate_stock(self, field):
        if not field.data:
            raise ValidationError(_l("Vul de voorraad in (0 als je niets hebt)."))
        self._parsed["stock"] = self._whole_number(
            field, 0, MAX_STOCK, _l("De voorraad moet een geheel getal tussen 0 en 100.000 zijn.")
        )

    def validate_stock_seen(self, field):
        try:
            self._parsed["stock_seen"] = int(field.data) if field.data else None
        except ValueError:
            self._parsed["stock_seen"] = None

    def validate_ingredients(self, field):
        self._max(field, 5000)

    def validate_storage(self, field):
        self._max(field, 2000)

    def validate_origin(self, field):
        self._max(field, 160)

    def validate_may_contain(self, field):
        both = set(field.data or []) & set(self.contains.data or [])
        if both:
            names = ", ".join(str(ALLERGEN_LABELS[Allergen(a)]).lower() for a in sorted(both))
            raise ValidationError(
                _l("Een allergeen staat in 'bevat' of in 'kan sporen bevatten van', niet in beide: %(names)s.",
                   names=names)
            )

    def validate_alcohol_pct(self, field):
        if not field.data:
            self._parsed["alcohol_pct"] = None
            return
        try:
            value = float(field.data.replace(",", ".").rstrip("% ").strip())
        except ValueError:
            raise ValidationError(_l("Vul het alcoholpercentage in als een getal, bijvoorbeeld 7,5.")) from None
        if not 0 <= value <= 100:
            raise ValidationError(_l("Het alcoholpercentage ligt tussen 0 en 100."))
        self._parsed["alcohol_pct"] = round(value, 1)

    def validate_shelf_life_days(self, field):
        self._parsed["shelf_life_days"] = self._whole_number(
            field, 1, 3650, _l("Vul de houdbaarheid in als een aantal dagen tussen 1 en 3650.")
        ) if field.data else None

    def validate_season_months(self, field):
        if not field.data:
            raise ValidationError(_l("Kies minstens één maand waarin het product te koop is."))

    # --- between form and domain -----------------------------------------------------------------
    def to_data(self) -> ProductData:
        return ProductData(
            name=self.name.data,
            description=self.description.data or "",
            translations={
                language: {name: getattr(self, f"{name}_{language}").data or "" for name in TRANSLATED_FIELDS}
                for language in TRANSLATED_LANGUAGES
            },
            category_id=int(self.category_id.data),
            unit=self.unit.data,
            net_quantity=self._parsed.get("net_quantity"),
            net_unit=NetUnit(self.net_unit.data),
            price_cents=self._parsed["price_cents"],
            vat_category_id=int(self.vat_category_id.data),
            stock=self._parsed["stock"],
            stock_seen=self._parsed.get("stock_seen"),
            is_food=bool(self.is_food.data),
            ingredients=self.ingredients.data or "",
            contains={Allergen(a) for a in self.contains.data or []},
            may_contain={Allergen(a) for a in self.may_contain.data or []},
            storage=self.storage.data or "",
            alcohol_pct=self._parsed.get("alcohol_pct"),
            origin=self.origin.data or "",
            shelf_life_days=self._parsed.get("shelf_life_days"),
            perishable=bool(self.perishable.data),
            season_months=[int(m) for m in self.season_months.data],
            label_ids=[int(i) for i in self.label_ids.data or []],
        )

    def fill_from(self, data: ProductData) -> None:
        self.name.data = data.name
        self.description.data = data.description
        for language in TRANSLATED_LANGUAGES:
            texts = data.translations.get(language, {})
            for name in TRANSLATED_FIELDS:
                getattr(self, f"{name}_{language}").data = texts.get(name, "")
        self.category_id.data = str(data.category_id)
        self.unit.data = data.unit
        self.net_quantity.data = "" if data.net_quantity is None else str(data.net_quantity)
        self.net_unit.data = NetUnit(data.net_unit).value
        self.price.data = cents_to_text(data.price_cents)
        self.vat_category_id.data = str(data.vat_category_id)
        self.stock.data = str(data.stock)
        self.stock_seen.data = "" if data.stock_seen is None else str(data.stock_seen)
        self.is_food.data = data.is_food
        self.ingredients.data = data.ingredients
        self.contains.data = sorted(a.value for a in data.contains)
        self.may_contain.data = sorted(a.value for a in data.may_contain)
        self.storage.data = data.storage
        self.alcohol_pct.data = "" if data.alcohol_pct is None else f"{data.alcohol_pct:g}".replace(".", ",")
        self.origin.data = data.origin
        self.shelf_life_days.data = "" if data.shelf_life_days is None else str(data.shelf_life_days)
        self.perishable.data = data.perishable
        self.season_months.data = list(data.season_months)
        self.label_ids.data = list(data.label_ids)


class PhotoForm(FlaskForm):
    photo = FileField(_l("Foto"))
    alt = StringField(_l("Korte beschrijving van de foto"), filters=[_strip])

    def validate_photo(self, field):
        if not field.data or not getattr(field.data, "filename", None):
            raise ValidationError(_l("Kies een foto om op te laden."))

    def validate_alt(self, field):
        if len(field.data or "") > 300:
            raise ValidationError(_l("Gebruik hoogstens %(count)s tekens.", count=300))


class ActionForm(FlaskForm):
    """Only the CSRF token: hide, unhide, archive, delete or move a photo."""
