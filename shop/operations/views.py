"""``GET /health``: the shop's health (shop.operations.health) as JSON, for load balancers and operators.

Anyone gets the overall status and one word per part; staff also get the details (backlog counts, the jobs'
last runs and errors). No versions, no database dialect, no host names: nothing an attacker could use.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from shop.core.db import utcnow
from shop.operations.health import check_health

bp = Blueprint("operations", __name__)


@bp.get("/health")
def health():
    result = check_health(utcnow())
    body = {"status": result.status, "checks": result.checks}
    if getattr(current_user, "is_staff", False):
        body["details"] = result.details
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, (200 if result.database_ok else 503)
