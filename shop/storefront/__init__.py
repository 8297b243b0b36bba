"""The consumer's shop front: the home page, product listings and pages, producer pages (blueprint "storefront":
/, /producten, /producenten), composed from the catalogue, packages and pickup days.

The blueprint ``bp`` is in views.py; importing the package imports every module of routes, which join it.
"""

from shop.storefront import producer_views, product_views  # noqa: F401
