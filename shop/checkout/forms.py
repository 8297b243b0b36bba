"""The checkout form: contact, delivery or pickup, gift and company invoice.

Works without JavaScript: every fieldset is always in the page, and the method radios and the gift and
company checkboxes decide which fields are required and checked. The rules that need the cart (perishables,
fees) are applied by the view through ``shop.checkout.delivery``.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from shop.accounts.company import (
    CITY_MAX,
    LEGAL_NAME_MAX,
    STREET_MAX,
    CompanyDetails,
    InvalidCompanyDetails,
    check_company_details,
)
from shop.checkout.delivery import DeliveryError, check_place, normalise_postcode
from shop.checkout.services import CheckoutData
from shop.core.email_address import EMAIL
from shop.core.form_fields import select_choices
from shop.core.form_fields import strip as _strip
from shop.core.settings import get_settings
from shop.core.vat_number import InvalidPurchaseOrder, normalise_purchase_order
from shop.orders.models import DeliveryMethod
from shop.scheduling.services import SlotState, parse_hour

_PHONE = re.compile(r"^\+?[0-9][0-9 ./()\-]{6,24}$")


class CheckoutForm(FlaskForm):
    class Meta:
        # The review step posts nothing of this form back; everything lives in the session.
        pass

    email = EmailField(_l("E-mailadres"), filters=[_strip], validators=[Length(max=254)])
    name = StringField(_l("Naam"), filters=[_strip], validators=[Length(max=160)])
    phone = TelField(_l("Telefoonnummer"), filters=[_strip], validators=[Optional(), Length(max=40)])

    method = RadioField(
        _l("Afhalen of laten leveren"),
        choices=select_choices([(DeliveryMethod.PICKUP.value, _l("Afhalen in het Groot Vleeshuis")),
                                (DeliveryMethod.DELIVERY.value, _l("Thuislevering"))]),
        validate_choice=False,
    )
    pickup_date = SelectField(_l("Afhaaldag"), validate_choice=False)
    pickup_time = SelectField(_l("Afhaaluur"), validate_choice=False)

    recipient_name = StringField(_l("Naam van de ontvanger"), filters=[_strip], validators=[Length(max=160)])
    street = StringField(_l("Straat en huisnummer"), filters=[_strip], validators=[Length(max=160)])
    postcode = StringField(_l("Postcode"), filters=[_strip])
    city = StringField(_l("Gemeente"), filters=[_strip], validators=[Length(max=120)])
    desired_date = SelectField(_l("Gewenste leverdag"), validate_choice=False)

    is_gift = BooleanField(_l("Dit is een geschenk"))
    gift_message = TextAreaField(_l("Boodschap op het kaartje"), filters=[_strip])
    hide_prices = BooleanField(_l("Geen prijzen in het pakket"), default=True)

    # The company block: checked by shop.accounts.company.check_company_details, as the account's company profile.
    is_company = BooleanField(_l("Ik wil een factuur op naam van een bedrijf"))
    company_name = StringField(_l("Bedrijfsnaam"), filters=[_strip], render_kw={"maxlength": LEGAL_NAME_MAX})
    vat_number = StringField(_l("Btw-nummer"), filters=[_strip])
    billing_street = StringField(_l("Straat en huisnummer (facturatie)"), filters=[_strip],
                                 render_kw={"maxlength": STREET_MAX})
    billing_postcode = StringField(_l("Postcode (facturatie)"), filters=[_strip])
    billing_city = StringField(_l("Gemeente (facturatie)"), filters=[_strip], render_kw={"maxlength": CITY_MAX})
    purchase_order = StringField(_l("Bestelbonnummer"), filters=[_strip])
    peppol_id = StringField(_l("Peppol-adres voor e-facturen"), filters=[_strip])

    # check_company_details' field names → this form's
    COMPANY_FIELDS = {"legal_name": "company_name", "vat_number": "vat_number", "street": "billing_street",
                      "postcode": "billing_postcode", "city": "billing_city", "peppol_id": "peppol_id"}

    def set_slot_choices(self, pickup: dict[date, list[SlotState]], delivery: list[SlotState], format_day) -> None:
        """The days and hours to choose from; a full day (every hour full) or full delivery day is shown as
        "volzet" and cannot be chosen. The hours are every opening hour; the one chosen is checked for room."""

        def day_choice(day, is_full):
            if is_full:
                return SelectChoice(day.isoformat(), _l("%(day)s – volzet", day=format_day(day)), {"disabled": True})
            return SelectChoice(day.isoformat(), format_day(day))

        self.pickup_date.choices = [day_choice(d, all(s.is_full for s in slots)) for d, slots in pickup.items()]
        hours = sorted({(s.start, s.end) for slots in pickup.values() for s in slots})
        self.pickup_time.choices = select_choices((start.strftime("%H:%M"), f"{start:%H:%M}–{end:%H:%M}")
                                                  for start, end in hours)
        first = next((format_day(s.day) for s in delivery if not s.is_full), "")
        self.desired_date.choices = [SelectChoice("", _l("Zo snel mogelijk (vanaf %(day)s)", day=first))] + [
            day_choice(s.day, s.is_full) for s in delivery
        ]

    @staticmethod
    def _require(field, message) -> bool:
        if not field.data:
            field.errors.append(message)
            return False
        return True

    @staticmethod
    def _check_place(postcode_field, city_field) -> None:
        try:
            check_place(postcode_field.data, city_field.data, field=city_field.name, postcode_field=postcode_field.name)
        except DeliveryError as error:
            (city_field if error.field == city_field.name else postcode_field).errors.append(str(error))

    @staticmethod
    def _date(field) -> date | None:
        try:
            return date.fromisoformat(field.data) if field.data else None
        except (TypeError, ValueError):
            return None

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        ok = not self.errors
        for field in self:
            field.errors = list(field.errors)
        if self._require(self.email, _l("Geef je e-mailadres, zoals naam@voorbeeld.be.")):
            if not EMAIL.match(self.email.data):
                self.email.errors.append(_l("Geef een geldig e-mailadres, zoals naam@voorbeeld.be."))
        self._require(self.name, _l("Geef je naam."))
        if self.phone.data and not _PHONE.match(self.phone.data):
            self.phone.errors.append(_l("Geef een telefoonnummer met enkel cijfers, spaties of +, zoals 0470 12 34 56."))

        if self.method.data == DeliveryMethod.PICKUP:
            if self._require(self.pickup_date, _l("Kies een afhaaldag.")) and self._date(self.pickup_date) is None:
                self.pickup_date.errors.append(_l("Kies een afhaaldag uit de lijst."))
            if self.pickup_time.data and parse_hour(self.pickup_time.data) is None:
                self.pickup_time.errors.append(_l("Kies een afhaaluur uit de lijst."))
        elif self.method.data == DeliveryMethod.DELIVERY:
            self._require(self.recipient_name, _l("Geef de naam van wie het pakket ontvangt."))
            self._require(self.street, _l("Geef de straat en het huisnummer."))
            if self._require(self.postcode, _l("Geef een Belgische postcode, zoals 9000.")):
                try:
                    self.postcode.data = normalise_postcode(self.postcode.data)
                except DeliveryError as error:
                    self.postcode.errors.append(error.message)
            if self._require(self.city, _l("Geef de gemeente.")) and not self.postcode.errors:
                self._check_place(self.postcode, self.city)
            if self.desired_date.data and self._date(self.desired_date) is None:
                self.desired_date.errors.append(_l("Kies een leverdag uit de lijst."))
        else:
            self.method.errors.append(_l("Kies of je je bestelling afhaalt of laat leveren."))

        if self.is_gift.data:
            limit = get_settings().gift_message_max_length
            if len(self.gift_message.data or "") > limit:
                self.gift_message.errors.append(
                    _l("Je boodschap is %(length)s tekens lang; het maximum is %(limit)s.",
                       length=len(self.gift_message.data), limit=limit)
                )

        if self.is_company.data:
            self._validate_company()
        return ok and not any(field.errors for field in self)

    def _validate_company(self) -> None:
        """The company block: the same rules and messages as the company profile; the values normalised."""
        try:
            checked = check_company_details(self.company_details())
        except InvalidCompanyDetails as error:
            for name, message in error.errors.items():
                getattr(self, self.COMPANY_FIELDS[name]).errors.append(message)
        else:
            for name, form_name in self.COMPANY_FIELDS.items():
                getattr(self, form_name).data = getattr(checked, name)
        if not (self.billing_postcode.errors or self.billing_city.errors):
            self._check_place(self.billing_postcode, self.billing_city)  # 9000 with Gent, not with Brussel
        try:
            self.purchase_order.data = normalise_purchase_order(self.purchase_order.data)
        except InvalidPurchaseOrder as error:
            self.purchase_order.errors.append(str(error))

    def company_details(self) -> CompanyDetails:
        values = {name: getattr(self, form_name).data or "" for name, form_name in self.COMPANY_FIELDS.items()}
        return CompanyDetails(**values)

    def fill_company_from(self, details: CompanyDetails) -> None:
        """Pre-fill (and tick) the company block from an account's company profile."""
        self.is_company.data = True
        for name, form_name in self.COMPANY_FIELDS.items():
            getattr(self, form_name).data = getattr(details, name)

    def to_data(self) -> CheckoutData:
        delivery = self.method.data == DeliveryMethod.DELIVERY
        gift = bool(self.is_gift.data)
        company = bool(self.is_company.data)
        return CheckoutData(
            email=self.email.data,
            name=self.name.data,
            phone=self.phone.data or "",
            method=self.method.data,
            pickup_date=None if delivery else self._date(self.pickup_date),
            pickup_time="" if delivery else (self.pickup_time.data or ""),
            recipient_name=self.recipient_name.data if delivery else "",
            street=self.street.data if delivery else "",
            postcode=self.postcode.data if delivery else "",
            city=self.city.data if delivery else "",
            desired_date=self._date(self.desired_date) if delivery else None,
            is_gift=gift,
            gift_message=self.gift_message.data if gift else "",
            hide_prices=bool(self.hide_prices.data) if gift else True,
            is_company=company,
            company_name=self.company_name.data if company else "",
            vat_number=self.vat_number.data if company else "",
            billing_street=self.billing_street.data if company else "",
            billing_postcode=self.billing_postcode.data if company else "",
            billing_city=self.billing_city.data if company else "",
            purchase_order=self.purchase_order.data if company else "",
            peppol_id=self.peppol_id.data if company else "",
        )

    def fill_from(self, data: CheckoutData) -> None:
        """Show saved checkout data again (the "Wijzig" links of the review step)."""
        for key, value in data.to_session().items():
            field = getattr(self, key, None)
            if field is not None:
                field.data = value if value is not None else ""


class ReviewForm(FlaskForm):
    accept_terms = BooleanField(_l("Ik aanvaard de algemene voorwaarden"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.accept_terms.data:
            self.accept_terms.errors = [_l("Aanvaard de algemene voorwaarden om te kunnen betalen.")]
            return False
        return ok
