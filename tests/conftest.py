"""Test fixtures. The database comes from SHOP_TEST_DATABASE_URL (a throw-away SQLite file by default)."""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from wtforms.fields.choices import SelectFieldBase

from shop import create_app
from shop.catalog.allergens import Presence
from shop.catalog.models import NetUnit, ProductStatus
from shop.config import normalise_database_url
from shop.extensions import db as _db
from tests.factories import (
    make_category,
    make_label,
    make_municipality,
    make_producer,
    make_product,
    make_region,
    make_vat_category,
)
from tests.fakes.access_point import FakeAccessPoint
from tests.fakes.stripe_server import FakeStripe
from tests.helpers import empty_all_tables


class ServerLikeClient(FlaskClient):
    """Flask's test client, closing each response as a WSGI server does once it has sent it: what a request left
    to do after its response (shop.core.db.defer_to_response) is done before the test looks."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


# Hypothesis (generated inputs): the same examples on every run, so a failure in CI fails the same way on a
# developer's machine; no example database in the work tree; no deadline (a slow shared machine is no failure).
settings.register_profile("shop", derandomize=True, database=None, deadline=None)
settings.load_profile("shop")


def _warn_of_legacy_choices_when_used():
    """WTForms 3.3 warns of options given as tuples (which 3.4 no longer takes) only when a field is made with
    them, not when a form sets them later (``form.x.choices = [...]``, as most of ours do). Make it warn when such
    options are used as well, with its own check, so pyproject's filterwarnings fails the test. From the release
    that drops the check, WTForms refuses tuples itself and this does nothing."""
    check = getattr(SelectFieldBase, "_warn_legacy_choices", None)
    original = getattr(SelectFieldBase, "_choices_from_input", None)
    if check is None or original is None:
        return

    def choices_from_input(self, choices):
        if choices is not None and not callable(choices):
            check(choices)  # the warning is attributed to WTForms' caller (stacklevel 3), as its own is
        return original(self, choices)

    SelectFieldBase._choices_from_input = choices_from_input


_warn_of_legacy_choices_when_used()


@contextmanager
def _test_database(tmp_dir: str):
    """The database for this test run.

    SQLite: a file in a temporary folder. PostgreSQL: a fresh database created next to the one named in
    SHOP_TEST_DATABASE_URL and dropped afterwards, so parallel runs on one server never see each other's rows.
    """
    url = os.environ.get("SHOP_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_dir}/test.db"
        return
    url = make_url(normalise_database_url(url))
    if url.get_backend_name() != "postgresql":
        yield url.render_as_string(hide_password=False)
        return
    name = f"{url.database}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app():
    tmp = tempfile.TemporaryDirectory(prefix="shop-test-")
    database = _test_database(tmp.name)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": database.__enter__(),
            "MEDIA_ROOT": os.path.join(tmp.name, "media"),
            "MAIL_DIR": os.path.join(tmp.name, "mail"),
            "EINVOICE_DIR": os.path.join(tmp.name, "einvoices"),
            "PAGE_CACHE_GENERATION_FILE": os.path.join(tmp.name, "catalogue-generation"),
        }
    )
    app.test_client_class = ServerLikeClient
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
    yield app
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()
    database.__exit__(None, None, None)
    tmp.cleanup()


@pytest.fixture(autouse=True)
def _shop_settings_for_one_test(request):
    """A test that overrides ``app.config["SHOP_SETTINGS"]`` does so for itself only: the app lives for the whole
    session, and a capacity or a minimum left behind would change the tests that come after it."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with config_for_one_test(app, {}, keep=("SHOP_SETTINGS",)):
        yield


@pytest.fixture
def db(app):
    """The database inside an app context; every row is removed after the test."""
    with app.app_context():
        yield _db
        _db.session.remove()
        empty_all_tables()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


# --- the catalogue ------------------------------------------------------------------------------------

MAY_TO_AUGUST = sum(1 << (m - 1) for m in (5, 6, 7, 8))


