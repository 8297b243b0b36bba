"""Portal routes: see shop/portal/views.py."""

from __future__ import annotations

from shop.portal.views import bp  # noqa: F401
