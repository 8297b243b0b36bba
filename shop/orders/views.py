"""Order pages: the guest's status page behind a secret link, and a customer's order history.

Domains above orders add what they know of the orders on a page with ``add_page_context`` (connected in
create_app): invoicing gives each order's documents with their download links, which both pages list
(templates/orders/_documents.html).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from shop.core.clock import shop_day
from shop.core.db import utcnow
from shop.core.query_string import page_number
from shop.core.security import personal
from shop.core.settings import get_settings
from shop.orders.models import DeliveryMethod, Order, OrderStatus, PaymentProvider, ShipmentState
from shop.orders.queries import (
    get_order_by_token,
    list_order_shipments,
    list_orders_for_user,
    order_vat_lines,
    parse_shipment_state,
    pickup_window,
    shipment_pickup_windows,
    summed_lines,
    with_pickup_hour,
)
from shop.orders.quotes import is_quote_open

bp = Blueprint("orders", __name__)

# page ("status", "history") -> functions giving the names its template shows besides the orders' own, for the
# orders on the page; added by the domains above orders. ``documents``: {order id: [document]} (see
# templates/orders/_documents.html).
PageContext = Callable[[Sequence[Order]], dict[str, Any]]
_PAGE_CONTEXTS: dict[str, list[PageContext]] = defaultdict(list)


def add_page_context(page: str, context: PageContext) -> None:
    """Give the order page ``page`` what ``context(orders)`` returns, for the orders it shows; once. A context
    reads all the page's orders at once (a fixed number of queries per page)."""
    if context not in _PAGE_CONTEXTS[page]:
        _PAGE_CONTEXTS[page].append(context)


def _page_context(page: str, orders: Sequence[Order]) -> dict[str, Any]:
    added: dict[str, Any] = {}
    for provider in _PAGE_CONTEXTS[page]:
        added |= provider(orders)
    return added

# The steps a customer sees, in order; ready_for_pickup and shipped are alternatives of one step.
PROGRESS = (OrderStatus.PAID, OrderStatus.IN_PREPARATION, OrderStatus.READY_FOR_PICKUP, OrderStatus.SHIPPED,
            OrderStatus.COMPLETED)


def _status_dates(order) -> dict[str, object]:
    """When the order reached each status (the last time), from its recorded transitions."""
    return {transition.to_status.value: transition.created_at for transition in order.transitions}


def _retry_url(order) -> str | None:
    """Where a customer whose payment is still open can pay (again): the demo payment page.

    With Stripe there is no such page: the customer's way back is Stripe's cancel link, whose page offers to
    cancel the order and put its lines back in the cart.
    """
    if (order.status != OrderStatus.PENDING_PAYMENT or current_app.config.get("STRIPE_SECRET_KEY")
            or order.payment_provider == PaymentProvider.TRANSFER):
        return None
    return url_for("payments.demo", status_token=order.status_token)


@bp.get("/bestelling/<token>")
@personal  # the secret link shows a guest's name, address and order
def status(token: str):
    order = get_order_by_token(token)
    if order is None:
        abort(404)
    # An order with several shipments (a company's gift list, up to thousands) lists them 50 a page, filtered by
    # state (``?stand=shipped&pagina=2``), under the count in each state.
    shipment_page = None
    if len(order.shipments) > 1:
        shipment_page = list_order_shipments(order.id, state=parse_shipment_state(request.args.get("stand")),
                                             page=page_number(request.args))
    return render_template(
        "orders/order_status.html",
        order=order,
        shipment=order.shipment,
        shipment_page=shipment_page,
        shipment_windows=shipment_pickup_windows(shipment_page.shipments) if shipment_page else {},
        # A line per recipient would list thousands of rows: the same things at the same price are one row.
        lines=summed_lines(order) if shipment_page else order.lines,
        with_pickup_hour=with_pickup_hour,
        pickup_window=pickup_window(order),
        vat_lines=order_vat_lines(order),
        dates=_status_dates(order),
        retry_url=_retry_url(order),
        quote_open=is_quote_open(order, shop_day(utcnow())),
        settings=get_settings(),
        OrderStatus=OrderStatus,
        DeliveryMethod=DeliveryMethod,
        ShipmentState=ShipmentState,
        **_page_context("status", [order]),
    )


@bp.get("/account/bestellingen")
@login_required
def history():
    orders = list_orders_for_user(current_user.id)
    return render_template("orders/order_history.html", orders=orders, OrderStatus=OrderStatus,
                           **_page_context("history", orders))
