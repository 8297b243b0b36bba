"""The back office (/beheer): views and forms only; the rules are in the domain packages.

The blueprint ``bp`` is in views.py; importing the package imports every module of routes, which join it.
"""

from shop.backoffice import (  # noqa: F401
    dashboard_views,
    document_views,
    einvoice_views,
    fulfilment_views,
    order_views,
    package_views,
    producer_views,
    report_views,
    review_views,
    shortage_views,
    slot_views,
    stock_views,
    transfer_views,
    user_views,
)
