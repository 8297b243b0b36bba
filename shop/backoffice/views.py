"""The staff back office (/beheer): views and forms only; the rules live in the domain modules.

The routes are split by noun over the ``*_views.py`` modules of this package; this module holds the
blueprint (its menu is in templating.py). Every route is guarded by ``staff_required`` (or ``admin_required``
where noted).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("backoffice", __name__)
