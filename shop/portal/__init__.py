"""The producers' portal (/portaal): views and forms only; the rules are in the domain packages.

The blueprint ``bp`` is in views.py; importing the package imports every module of routes, which join it.
"""

from shop.portal import dashboard_views, product_views, supply_views, week_views  # noqa: F401
