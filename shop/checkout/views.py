"""Routes of the checkout domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checkout", __name__)
