"""Portal dashboard (/portaal/): my products, stock warnings, products in review, demand and this month's sales."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from shop.accounts.auth import producer_required
from shop.listings.product_csv import STATUS_LABELS, list_supply_products, summarise_supply
from shop.portal.views import bp
from shop.supply.demand import get_demand, get_sales_this_month


@bp.route("/")
@producer_required
def dashboard():
    producer_id = current_user.producer_id
    products = list_supply_products(producer_id)
    return render_template(
        "portal/dashboard.html",
        products=products,
        supply=summarise_supply(products),
        demand=get_demand(producer_id),
        sales=get_sales_this_month(producer_id),
        status_labels=STATUS_LABELS,
    )
