"""A producer's own profile: story (Dutch, optional French and English), address, farm-shop hours, contact, photo.

The place comes from the postcode: it must be a locality of Oost-Vlaanderen in the ``localities`` table,
which sets the municipality, the locality and the coordinates. When the place changes, the search text of
the producer's products is refreshed (they are found by their producer's place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Locality, Producer, Product
from shop.catalog.places import place_key
from shop.catalog.services import refresh_search_text
from shop.core.email_address import EMAIL
from shop.core.errors import DomainError
from shop.extensions import db

POSTCODE = re.compile(r"^\d{4}$")
PHONE = re.compile(r"^\+?[0-9 ./()-]{6,40}$")
STORY_MAX = 5000
HOURS_MAX = 1000


class ProfileError(DomainError):
    """A profile rule was broken; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message, **params):
        super().__init__(message, **params)
        self.field = field


@dataclass
class ProfileData:
    story: str = ""
    story_fr: str = ""
    story_en: str = ""
    street: str = ""
    postcode: str = ""
    place: str = ""  # locality name, needed only when a postcode has several
    farm_shop_hours: str = ""
    website: str = ""
    phone: str = ""
    email: str = ""
    photo: object | None = None  # an uploaded file (werkzeug FileStorage) or None to keep the photo


def is_valid_website(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and "." in (parsed.hostname or "") and " " not in url


def find_locality(postcode: str, place: str = "") -> Locality:
    """The Oost-Vlaanderen locality for a postcode (and place name, when the postcode has several).

    Raises ProfileError on the postcode (unknown, outside the province) or the place (ambiguous, no match).
    """
    if not POSTCODE.match(postcode or ""):
        raise ProfileError("postcode", _l("Geef een Belgische postcode van 4 cijfers."))
    localities = db.session.scalars(
        select(Locality).where(Locality.postcode == postcode).options(selectinload(Locality.municipality))
        .order_by(Locality.name)
    ).all()
    if not localities:
        raise ProfileError("postcode", _l("Deze postcode ligt niet in Oost-Vlaanderen."))
    if len(localities) == 1 and not place.strip():
        return localities[0]
    wanted = place_key(place)
    for locality in localities:
        if wanted and wanted in (place_key(locality.name), place_key(locality.municipality.name)):
            if wanted == place_key(locality.name) or len(localities) == 1:
                return locality
    if not wanted:
        for locality in localities:  # the main locality carries the municipality's name
            if place_key(locality.name) == place_key(locality.municipality.name):
                return locality
    names = ", ".join(locality.name for locality in localities)
    raise ProfileError("place", _l("Kies de plaats bij postcode %(postcode)s: %(names)s."), postcode=postcode,
                       names=names)


def update_producer_profile(producer: Producer, data: ProfileData, *, by=None) -> list[str]:
    """Save the producer's profile. Returns the names of what changed (for the flash message).

    Raises ProfileError (with the field) for a postcode outside Oost-Vlaanderen, an unknown place, a website
    that is not an http(s) address, a bad e-mail or phone, or texts that are too long; ImageRejected for a
    bad photo. Never commits; on an error nothing is changed that the caller would keep (it rolls back).
    """
    story = data.story.strip()
    if len(story) > STORY_MAX:
        raise ProfileError("story", _l("Je verhaal mag hoogstens %(max)s tekens lang zijn."), max=STORY_MAX)
    for field in ("story_fr", "story_en"):
        if len(getattr(data, field).strip()) > STORY_MAX:
            raise ProfileError(field, _l("Je verhaal mag hoogstens %(max)s tekens lang zijn."), max=STORY_MAX)
    if not data.street.strip():
        raise ProfileError("street", _l("Geef de straat en het huisnummer."))
    locality = find_locality(data.postcode.strip(), data.place)
    website = data.website.strip()
    if website and not is_valid_website(website):
        raise ProfileError("website", _l("Geef een webadres dat begint met http:// of https://."))
    email = data.email.strip()
    if email and not EMAIL.match(email):
        raise ProfileError("email", _l("Geef een e-mailadres zoals naam@voorbeeld.be."))
    phone = data.phone.strip()
    if phone and not PHONE.match(phone):
        raise ProfileError("phone", _l("Geef een telefoonnummer met alleen cijfers, spaties en eventueel +."))
    hours = data.farm_shop_hours.strip()
    if len(hours) > HOURS_MAX:
        raise ProfileError("farm_shop_hours", _l("De openingsuren mogen hoogstens %(max)s tekens lang zijn."),
                           max=HOURS_MAX)

    changed: list[str] = []

    def put(attribute: str, value, label) -> None:
        if getattr(producer, attribute) != value:
            setattr(producer, attribute, value)
            changed.append(str(label))

    put("story", story, _l("verhaal"))
    translations = {lang: dict(values) for lang, values in (producer.translations or {}).items()}
    translations_changed = False
    for lang, value in (("fr", data.story_fr.strip()), ("en", data.story_en.strip())):
        current = translations.get(lang, {}).get("story", "")
        if value != current:
            if value:
                translations.setdefault(lang, {})["story"] = value
            else:
                translations.get(lang, {}).pop("story", None)
            changed.append(str(_l("verhaal (%(lang)s)", lang=lang)))
            translations_changed = True
    if translations_changed:
        producer.translations = translations  # a new dict, so the JSON column is written
    put("street", data.street.strip(), _l("straat"))
    place_changed = producer.locality_id != locality.id or producer.municipality_id != locality.municipality_id
    put("postcode", locality.postcode, _l("postcode"))
    if place_changed:
        producer.locality = locality
        producer.municipality = locality.municipality
        producer.latitude = locality.latitude
        producer.longitude = locality.longitude
        changed.append(str(_l("gemeente")))
    put("farm_shop_hours", hours, _l("openingsuren hoevewinkel"))
    put("website", website, _l("website"))
    put("phone", phone, _l("telefoon"))
    put("email", email, _l("e-mail"))
    if data.photo is not None and getattr(data.photo, "filename", ""):
        from shop.catalog.images import process_upload

        stored = process_upload(data.photo, kind="producer")
        producer.photo_path = stored.key
        changed.append(str(_l("foto")))
    db.session.flush()
    if place_changed:
        refresh_product_search_texts(producer)
    return changed


def refresh_product_search_texts(producer: Producer) -> None:
    """Recompute the search text of every product of ``producer``: products are found by their producer's
    name and place, so this follows every change of either. Never commits."""
    products = db.session.scalars(
        select(Product).where(Product.producer_id == producer.id)
        .options(selectinload(Product.category), selectinload(Product.producer))
    ).all()
    for product in products:
        refresh_search_text(product)
    db.session.flush()