@pytest.fixture
def catalogue(db):
    """Five visible products over three producers, two regions, two top categories; plus three hidden ones."""
    meetjesland = make_region("meetjesland", "Meetjesland")
    waasland = make_region("waasland", "Waasland")
    eeklo = make_municipality("Eeklo", region=meetjesland, slug="eeklo")
    sint_niklaas = make_municipality("Sint-Niklaas", region=waasland, slug="sint-niklaas")
    lokeren = make_municipality("Lokeren", region=waasland, slug="lokeren")

    zuivel = make_category("Zuivel", slug="zuivel", position=1)
    kaas = make_category("Kaas", parent=zuivel, slug="kaas", position=1)
    boter = make_category("Boter", parent=zuivel, slug="boter", position=2)
    drank = make_category("Drank", slug="drank", position=2)
    bier = make_category("Bier", parent=drank, slug="bier", position=1)
    zoet = make_category("Zoet", slug="zoet", position=3)
    vlees = make_category("Vlees", slug="vlees", position=4)

    bio = make_label("bio", "Bio")
    hoevewinkel = make_label("hoevewinkel", "Hoevewinkel")

    kaasmakerij = make_producer("Hoeve Dierickx", municipality=eeklo, slug="hoeve-dierickx")
    kaasmakerij.labels.append(hoevewinkel)
    brouwerij = make_producer("Brouwerij Waas", municipality=sint_niklaas, slug="brouwerij-waas")
    zuivelhoeve = make_producer("Zuivelhoeve Lokeren", municipality=lokeren, slug="zuivelhoeve-lokeren")
    zuivelhoeve.labels.append(bio)
    inactive = make_producer("Gesloten Hoeve", municipality=eeklo, slug="gesloten-hoeve", active=False)

    alcohol = make_vat_category("alcohol", 21)
    created = iter(datetime(2025, 1, day, tzinfo=UTC) for day in range(1, 20))

    products = {
        "kaas": make_product(
            "Oude hoevekaas", producer=kaasmakerij, category=kaas, price_cents=650, net_unit=NetUnit.GRAM,
            allergens={"milk": Presence.CONTAINS}, created_at=next(created),
        ),
        "boter": make_product(
            "Hoeveboter", producer=zuivelhoeve, category=boter, price_cents=325, net_unit=NetUnit.GRAM,
            allergens={"milk": Presence.CONTAINS}, created_at=next(created),
        ),
        "tripel": make_product(
            "Tripel", producer=brouwerij, category=bier, price_cents=275, vat=alcohol, alcohol_pct=8.5,
            unit="33 cl", net_quantity=330, net_unit=NetUnit.MILLILITRE,
            allergens={"gluten": Presence.CONTAINS}, created_at=next(created),
        ),
        "confituur": make_product(
            "Aardbeienconfituur", producer=zuivelhoeve, category=zoet, price_cents=450, stock=0, net_unit=NetUnit.GRAM,
            season_mask=MAY_TO_AUGUST, allergens={"nuts": Presence.MAY_CONTAIN}, created_at=next(created),
        ),
        "pate": make_product(
            "Paté van de hoeve", producer=kaasmakerij, category=vlees, price_cents=520, stock=3, net_unit=NetUnit.GRAM,
            created_at=next(created),
        ),
        "draft": make_product("Geheime kaas", producer=kaasmakerij, category=kaas, status=ProductStatus.DRAFT),
        "hidden": make_product("Verstopte kaas", producer=kaasmakerij, category=kaas, status=ProductStatus.HIDDEN),
        "inactive": make_product("Boter van gesloten hoeve", producer=inactive, category=boter),
    }
    products["tripel"].labels.append(bio)
    db.session.flush()
    return products


# --- payments: the fake Stripe server and an app pointed at it for one test ------------------------------

_MISSING = object()


@contextmanager
def config_for_one_test(app, values: dict, keep: tuple[str, ...] = ()):
    """Set ``values`` in the (session-wide) app's config, and put them, and the keys in ``keep``, back as they
    were afterwards."""
    saved = {key: app.config.get(key, _MISSING) for key in (*values, *keep)}
    app.config.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is _MISSING:
                app.config.pop(key, None)
            else:
                app.config[key] = value


@pytest.fixture
def fake_stripe():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_config(app, fake_stripe):
    """Point the (session-wide) app at the fake Stripe for this test; restore the config after."""
    values = {
        "STRIPE_SECRET_KEY": "sk_test_fake_key",
        "STRIPE_WEBHOOK_SECRET": fake_stripe.webhook_secret,
        "STRIPE_API_BASE": fake_stripe.url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "STRIPE_TIMEOUT_SECONDS": 1,
    }
    with config_for_one_test(app, values):
        yield fake_stripe


# --- e-invoices: the stand-in access point and an app pointed at it for one test ------------------------------

@pytest.fixture
def fake_access_point():
    fake = FakeAccessPoint().start()
    yield fake
    fake.stop()


@pytest.fixture
def access_point_config(app, fake_access_point):
    """Point the (session-wide) app at the stand-in access point for this test; restore the config after."""
    values = {"ACCESS_POINT_URL": fake_access_point.url, "ACCESS_POINT_KEY": fake_access_point.api_key,
              "ACCESS_POINT_TIMEOUT_SECONDS": 2}
    with config_for_one_test(app, values):
        yield fake_access_point


@pytest.fixture
def einvoice_dir(app, tmp_path):
    """A fresh folder for this test's e-invoice files (the mail adapter writes there)."""
    saved = app.config["EINVOICE_DIR"]
    app.config["EINVOICE_DIR"] = str(tmp_path / "einvoices")
    yield tmp_path / "einvoices"
    app.config["EINVOICE_DIR"] = saved


@pytest.fixture
def errors_answered(app):
    """Errors answered by the app's handlers, as in production (the test app re-raises them by default)."""
    saved = app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = saved


@pytest.fixture
def production_config(app):
    saved = app.config["ENV_NAME"]
    app.config["ENV_NAME"] = "production"
    yield
    app.config["ENV_NAME"] = saved


@pytest.fixture
def cheese(db):
    return make_product("Oude Brugge", price_cents=1250, stock=10)


# --- e-invoices: the offline Peppol validator, loaded once per test session ------------------------------------


@pytest.fixture(scope="session")
def ubl_validator():
    """The process's UBL validator (shop.invoicing.validation), loaded once (it takes most of a second)."""
    from shop.invoicing.validation import get_validator

    return get_validator()
