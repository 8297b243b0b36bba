"""Routes of the portal domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)
