"""Fixtures for payment tests: the fake Stripe server and an app configured to use it for one test."""

from __future__ import annotations

import pytest

from shop.payments.gateway import get_gateway
from tests.factories import make_order, make_product
from tests.fakes.stripe_server import FakeStripe

_MISSING = object()
SUCCESS_URL = "http://localhost/afrekenen/bevestiging?session_id={CHECKOUT_SESSION_ID}"


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
    saved = {key: app.config.get(key, _MISSING) for key in values}
    app.config.update(values)
    yield fake_stripe
    for key, value in saved.items():
        if value is _MISSING:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def production_config(app):
    saved = app.config["ENV_NAME"]
    app.config["ENV_NAME"] = "production"
    yield
    app.config["ENV_NAME"] = saved


def place(*items, **kwargs):
    """A committed order in pending_payment (through the checkout's place_order)."""
    from shop.extensions import db

    order = make_order(*items, **kwargs)
    db.session.commit()
    return order


def start_stripe_checkout(order):
    """Start the order's Checkout Session on the fake, as the checkout view does; returns the session id."""
    from shop.extensions import db

    get_gateway().start_checkout(order, success_url=SUCCESS_URL,
                                 cancel_url=f"http://localhost/afrekenen/geannuleerd/{order.status_token}")
    db.session.commit()
    return order.payment_session_id


@pytest.fixture
def cheese(db):
    return make_product("Oude Brugge", price_cents=1250, stock=10)
