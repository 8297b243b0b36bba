"""Every row of a gift list checked before anything is ordered, all rows at once.

Per row and column: name, street and number, postcode (a Belgian one that exists, and the city belongs to it:
shop.reference.postcodes), city, country (Belgium only), the personal message (the gift message's limit), what
to send (a package or product by code or name, for sale) and how many, the desired day (a delivery day, with
room for the parcels of the list: the delivery slots' room, shop.scheduling.services), perishables only where
the zone allows them (Oost-Vlaanderen). Over all rows: the total quantity of every product, packages' components included, within
its stock. Duplicate recipients (same name, street and postcode) are flagged, never merged.

Bulk: one query for the places of all postcodes, one for the products and one for the packages named (plus
their eager loads), whatever the number of rows; never a query per row.

Delivery fee per shipment (one shipment per recipient): the fee of the recipient's zone, nothing when that
recipient's goods reach the free-delivery threshold (shop.checkout.delivery.delivery_fee_cents), as if each
recipient had ordered alone.

Delivery days: one parcel per recipient. The rows that name a day must fit in that day's room together (all of
that day's rows are flagged when they do not: the company chooses which to move). A row without a desired day
goes to the first delivery day with room left once the named days and the rows above it are counted, so a list
larger than one day's room spreads over the next days, earliest first; the shipment is scheduled on that day
(``RowCheck.day``) and placing the order takes exactly those parcels (shop.gifts.services). Only rows without
other errors count and get a day.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Product
from shop.catalog.search import fold
from shop.catalog.vat import VatCategory
from shop.checkout.delivery import PROVINCE_ZONE, REST_ZONE, delivery_fee_cents
from shop.core.clock import shop_now
from shop.core.money import net_price
from shop.core.postcode import belgian_postcode
from shop.core.settings import DeliveryZone, get_settings
from shop.extensions import db
from shop.packages.models import Package, PackageComponent
from shop.packages.services import ComponentShare, component_shares
from shop.packages.services import is_for_sale as package_for_sale
from shop.reference.postcodes import check_places
from shop.scheduling.days import delivery_days
from shop.scheduling.services import delivery_slots

NAME_MAX = 80
COMPANY_MAX = 78  # "name, company" fits a shipment's recipient name (160)
STREET_MAX = 160
CITY_MAX = 120
MAX_QUANTITY = 99
# Gifts above this (excluding VAT, per recipient) do not let a Belgian company deduct the VAT.
DEDUCTIBLE_GIFT_LIMIT_CENTS = 5000
ALCOHOL_VAT_CATEGORY = "alcohol"
COUNTRIES = {"", "be", "bel", "belgie", "belgium", "belgique", "belgien"}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%y")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class RowCheck:
    """One row as checked: its messages per field, and what it resolved to."""

    index: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    duplicate_of: list[int] = field(default_factory=list)  # the other rows (1-based) with the same recipient
    item: Product | Package | None = None
    quantity: int = 0
    day: date | None = None  # the desired day, or the first delivery day with room (rows without errors)
    desired: bool = False
    postcode: str = ""
    zone: DeliveryZone | None = None
    shares: list[ComponentShare] = field(default_factory=list)
    vat_rate: int | None = None
    goods_cents: int = 0
    net_cents: int = 0
    fee_cents: int = 0
    has_alcohol: bool = False

    @property
    def number(self) -> int:
        """The row's number as the company reads it (1-based)."""
        return self.index + 1

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def above_deductible_limit(self) -> bool:
        return self.net_cents > DEDUCTIBLE_GIFT_LIMIT_CENTS

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))


