"""Builders for test data: each returns a flushed object with sensible defaults, overridable by keyword."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from shop.catalog.allergens import Presence
from shop.catalog.models import (
    Category,
    Label,
    Locality,
    Municipality,
    Producer,
    Product,
    ProductAllergen,
    ProductStatus,
    Region,
)
from shop.catalog.services import refresh_search_text
from shop.catalog.vat import VatCategory, VatRate
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import adjust_stock
from shop.packages.models import Occasion, Package, PackageComponent

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def _get_or_make(model, slug_field: str, value: str, **fields):
    existing = db.session.query(model).filter(getattr(model, slug_field) == value).one_or_none()
    if existing:
        return existing
    obj = model(**{slug_field: value}, **fields)
    db.session.add(obj)
    db.session.flush()
    return obj


def make_vat_category(code: str = "food", rate: int = 6, valid_from: date = date(2000, 1, 1)) -> VatCategory:
    existing = db.session.query(VatCategory).filter_by(code=code).one_or_none()
    if existing:
        return existing
    category = VatCategory(code=code, name=code, rates=[VatRate(rate_percent=rate, valid_from=valid_from)])
    db.session.add(category)
    db.session.flush()
    return category


def make_region(slug: str = "meetjesland", name: str = "Meetjesland", **overrides) -> Region:
    return _get_or_make(Region, "slug", slug, name=name, **overrides)


def make_municipality(name: str = "Eeklo", region: Region | None = None, **overrides) -> Municipality:
    region = region or make_region()
    n = _n()
    fields = dict(
        # Five digits, as NIS codes are (the run-wide counter passes 10,000 in a long run: wrap it).
        nis_code=overrides.pop("nis_code", f"9{n % 10000:04d}"),
        slug=overrides.pop("slug", f"{name.lower().replace(' ', '-')}-{n}"),
        main_postcode="9900",
        region=region,
        latitude=51.18,
        longitude=3.56,
    )
    fields.update(overrides)
    municipality = Municipality(name=name, **fields)
    db.session.add(municipality)
    db.session.flush()
    return municipality


def make_label(slug: str = "bio", name: str = "Bio", **overrides) -> Label:
    return _get_or_make(Label, "slug", slug, name=name, **overrides)


def make_category(name: str = "Kaas", parent: Category | None = None, **overrides) -> Category:
    slug = overrides.pop("slug", name.lower().replace(" ", "-").replace("&", "en"))
    return _get_or_make(Category, "slug", slug, name=name, parent=parent, **overrides)


def make_producer(name: str | None = None, municipality: Municipality | None = None, **overrides) -> Producer:
    n = _n()
    name = name or f"Hoeve {n}"
    municipality = municipality or make_municipality()
    fields = dict(
        slug=f"{name.lower().replace(' ', '-')}-{n}",
        story="Een familiebedrijf.",
        street="Dorpsstraat 1",
        postcode=municipality.main_postcode,
        municipality=municipality,
        latitude=municipality.latitude,
        longitude=municipality.longitude,
        active=True,
    )
    fields.update(overrides)
    producer = Producer(name=name, **fields)
    db.session.add(producer)
    db.session.flush()
    return producer


def make_product(
    name: str | None = None,
    *,
    producer: Producer | None = None,
    category: Category | None = None,
    stock: int = 10,
    allergens: dict[str, Presence] | None = None,
    vat: VatCategory | None = None,
    **overrides,
) -> Product:
    n = _n()
    name = name or f"Product {n}"
    producer = producer or make_producer()
    category = category or make_category()
    fields = dict(
        slug=f"{name.lower().replace(' ', '-')}-{n}",
        description="",
        unit="250 g",
        net_quantity=250,
        price_cents=450,
        ingredients="melk, zout",
        storage="Koel bewaren (max. 7 °C).",
        status=ProductStatus.PUBLISHED,
    )
    fields.update(overrides)
    product = Product(
        name=name, producer=producer, category=category, vat_category=vat or make_vat_category(), stock=0, **fields
    )
    for allergen, presence in (allergens or {}).items():
        product.allergens.append(ProductAllergen(allergen=allergen, presence=presence))
    db.session.add(product)
    db.session.flush()
    refresh_search_text(product)
    if stock:
        adjust_stock(product.id, stock, MovementReason.INITIAL)
    db.session.flush()
    return product


def make_package(components: list[tuple[Product, int]] | None = None, **overrides) -> Package:
    n = _n()
    fields = dict(slug=f"pakket-{n}", name=f"Pakket {n}", story="", price_cents=3500, active=True)
    fields.update(overrides)
    package = Package(**fields)
    for position, (product, quantity) in enumerate(components or []):
        package.components.append(PackageComponent(product=product, quantity=quantity, position=position))
    db.session.add(package)
    db.session.flush()
    return package


def make_occasion(slug: str = "kerst", name: str = "Kerst") -> Occasion:
    return _get_or_make(Occasion, "slug", slug, name=name)


# --- checkout and orders (appended by the checkout work) -------------------------------------------------------


def make_locality(postcode: str = "9000", name: str | None = None, municipality: Municipality | None = None):
    """A locality of Oost-Vlaanderen: its postcode counts as the province's delivery zone."""
    from shop.catalog.models import Locality

    municipality = municipality or make_municipality()
    locality = Locality(postcode=postcode, name=name or f"Plaats {postcode}", municipality=municipality,
                        latitude=51.05, longitude=3.72)
    db.session.add(locality)
    db.session.flush()
    return locality


