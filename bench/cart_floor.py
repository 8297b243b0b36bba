"""The floor of add-to-cart: the same POST as the shop's (``/winkelmand/toevoegen`` with a product id, a quantity and
the CSRF token of the visitor's session) answered by Flask alone, as lean as Flask can: Flask-WTF's CSRF check
against the signed session cookie, the confirmation flashed into that session, the cart cookie and a 303. None of
the shop's hooks, models or SQLAlchemy. With ``BENCH_FLOOR_DB`` (a copy of a bench SQLite database) it also does
the shop's three statements (the product's sale rule and stock, then a new cart and its line, committed under
SQLite's write lock) through the sqlite3 module directly, in WAL mode with synchronous=NORMAL as the shop's.

What it reaches, against the ceiling (bench/ceiling.py) under the same gunicorn settings and wrk script, is what
any Flask shop with a server-side cart could reach at best on this machine:
``python -m bench.cart_profile sqlite:////tmp/copy.db --serve 9320 --floor``.
"""

from __future__ import annotations

import os
import secrets
import sqlite3

from flask import Flask, flash, redirect, render_template_string, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config["SECRET_KEY"] = "bench-floor-" + "x" * 32
CSRFProtect(app)

DATABASE = os.environ.get("BENCH_FLOOR_DB") or None
_connection: sqlite3.Connection | None = None

PRODUCT_PAGE = '<form><input name="csrf_token" value="{{ csrf_token() }}"><input name="product_id" value="{{ id }}">'


def _database() -> sqlite3.Connection:
    global _connection
    if _connection is None:  # one per worker, opened after the fork
        _connection = sqlite3.connect(DATABASE, isolation_level=None)
        _connection.execute("PRAGMA journal_mode=WAL")
        _connection.execute("PRAGMA synchronous=NORMAL")
        _connection.execute("PRAGMA busy_timeout=30000")
    return _connection


@app.get("/health")
def health():
    return "ok"


@app.get("/producten/<int:product_id>")
def product(product_id: int):
    """A product page's form: the visitor's CSRF token (in a new session) and the product id, for the harvest."""
    return render_template_string(PRODUCT_PAGE, id=product_id)


@app.post("/winkelmand/toevoegen")
def add():
    product_id, quantity = int(request.form["product_id"]), int(request.form.get("quantity") or 1)
    name = "product"
    if DATABASE:
        connection = _database()
        row = connection.execute("SELECT name, stock FROM products WHERE id = ? AND status = 'published'",
                                 (product_id,)).fetchone()
        if row is None or row[1] < quantity:
            flash("Niet (meer) te koop.", "error")
            return redirect("/winkelmand", 303)
        name = row[0]
        connection.execute("BEGIN IMMEDIATE")
        cart = connection.execute("INSERT INTO carts (token, created_at, updated_at) VALUES "
                                  "(?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", (secrets.token_urlsafe(32),))
        connection.execute("INSERT INTO cart_lines (cart_id, product_id, quantity) VALUES (?, ?, ?)",
                           (cart.lastrowid, product_id, quantity))
        connection.execute("COMMIT")
    flash(f"{quantity} × {name} toegevoegd aan je winkelmand.", "success")
    response = redirect("/winkelmand", 303)
    response.set_cookie("lov_cart", secrets.token_urlsafe(32), max_age=30 * 24 * 3600, httponly=True,
                        samesite="Lax")
    return response