@dataclass
class ListCheck:
    rows: list[RowCheck]
    stock_needed: dict[int, int]  # product id -> units, over the valid rows

    @property
    def error_rows(self) -> list[RowCheck]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.error_rows

    @property
    def goods_cents(self) -> int:
        return sum(row.goods_cents for row in self.rows if row.ok)

    @property
    def fee_cents(self) -> int:
        return sum(row.fee_cents for row in self.rows if row.ok)

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.fee_cents

    @property
    def rows_above_deductible_limit(self) -> list[RowCheck]:
        return [row for row in self.rows if row.ok and row.above_deductible_limit]

    @property
    def has_alcohol(self) -> bool:
        return any(row.has_alcohol for row in self.rows if row.item is not None)

    @property
    def duplicate_rows(self) -> list[RowCheck]:
        return [row for row in self.rows if row.duplicate_of]

    @property
    def parcels_per_day(self) -> dict[date, int]:
        counts: Counter[date] = Counter(row.day for row in self.rows if row.ok and row.day)
        return dict(sorted(counts.items()))


def parse_day(text: str) -> date | None:
    """A date as offices write it (2026-12-18, 18/12/2026, 18-12-2026, 18.12.2026, 18/12/26); None otherwise."""
    text = (text or "").strip()
    if " " in text:  # "2026-12-18 00:00:00" from a spreadsheet
        text = text.split(" ")[0]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _check_text(row: RowCheck, name: str, *, required: bool, maximum: int, missing, multiline: bool = False):
    text = row.values.get(name, "").strip()
    if not text:
        if required:
            row.add(name, missing)
        return ""
    if len(text) > maximum:
        row.add(name, _l("Maak dit korter: hoogstens %(max)s tekens (nu %(count)s).", max=maximum, count=len(text)))
    control = _CONTROL if multiline else re.compile(r"[\x00-\x1f\x7f]")
    if control.search(text):
        row.add(name, _l("Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden."))
    return text


def _check_fields(row: RowCheck, settings) -> None:
    _check_text(row, "name", required=True, maximum=NAME_MAX, missing=_l("Vul de naam van de ontvanger in."))
    _check_text(row, "company", required=False, maximum=COMPANY_MAX, missing="")
    _check_text(row, "street", required=True, maximum=STREET_MAX,
                missing=_l("Vul de straat en het huisnummer in, zoals Veldstraat 1."))
    if row.values.get("street", "").strip() and not any(ch.isdigit() for ch in row.values["street"]):
        row.add("street", _l("Vul ook het huisnummer in, zoals Veldstraat 1."))
    postcode_text = row.values.get("postcode", "").strip()
    if not postcode_text:
        row.add("postcode", _l("Vul de postcode in, zoals 9000."))
    else:
        postcode = belgian_postcode(postcode_text)
        if postcode is None:
            row.add("postcode", _l("Geef een Belgische postcode, zoals 9000."))
        else:
            row.postcode = postcode
    _check_text(row, "city", required=True, maximum=CITY_MAX, missing=_l("Vul de gemeente in, zoals Gent."))
    if fold(row.values.get("country", "")) not in COUNTRIES:
        row.add("country", _l("We leveren bedrijfsgeschenken alleen in België."))
    _check_text(row, "message", required=False, maximum=settings.gift_message_max_length, missing="", multiline=True)
    quantity_text = row.values.get("quantity", "").strip() or "1"
    if not quantity_text.isdigit() or not 1 <= int(quantity_text) <= MAX_QUANTITY:
        row.add("quantity", _l("Geef een aantal van 1 tot %(max)s.", max=MAX_QUANTITY))
    else:
        row.quantity = int(quantity_text)
    if not row.values.get("item", "").strip():
        row.add("item", _l("Vul in wat deze ontvanger krijgt: de code of de naam van een pakket of product."))


def _load_items(rows: list[RowCheck]) -> tuple[dict[str, list[Product]], dict[str, list[Package]], dict, dict]:
    """The products and packages the rows name, by slug and by lower-case name: two queries (and their loads)."""
    texts = {row.values.get("item", "").strip() for row in rows} - {""}
    slugs = sorted({text.lower() for text in texts})
    if not slugs:
        return {}, {}, {}, {}
    vat = joinedload(Product.vat_category).selectinload(VatCategory.rates)
    products = db.session.scalars(
        select(Product).where(or_(Product.slug.in_(slugs), func.lower(Product.name).in_(slugs)))
        .options(joinedload(Product.producer), vat)
    ).unique().all()
    packages = db.session.scalars(
        select(Package).where(or_(Package.slug.in_(slugs), func.lower(Package.name).in_(slugs)))
        .options(selectinload(Package.components).joinedload(PackageComponent.product)
                 .options(joinedload(Product.producer), joinedload(Product.vat_category)
                          .selectinload(VatCategory.rates)))
    ).unique().all()
    product_slugs = {p.slug.lower(): p for p in products}
    package_slugs = {p.slug.lower(): p for p in packages}
    product_names: dict[str, list[Product]] = defaultdict(list)
    package_names: dict[str, list[Package]] = defaultdict(list)
    for product in products:
        product_names[product.name.lower()].append(product)
    for package in packages:
        package_names[package.name.lower()].append(package)
    return product_names, package_names, product_slugs, package_slugs


