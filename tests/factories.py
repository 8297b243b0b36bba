"""Builders for test data: each returns a flushed object with sensible defaults, overridable by keyword."""

from __future__ import annotations

import itertools
from datetime import date

from shop.catalog.allergens import Presence
from shop.catalog.models import (
    Category,
    Label,
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
        nis_code=overrides.pop("nis_code", f"{90000 + n}"),
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


# --- accounts (appended by the accounts work) ------------------------------------------------------------------

DEFAULT_PASSWORD = "lekker-wachtwoord-2026"


def make_user(email: str | None = None, *, password: str | None = DEFAULT_PASSWORD, role=None, producer=None,
              **overrides):
    """A user (customer by default) with a known password; ``role="producer"`` makes a producer if needed."""
    from shop.accounts.models import Role, User

    role = Role(role or Role.CUSTOMER)
    if role == Role.PRODUCER and producer is None:
        producer = make_producer()
    fields = dict(email=email or f"gebruiker{_n()}@voorbeeld.be", name="Gebruiker", role=role, producer=producer,
                  active=True)
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
    from flask import g

    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    # Test requests share the test's app context, where Flask-Login caches the user it loaded last.
    g.pop("_login_user", None)


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


def make_refund(order, amount_cents: int, *, reason: str = "", by=None):
    """A refund as the shop makes one (shop.orders.refunds): requested and committed, then sent through the
    order's gateway and its answer committed."""
    from shop.orders.refunds import request_refund, send_refund
    from shop.payments.gateway import gateway_for

    refund = request_refund(order, amount_cents, reason=reason, by=by)
    db.session.commit()
    send_refund(refund, gateway_for(order))
    db.session.commit()
    return refund


# --- payments ------------------------------------------------------------------------------------------------

SUCCESS_URL = "http://localhost/afrekenen/bevestiging?session_id={CHECKOUT_SESSION_ID}"


def place(*items, **kwargs):
    """A committed order in pending_payment (through the checkout's place_order)."""
    order = make_order(*items, **kwargs)
    db.session.commit()
    return order


def start_stripe_checkout(order):
    """Start the order's Checkout Session on the fake, as the checkout view does; returns the session id."""
    from shop.payments.gateway import get_gateway

    get_gateway().start_checkout(order, success_url=SUCCESS_URL,
                                 cancel_url=f"http://localhost/afrekenen/geannuleerd/{order.status_token}")
    db.session.commit()
    return order.payment_session_id
