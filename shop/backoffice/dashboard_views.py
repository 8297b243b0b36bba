"""Back office: the dashboard (/beheer/), what needs doing today at a glance. Reads only."""

from __future__ import annotations

from flask import render_template

from shop.accounts.auth import staff_required
from shop.backoffice.views import bp
from shop.core.clock import shop_today
from shop.invoicing.delivery import count_einvoices_needing_attention
from shop.reporting.dashboard import LOW_STOCK, PACKAGE_LOW, get_dashboard


@bp.route("/")
@staff_required
def dashboard():
    return render_template("backoffice/dashboard.html", board=get_dashboard(shop_today()),
                           low_stock_limit=LOW_STOCK, package_low_limit=PACKAGE_LOW,
                           einvoice_attention_count=count_einvoices_needing_attention())
