"""Delivery and pickup rules: which zone, what it costs, what may travel where, and the shipment's plan.

Pure functions over ``get_settings()`` (and the ``localities`` table for the province's postcodes), so that
the checkout form, the review step and ``place_order`` apply exactly the same rules. Which days can be chosen
is shop.scheduling.days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from shop.core.clock import shop_now
from shop.core.errors import DomainError
from shop.core.postcode import belgian_postcode
from shop.core.settings import DeliveryZone, ShopSettings, get_settings
from shop.orders.models import DeliveryMethod
from shop.reference.postcodes import check_place as reference_check_place
from shop.scheduling.days import delivery_days, pickup_days

PROVINCE_ZONE = "oost-vlaanderen"
REST_ZONE = "belgie"


class DeliveryError(DomainError):
    """A delivery rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message, field: str = "", **params):
        super().__init__(message, **params)
        self.field = field


def normalise_postcode(text: str | None) -> str:
    """A Belgian postcode: four digits, 1000–9999; surrounding spaces are ignored.

    Raises DeliveryError (field ``postcode``) for anything else ("900", "B-9000", "90000").
    """
    value = belgian_postcode(text)
    if value is None:
        raise DeliveryError(_l("Geef een Belgische postcode, zoals 9000."), field="postcode")
    return value


def check_place(postcode: str, place: str, *, field: str = "city", postcode_field: str = "postcode") -> None:
    """The postcode of an address exists in Belgium and the place typed belongs to it (``9000`` with ``Gent``,
    not ``Brussel``; ``2600`` not with ``Gent``), so that a slip or invoice never names two places: the rule of
    every address, shop.reference.postcodes.check_place. An empty postcode or place is left to the form's
    "required" messages.

    Raises DeliveryError on ``field`` (the place) or ``postcode_field`` (a postcode that does not exist).
    """
    if not postcode:
        return
    problem = reference_check_place(postcode, place)
    if problem is not None:
        raise DeliveryError(problem.message, field=field if problem.field == "city" else postcode_field)


def is_province_postcode(postcode: str) -> bool:
    from shop.catalog.models import Locality
    from shop.extensions import db

    return bool(db.session.scalar(select(exists().where(Locality.postcode == postcode))))


def zone_for_postcode(postcode: str, settings: ShopSettings | None = None) -> DeliveryZone:
    """Oost-Vlaanderen for the postcodes of the province's localities (2070 Zwijndrecht too), else the rest of Belgium."""
    settings = settings or get_settings()
    postcode = normalise_postcode(postcode)
    return settings.zone(PROVINCE_ZONE if is_province_postcode(postcode) else REST_ZONE)


def delivery_fee_cents(zone: DeliveryZone, goods_cents: int, settings: ShopSettings | None = None) -> int:
    """The zone's fee, or nothing when the goods reach the free-delivery threshold."""
    settings = settings or get_settings()
    return 0 if goods_cents >= settings.free_delivery_threshold_cents else zone.fee_cents


def check_perishables(zone: DeliveryZone, has_perishables: bool) -> None:
    """Perishable food travels only within the zones that allow it (Oost-Vlaanderen): it must arrive cold and fresh."""
    if has_perishables and not zone.perishables_allowed:
        raise DeliveryError(
            _l(
                "Je winkelmand bevat verse producten. Die leveren we alleen in Oost-Vlaanderen, zodat ze "
                "gekoeld en vers aankomen. Kies een adres in Oost-Vlaanderen of haal je bestelling af in het "
                "Groot Vleeshuis in Gent."
            ),
            field="postcode",
        )


@dataclass
class ShipmentPlan:
    method: DeliveryMethod
    scheduled_date: date | None
    zone: str
    fee_cents: int


def plan_shipment(
    method: str,
    *,
    goods_cents: int,
    has_perishables: bool,
    pickup_date: date | None = None,
    postcode: str = "",
    desired_date: date | None = None,
    now: datetime | None = None,
    settings: ShopSettings | None = None,
) -> ShipmentPlan:
    """Check the delivery choice against every rule and price it.

    Pickup needs a feasible pickup day. Delivery needs a Belgian postcode, no perishables outside the
    province, and (optionally) a desired day that is a delivery day on or after the first feasible one.
    Raises DeliveryError naming the field at fault.
    """
    settings = settings or get_settings()
    now = now or shop_now()
    if method == DeliveryMethod.PICKUP:
        days = pickup_days(now, settings)
        if pickup_date is None:
            raise DeliveryError(_l("Kies een afhaaldag."), field="pickup_date")
        if pickup_date not in days:
            raise DeliveryError(
                _l("Op deze dag kun je niet meer afhalen. De eerstvolgende afhaaldag is %(day)s."),
                field="pickup_date",
                day=format_date(days[0], "EEEE d MMMM") if days else "",
            )
        return ShipmentPlan(DeliveryMethod.PICKUP, pickup_date, "", settings.pickup_fee_cents)
    if method != DeliveryMethod.DELIVERY:
        raise DeliveryError(_l("Kies afhalen of levering."), field="method")
    zone = zone_for_postcode(postcode, settings)
    check_perishables(zone, has_perishables)
    if desired_date is not None and desired_date not in delivery_days(now, settings):
        raise DeliveryError(_l("Op deze dag kunnen we niet leveren. Kies een leverdag uit de lijst."), field="desired_date")
    return ShipmentPlan(DeliveryMethod.DELIVERY, desired_date, zone.code, delivery_fee_cents(zone, goods_cents, settings))