def make_order_cart(*items: tuple[Product | Package, int]):
    """A cart holding (product or package, quantity) lines, added through the cart service."""
    from shop.cart.services import add_item, get_or_create_cart

    cart = get_or_create_cart(None)
    for item, quantity in items:
        if isinstance(item, Package):
            add_item(cart, package_id=item.id, quantity=quantity)
        else:
            add_item(cart, product_id=item.id, quantity=quantity)
    return cart


def make_order_data(method: str = "pickup", **overrides):
    """CheckoutData for a guest: pickup on the first feasible day by default, or delivery to 9000 Gent."""
    from shop.checkout.services import CheckoutData
    from shop.scheduling.days import pickup_days

    fields = dict(email="an@voorbeeld.be", name="An Peeters", phone="0470 12 34 56", method=method)
    if method == "pickup":
        fields["pickup_date"] = pickup_days()[0]
    else:
        fields.update(recipient_name="Jan Peeters", street="Veldstraat 1", postcode="9000", city="Gent")
    fields.update(overrides)
    return CheckoutData(**fields)


def make_order(*items: tuple[Product | Package, int], data=None, **kwargs):
    """An order placed through place_order (pending payment), from a fresh cart of ``items``."""
    from shop.checkout.services import place_order

    if not items:
        items = ((make_product(price_cents=1250, stock=10), 2),)
    return place_order(make_order_cart(*items), data or make_order_data(), **kwargs)


