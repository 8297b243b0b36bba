"""Rate limits: a limit set for a whole blueprint, the app or by default is checked before every request it covers
(the app skips Flask-Limiter's check before a request only while no such limit is configured)."""

from __future__ import annotations

import pytest
from flask.globals import _cv_request

from shop.extensions import limiter
from tests.factories import make_product


@pytest.fixture
def cart_blueprint_limited(app):
    limiter.reset()
    limiter.limit("2 per minute")(app.blueprints["cart"])
    try:
        yield
    finally:
        limiter.limit_manager._blueprint_limits.pop("cart", None)
        limiter.reset()


def test_a_blueprint_limit_applies_to_adding_to_the_cart(client, db, cart_blueprint_limited):
    product = make_product("Hoevekaas", stock=10)
    db.session.commit()
    answers = [client.post("/winkelmand/toevoegen", data={"product_id": str(product.id), "quantity": "1"})
               for _ in range(3)]
    assert [answer.status_code for answer in answers] == [303, 303, 429]


def test_without_such_limits_adding_to_the_cart_is_not_limited(client, db):
    limiter.reset()
    product = make_product("Hoevekaas", stock=10)
    db.session.commit()
    answers = [client.post("/winkelmand/toevoegen", data={"product_id": str(product.id), "quantity": "1"})
               for _ in range(5)]
    assert {answer.status_code for answer in answers} == {303}



def test_a_changed_flask_limiter_gets_its_check_before_every_request(client, db, monkeypatch):
    """Should an upgrade rename the internals the app reads, Flask-Limiter's check runs before every request again
    (as it does by itself) instead of the request failing."""
    calls = []
    monkeypatch.delattr(limiter, "_meta_limits")
    monkeypatch.setattr(limiter, "_check_request_limit", lambda: calls.append("checked"))
    assert client.get("/producten").status_code == 200
    assert calls == ["checked"]


def test_without_such_limits_flask_limiter_check_is_skipped(client, db, monkeypatch):
    calls = []
    monkeypatch.setattr(limiter, "_check_request_limit", lambda: calls.append("checked"))
    assert client.get("/producten").status_code == 200
    assert calls == []


def test_a_request_no_limit_was_checked_for_leaves_flask_limiter_nothing_to_keep_or_forget(app, client, db,
                                                                                          monkeypatch):
    """Flask-Limiter's steps after a request (deductions, headers, forgetting its state) run only for a request a
    limit was checked for; for any other they made its state only to find it empty."""
    kept = []
    monkeypatch.setitem(app.teardown_request_funcs, None, [  # the last one runs first
        *app.teardown_request_funcs[None], lambda _exception: kept.append(sorted(vars(_cv_request.get())))])
    limiter.reset()
    product = make_product("Hoevekaas", stock=10)
    db.session.commit()

    assert client.post("/winkelmand/toevoegen", data={"product_id": str(product.id)}).status_code == 303
    assert "_limiter_request_context" not in kept[-1]

