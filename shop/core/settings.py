"""Everything about delivery and pickup that the shop itself decides, in one place.

Change the shop's opening days, lead time, fees, free-delivery threshold or zones here (or override them
in the app config under ``SHOP_SETTINGS``), never as literals elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time

from flask import current_app, has_app_context


@dataclass(frozen=True)
class DeliveryZone:
    code: str
    name: str  # Dutch; translated in templates through the zone code
    fee_cents: int
    perishables_allowed: bool


@dataclass(frozen=True)
class ShopSettings:
    shop_name: str = "Groot Vleeshuis"
    pickup_address: tuple[str, ...] = ("Groot Vleeshuis", "Groentenmarkt 7", "9000 Gent")
    # Monday is 0. The Groot Vleeshuis is open Tuesday to Sunday.
    pickup_weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    pickup_opens: time = time(10, 0)
    pickup_closes: time = time(18, 0)
    # Pickup is booked in slots of this many minutes within the opening hours (10:00–11:00, ...), each for at most
    # pickup_slot_capacity orders; the courier takes at most delivery_day_capacity parcels a delivery day. Staff
    # change the defaults and single slots in the back office (/beheer/tijdsloten); these are the starting values.
    pickup_slot_minutes: int = 60
    pickup_slot_capacity: int = 6
    delivery_day_capacity: int = 40
    # Orders placed before the cut-off can be picked up lead_time_days later (opening days permitting).
    lead_time_days: int = 2
    order_cutoff: time = time(12, 0)
    # How far ahead a pickup day or desired delivery day can be chosen.
    booking_horizon_days: int = 60
    # Days on which the courier delivers (Tuesday to Saturday), with its own lead time.
    delivery_weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    delivery_lead_time_days: int = 2
    closed_dates: tuple[str, ...] = ("2026-12-25", "2027-01-01")  # ISO dates the shop is closed
    pickup_fee_cents: int = 0
    zones: tuple[DeliveryZone, ...] = field(
        default_factory=lambda: (
            DeliveryZone("oost-vlaanderen", "Oost-Vlaanderen", 695, True),
            DeliveryZone("belgie", "Rest van België", 995, False),
        )
    )
    free_delivery_threshold_cents: int = 7500
    gift_message_max_length: int = 300
    payment_methods: tuple[str, ...] = ("card", "bancontact")
    payment_expiry_minutes: int = 30
    # Producers' weekly loop: at the cut-off (Thursday 12:00) each producer gets the list of what to deliver to the
    # Groot Vleeshuis for the next week, by that week's delivery weekday (Monday).
    producer_cutoff_weekday: int = 3
    producer_cutoff_time: time = time(12, 0)
    producer_delivery_weekday: int = 0
    seller_name: str = "vzw Lekker Oost-Vlaams – Groot Vleeshuis"
    seller_address: tuple[str, ...] = ("Groentenmarkt 7", "9000 Gent", "België")
    seller_vat_number: str = "BE0207725104"
    seller_email: str = "info@lekkeroostvlaams.be"
    # The account customers pay bank transfers to (printed on invoices, PaymentMeans of the e-invoice).
    seller_iban: str = "BE71096123456769"
    seller_bic: str = "GKCCBEBB"
    # Quotes and bank transfer (company customers): from this total (incl. VAT) a company may ask for a quote
    # instead of paying now; a quote holds its stock for quote_validity_days (through that day, Brussels time);
    # an accepted quote is paid by transfer within transfer_term_days, and cancelled when the money has not come
    # in transfer_grace_days after that (the days a transfer takes between banks).
    quote_min_cents: int = 50000
    quote_validity_days: int = 14
    transfer_term_days: int = 14
    transfer_grace_days: int = 3

    def zone(self, code: str) -> DeliveryZone:
        return next(zone for zone in self.zones if zone.code == code)

    @property
    def cheapest_delivery_fee_cents(self) -> int:
        return min(zone.fee_cents for zone in self.zones)


DEFAULT_SETTINGS = ShopSettings()


def get_settings() -> ShopSettings:
    """The shop's settings; an app can override fields with ``app.config["SHOP_SETTINGS"] = {...}``."""
    return settings_from(current_app.config) if has_app_context() else DEFAULT_SETTINGS


def settings_from(config) -> ShopSettings:
    """The settings an app with this config has (``get_settings`` without an app context)."""
    overrides = config.get("SHOP_SETTINGS")
    return replace(DEFAULT_SETTINGS, **overrides) if overrides else DEFAULT_SETTINGS