# The sample order of the mail and invoice tests: fixed goods, customer and day, so their texts can be asserted
# word for word. Placed through make_order like every other order, on a fixed "now".
SAMPLE_DAY = date(2026, 12, 22)  # a Tuesday: a pickup day and a delivery day
SAMPLE_PLACED_AT = datetime(2026, 12, 14, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def make_sample_order(*, locale: str = "nl", method="pickup", status=None, gift_message: str = "",
                      company: bool = False, delivery_fee_cents: int | None = None,
                      email: str = "an.devos@example.be"):
    """An De Vos's order for 22 December 2026 (pickup, or delivery to Veldstraat 10, 9000 Gent for 6,95):
    2 × Gentse mokken (4,50, 6 %), 1 × Oude graanjenever (24,50, 21 %) and 2 × Kerstpakket Groot Vleeshuis
    (35,00: Hoevekaas + jenever). ``status`` (paid by default) and the delivery fee are set on the placed
    order as they stand, without the lifecycle's effects (mails, invoice), which these tests look at themselves.
    """
    from shop.core.db import utcnow
    from shop.orders.models import DeliveryMethod, OrderStatus

    method = DeliveryMethod(method)
    food = make_vat_category("food", 6)
    alcohol = make_vat_category("alcohol", 21)
    mokken = make_product("Gentse mokken", vat=food, price_cents=450, unit="250 g")
    jenever = make_product("Oude graanjenever", vat=alcohol, price_cents=2450, unit="50 cl", perishable=False)
    kaas = make_product("Hoevekaas", vat=food, price_cents=900, unit="500 g")
    package = make_package([(kaas, 1), (jenever, 1)], name="Kerstpakket Groot Vleeshuis", price_cents=3500)
    fields = dict(email=email, name="An De Vos", phone="0470 12 34 56", is_gift=bool(gift_message),
                  gift_message=gift_message)
    if method == DeliveryMethod.DELIVERY:
        if not db.session.query(Locality).filter_by(postcode="9000").first():
            make_locality("9000", "Gent")
        fields.update(recipient_name="Marie Claes" if gift_message else "An De Vos", street="Veldstraat 10",
                      postcode="9000", city="Gent", desired_date=SAMPLE_DAY, pickup_date=None)
    else:
        fields.update(pickup_date=SAMPLE_DAY)
    if company:
        fields.update(is_company=True, company_name="Brouwerij Het Anker Gent bv", vat_number="BE0123456749",
                      billing_street="Korenmarkt 1", billing_postcode="9000", billing_city="Gent")
    order = make_order((mokken, 2), (jenever, 1), (package, 2), data=make_order_data(method.value, **fields),
                       locale=locale, now=SAMPLE_PLACED_AT)
    fee = delivery_fee_cents if delivery_fee_cents is not None else (695 if method == DeliveryMethod.DELIVERY else 0)
    order.shipment.fee_cents = order.delivery_fee_cents = fee
    order.total_cents = order.goods_cents + fee
    order.status = OrderStatus(status or OrderStatus.PAID)
    if order.status != OrderStatus.PENDING_PAYMENT:
        order.paid_at = utcnow()
        order.payment_intent_id = f"pi_demo_{order.number}"
    db.session.flush()
    return order


# --- accounts (appended by the accounts work) ------------------------------------------------------------------

DEFAULT_PASSWORD = "lekker-wachtwoord-2026"


def make_user(email: str | None = None, *, password: str | None = DEFAULT_PASSWORD, role=None, producer=None,
              **overrides):
    """A user (customer by default) with a known password; ``role="producer"`` makes a producer if needed."""
    from shop.accounts.models import Role, User

    role = Role(role or Role.CUSTOMER)
    if role == Role.PRODUCER and producer is None:
        producer = make_producer()
    fields = dict(email=email or f"gebruiker{_n()}@voorbeeld.be", name="Gebruiker", role=role,
                  producer_id=producer.id if producer is not None else None, active=True)
    fields.update(overrides)
    user = User(**fields)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


# --- portal users (appended by the portal supply work) ---------------------------------------------------------


def log_in_as(client, user) -> None:
    """Log ``user`` in on the test client without going through the log-in form."""
    from tests.helpers import next_request_is_new

    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # the id with the session version (shop.accounts.auth)
        session["_fresh"] = True
    next_request_is_new()


# --- back office (appended by the back-office work) -------------------------------------------------------------


def make_paid_order(*items: tuple[Product | Package, int], data=None, **kwargs):
    """An order placed through place_order and paid through the payment service (demo provider)."""
    from shop.payments.services import payment_succeeded

    order = make_order(*items, data=data, **kwargs)
    payment_succeeded(order, payment_intent_id=None, actor="test")
    db.session.flush()
    return order


def make_staff(email: str | None = None, *, role: str = "staff", **overrides):
    """A staff member (or ``role="admin"``) with the default password."""
    return make_user(email or f"personeel{_n()}@voorbeeld.be", role=role, **overrides)


def make_refund(order, amount_cents: int, *, reason: str = "", by=None, at: datetime | None = None):
    """A refund as the shop makes one (shop.orders.refunds): requested and committed, then sent through the
    order's gateway and its answer committed; ``at`` dates it (for reports of a period)."""
    from shop.orders.refunds import request_refund, send_refund
    from shop.payments.services import gateway_for

    refund = request_refund(order, amount_cents, reason=reason, by=by)
    db.session.commit()
    send_refund(refund, gateway_for(order))
    db.session.commit()
    if at is not None:
        from shop.invoicing.services import get_credit_note_of

        refund.created_at = at
        note = get_credit_note_of(refund)
        if note is not None:
            _backdate(note, at)
    return refund


def make_order_paid_at(*items: tuple[Product | Package, int], at: datetime):
    """An order paid at ``at``, whose invoice was issued then too (for reports and statements of a period)."""
    from shop.orders.lifecycle import transition
    from shop.orders.models import OrderStatus

    order = make_order(*items)
    transition(order, OrderStatus.PAID)
    date_payment(order, at)
    return order


def date_payment(order, at: datetime) -> None:
    """Date a paid order's payment and its invoice ``at``, as if it was paid then (statements and reports of a
    period read the invoice's date)."""
    from shop.invoicing.queries import get_invoice_of

    order.paid_at = at
    _backdate(get_invoice_of(order), at)


def _backdate(document, at: datetime) -> None:
    """Date an issued invoice or credit note ``at``, as if issued then: an issued document refuses changes
    through the ORM (shop.invoicing.models), so test data is dated with a plain UPDATE."""
    from sqlalchemy import update

    db.session.execute(update(type(document)).where(type(document).id == document.id).values(issued_at=at))
    db.session.refresh(document)


def make_november_sales() -> dict:
    """The reports' data set: in November 2026 (shop time) a loose order (cheese x3, gin x1) and a package order
    (2 packages of cheese x2 + jam x1, list prices 900 + 600 of 1500: shares 2100 and 1400 of 3500); a paid order
    that was cancelled and refunded, and a paid jam order refunded in full (both left out of sales); an order paid
    at 23:30 UTC on 30 November, which is 1 December in Ghent (left out); and an order never paid."""
    from shop.orders.lifecycle import transition
    from shop.orders.models import OrderStatus

    linde = make_producer("Hoeve De Linde")
    baert = make_producer("Bakkerij Baert")
    cheese = make_product("Hoevekaas", producer=linde, price_cents=450, stock=100)
    gin = make_product("Hoevegin", producer=linde, price_cents=3000, stock=100,
                       vat=make_vat_category("alcohol", 21), alcohol_pct=40.0)
    jam = make_product("Aardbeienconfituur", producer=baert, price_cents=600, stock=100)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3500, name="Ontbijtpakket")

    loose = make_order_paid_at((cheese, 3), (gin, 1), at=datetime(2026, 11, 5, 10, tzinfo=UTC))
    packaged = make_order_paid_at((package, 2), at=datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # 23:30 in Ghent
    cancelled = make_order_paid_at((cheese, 7), at=datetime(2026, 11, 6, 9, tzinfo=UTC))
    transition(cancelled, OrderStatus.CANCELLED)
    make_refund(cancelled, 3150, at=datetime(2026, 11, 7, 9, tzinfo=UTC), reason="Geannuleerd")
    refunded = make_order_paid_at((jam, 5), at=datetime(2026, 11, 9, 9, tzinfo=UTC))
    make_refund(refunded, 3000, at=datetime(2026, 11, 10, 9, tzinfo=UTC), reason="Klant ziek")
    december = make_order_paid_at((cheese, 10), at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 1 December in Ghent
    make_refund(december, 100, at=datetime(2026, 12, 2, 9, tzinfo=UTC), reason="Terugbetaald")
    make_order((cheese, 4))  # never paid
    db.session.flush()
    return dict(linde=linde, baert=baert, cheese=cheese, gin=gin, jam=jam, package=package, loose=loose,
                packaged=packaged, cancelled=cancelled, refunded=refunded, december=december)


# --- payments ------------------------------------------------------------------------------------------------

SUCCESS_URL = "http://localhost/afrekenen/bevestiging?session_id={CHECKOUT_SESSION_ID}"


def place(*items, **kwargs):
    """A committed order in pending_payment (through the checkout's place_order)."""
    order = make_order(*items, **kwargs)
    db.session.commit()
    return order


def start_stripe_checkout(order):
    """Start the order's Checkout Session on the fake, as the checkout view does; returns the session id."""
    from shop.payments.services import start_payment

    start_payment(order, success_url=SUCCESS_URL, cancel_url=f"http://localhost/afrekenen/geannuleerd/{order.status_token}")
    db.session.commit()
    return order.payment_session_id


# --- company customers ------------------------------------------------------------------------------------------

COMPANY_VAT_NUMBER = "BE0123456749"


def make_company_customer(email: str | None = None, *, prices_excl_vat: bool = True, **profile):
    """A customer with a company profile (Brouwerij Het Anker Gent bv, BE 0123.456.749, Korenmarkt 1, 9000 Gent);
    by default it chose to see prices excluding VAT."""
    from shop.accounts.models import CompanyProfile

    user = make_user(email or f"bedrijf{_n()}@voorbeeld.be", name="Els Bedrijf")
    fields = dict(legal_name="Brouwerij Het Anker Gent bv", vat_number=COMPANY_VAT_NUMBER, street="Korenmarkt 1",
                  postcode="9000", city="Gent", prices_excl_vat=prices_excl_vat)
    fields.update(profile)
    db.session.add(CompanyProfile(user_id=user.id, **fields))
    db.session.flush()
    db.session.expire(user, ["company_profile"])
    return user


# --- orders with many shipments -------------------------------------------------------------------------------


def make_gift_order(recipients: list[tuple[str, date | None]] | int = 3, *, paid: bool = True):
    """A company's gift order placed through the gift list (shop.gifts), one shipment per recipient: a box of
    Pralines (15,00) each, to Veldstraat <n>, 9000 Gent, on the recipient's day (the first delivery day when
    None); paid through the payment service unless ``paid`` is False. ``recipients`` is a list of (name, day) or
    a number of recipients named "Ontvanger 1", "Ontvanger 2", ...; the company is inkoop@anker.be."""
    from sqlalchemy import select

    from shop.accounts.models import User
    from shop.gifts import services
    from shop.payments.services import payment_succeeded

    if isinstance(recipients, int):
        recipients = [(f"Ontvanger {n}", None) for n in range(1, recipients + 1)]
    if not db.session.query(Locality).filter_by(postcode="9000").first():
        make_locality("9000", "Gent", municipality=make_municipality("Gent", slug="gent"))
    pralines = db.session.scalar(select(Product).where(Product.slug == "pralines")) or make_product(
        "Pralines", vat=make_vat_category("food", 6), price_cents=1500, stock=5000, slug="pralines")
    company = db.session.scalar(select(User).where(User.email == "inkoop@anker.be")) or make_company_customer(
        "inkoop@anker.be")
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [
        dict(name=name, company="", street=f"Veldstraat {n}", postcode="9000", city="Gent", country="België",
             message="Fijne feesten!", item=pralines.slug, quantity="1",
             desired_date=day.strftime("%d/%m/%Y") if day else "")
        for n, (name, day) in enumerate(recipients, start=1)])
    order = services.place_gift_order(gift, by=company)
    if paid:
        payment_succeeded(order, payment_intent_id=f"pi_{order.number}", actor="test")
    db.session.flush()
    return order


# --- quotes and bank transfer -------------------------------------------------------------------------------------

QUOTE_PLACED_AT = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def make_company_order_data(**overrides):
    """CheckoutData of a company (Brouwerij Het Anker Gent bv, BE 0123.456.749) picking up its order."""
    if not db.session.query(Locality).filter_by(postcode="9000").first():
        make_locality("9000", "Gent")
    fields = dict(email="els@hetanker.be", name="Els Bedrijf", is_company=True,
                  company_name="Brouwerij Het Anker Gent bv", vat_number=COMPANY_VAT_NUMBER,
                  billing_street="Korenmarkt 1", billing_postcode="9000", billing_city="Gent")
    fields.update(overrides)
    return make_order_data(**fields)


def make_quote_order(*items: tuple[Product | Package, int], now: datetime = QUOTE_PLACED_AT, by=None,
                     pickup_date: date | None = None, **kwargs):
    """A company's order placed and turned into a quote (shop.orders.quotes.make_quote) on ``now``; by default
    12 × a gift box of 50,00 (6 % VAT, stock 20): 600,00, picked up on the first pickup day five weeks on (so
    that the quote's validity, the transfer's term and its grace all end before the day: shop.scheduling's
    settle_by)."""
    from shop.orders.quotes import make_quote
    from shop.scheduling.days import pickup_days

    if not items:
        items = ((make_product("Relatiegeschenk", price_cents=5000, stock=20), 12),)
    if pickup_date is None:
        pickup_date = next(day for day in pickup_days(now) if day >= now.date() + timedelta(days=35))
    data = make_company_order_data(pickup_date=pickup_date)
    order = make_order(*items, data=data, by=by, now=now, **kwargs)
    make_quote(order, now=now, by=by)
    db.session.flush()
    return order