def _resolve(row: RowCheck, loaded, day: date, shares_cache: dict) -> None:
    product_names, package_names, product_slugs, package_slugs = loaded
    text = row.values.get("item", "").strip()
    if not text:
        return
    key = text.lower()
    item = package_slugs.get(key) or product_slugs.get(key)
    if item is None:
        named = package_names.get(key, []) + product_names.get(key, [])
        if len(named) > 1:
            row.add("item", _l("Meer dan één pakket of product heet “%(text)s”. Gebruik de code uit het sjabloon.",
                               text=text))
            return
        item = named[0] if named else None
    if item is None:
        row.add("item", _l("We kennen geen pakket of product “%(text)s”. Gebruik een code uit het sjabloon.",
                           text=text))
        return
    if isinstance(item, Package):
        if not package_for_sale(item):
            row.add("item", _l("%(name)s is niet te koop.", name=item.name))
            return
        if item.id not in shares_cache:
            shares_cache[item.id] = component_shares(item, day)
        row.shares = shares_cache[item.id]
        row.has_alcohol = any(c.product.vat_category.code == ALCOHOL_VAT_CATEGORY for c in item.components)
    else:
        if not item.is_for_sale:
            row.add("item", _l("%(name)s is niet te koop.", name=item.name))
            return
        row.vat_rate = item.vat_category.rate_on(day)
        row.has_alcohol = item.vat_category.code == ALCOHOL_VAT_CATEGORY
    row.item = item


def _perishable(item: Product | Package) -> bool:
    if isinstance(item, Package):
        return any(c.product.perishable for c in item.components)
    return bool(item.perishable)


def _units(row: RowCheck) -> dict[int, int]:
    if isinstance(row.item, Package):
        return {c.product_id: c.quantity * row.quantity for c in row.item.components}
    return {row.item.id: row.quantity}


def _long_day(day: date) -> str:
    return format_date(day, "EEEE d MMMM yyyy")


