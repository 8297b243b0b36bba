"""The application factory prepares, in the process that forks gunicorn's workers, what every worker needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
from sqlalchemy import inspect
from shop.core.db import Base
from shop.cart.models import Cart
untouched = not inspect(Cart).configured  # importing the models alone leaves the relationships unresolved
from shop import create_app
create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
print(untouched, all(mapper.configured for mapper in Base.registry.mappers))
"""


def test_every_models_relationships_are_resolved_when_the_app_is_made():
    # gunicorn makes the app before it forks (preload_app): its workers then inherit the resolved models instead
    # of each resolving them in its first request.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SHOP_", "STRIPE_", "FLASK_"))}
    done = subprocess.run([sys.executable, "-c", CHECK], env=env | {"PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"]


def test_flask_asks_once_per_hook_and_view_whether_it_is_a_coroutine_function(client, monkeypatch):
    # The answer never changes for a function; Flask asked inspect for every hook and view of every request.
    import flask.app

    client.get("/health")
    asked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda func: asked.append(func) or real(func))
    assert client.get("/health").status_code == 200
    assert asked == []