def check_list(values: list[dict[str, str]], *, now: datetime | None = None) -> ListCheck:
    """Check every row of a gift list (see the module's text). Returns the rows with their messages per field;
    reads the database with a fixed number of queries whatever the number of rows."""
    settings = get_settings()
    now = now or shop_now()
    today = now.date()
    rows = [RowCheck(index, dict(row_values)) for index, row_values in enumerate(values)]
    for row in rows:
        _check_fields(row, settings)

    # The postcode exists and the city belongs to it, and the zone (shop.reference.postcodes: the national table
    # is in memory, the province's localities one query for all rows).
    with_postcode = [row for row in rows if row.postcode]
    checked = check_places((row.postcode, row.values.get("city", "")) for row in with_postcode)
    for row, place in zip(with_postcode, checked, strict=True):
        if place.problem is not None:
            row.add(place.problem.field, place.problem.message)
        row.zone = settings.zone(PROVINCE_ZONE if place.in_province else REST_ZONE)

    # What to send (two queries), and its price.
    loaded = _load_items(rows)
    shares_cache: dict[int, list[ComponentShare]] = {}
    for row in rows:
        _resolve(row, loaded, today, shares_cache)
        if row.item is not None and row.zone is not None and _perishable(row.item) and not row.zone.perishables_allowed:
            row.add("postcode", _l("%(name)s bevat verse producten. Die leveren we alleen in Oost-Vlaanderen, zodat "
                                   "ze gekoeld en vers aankomen.", name=row.item.name))

    # The day: a delivery day with room for the list's parcels (the slots' room, one read for all days).
    days = delivery_days(now, settings)
    for row in rows:
        text = row.values.get("desired_date", "").strip()
        if not text:
            continue
        wanted = parse_day(text)
        if wanted is None:
            row.add("desired_date", _l("Schrijf de datum als dag/maand/jaar, zoals 18/12/2026."))
        elif wanted not in days:
            row.add("desired_date", _l("Op %(day)s kunnen we niet leveren. De eerste leverdag is %(first)s.",
                                       day=_long_day(wanted), first=_long_day(days[0]) if days else "–"))
        else:
            row.day, row.desired = wanted, True
    room = {slot.day: slot.room for slot in delivery_slots(days, settings)}
    wanted_per_day = Counter(row.day for row in rows if row.desired and row.ok)
    for row in rows:
        if row.desired and row.ok and wanted_per_day[row.day] > room[row.day]:
            if room[row.day] < 1:
                row.add("desired_date", _l("Op %(day)s is de levering volzet. Kies een andere dag.",
                                           day=_long_day(row.day)))
            else:
                row.add("desired_date", _l("Op %(day)s kunnen we nog %(room)s pakketten leveren; de lijst vraagt "
                                           "er %(wanted)s. Kies een andere dag voor een deel van de ontvangers.",
                                           day=_long_day(row.day), room=room[row.day],
                                           wanted=wanted_per_day[row.day]))
    # Rows without a desired day: each to the first delivery day with room left after the desired rows and the
    # rows before it (so the earliest parcels leave first and a full day is never over-asked).
    left = {day: room[day] - wanted_per_day[day] for day in days}
    for row in rows:
        if row.desired or not row.ok:
            continue
        row.day = next((day for day in days if left[day] > 0), None)
        if row.day is None:
            row.add("desired_date", _l("Er is voorlopig geen leverdag beschikbaar."))
        else:
            left[row.day] -= 1

    # Stock over all rows together (packages' components counted in).
    needed: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.item is not None and row.quantity:
            for product_id, units in _units(row).items():
                needed[product_id] += units
    products = {p.id: p for row in rows if row.item is not None
                for p in ([c.product for c in row.item.components] if isinstance(row.item, Package) else [row.item])}
    short = {pid: units for pid, units in needed.items() if units > products[pid].stock}
    for row in rows:
        if row.item is None or not row.quantity:
            continue
        for product_id in sorted(set(_units(row)) & set(short)):
            product = products[product_id]
            if isinstance(row.item, Package):
                row.add("item", _l("Niet genoeg voorraad voor %(package)s: van %(name)s vraagt de lijst er %(wanted)s, "
                                   "er zijn er %(stock)s.", package=row.item.name, name=product.name,
                                   wanted=short[product_id], stock=product.stock))
            else:
                row.add("item", _l("Niet genoeg voorraad: de lijst vraagt %(wanted)s × %(name)s, er zijn er %(stock)s.",
                                   name=product.name, wanted=short[product_id], stock=product.stock))

    # Prices, fee per shipment, notes.
    for row in rows:
        if row.item is None or not row.quantity:
            continue
        row.goods_cents = row.item.price_cents * row.quantity
        weights = ([(share.vat_rate, share.share_cents) for share in row.shares] if row.shares
                   else [(row.vat_rate, 1)])
        row.net_cents = net_price(row.goods_cents, weights).net_cents
        if row.zone is not None:
            row.fee_cents = delivery_fee_cents(row.zone, row.goods_cents, settings)

    # Duplicates: flagged on every row of the group, never merged.
    groups: dict[tuple, list[RowCheck]] = defaultdict(list)
    for row in rows:
        key = (fold(row.values.get("name", "")), fold(row.values.get("street", "")), row.postcode)
        if key[0] and key[1]:
            groups[key].append(row)
    for group in groups.values():
        if len(group) > 1:
            for row in group:
                row.duplicate_of = [other.number for other in group if other is not row]

    return ListCheck(rows=rows, stock_needed=dict(needed))
