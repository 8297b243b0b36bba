"""Back office: stock. A searchable list of products' stock, and per product its movement history and a
correction with a mandatory reason (shop.inventory.services.correct_stock)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.stock_forms import StockCorrectionForm
from shop.backoffice.views import bp
from shop.core.errors import DomainError
from shop.core.query_string import page_number, search_text
from shop.extensions import db
from shop.inventory.queries import LOW_STOCK, STOCK_FILTERS, get_stock_history, list_stock
from shop.inventory.services import StockChanged, correct_stock
from shop.listings.product_csv import STATUS_LABELS as PRODUCT_STATUS_LABELS


@bp.route("/voorraad")
@staff_required
def stock_list():
    q = search_text(request.args)
    stock_filter = request.args.get("voorraad") or ""
    if stock_filter not in STOCK_FILTERS:
        stock_filter = ""
    listing = list_stock(q, stock_filter, page_number(request.args))
    return render_template("backoffice/stock_list.html", listing=listing, q=q, stock_filter=stock_filter,
                           filters=STOCK_FILTERS, low_stock=LOW_STOCK, product_labels=PRODUCT_STATUS_LABELS)


def _detail_page(product_id: int, form: StockCorrectionForm | None = None, status: int = 200):
    history = get_stock_history(product_id, page_number(request.args))
    if history is None:
        abort(404)
    context = dict(history=history, product_labels=PRODUCT_STATUS_LABELS)
    if form is None:
        correction_form = StockCorrectionForm(formdata=None, expected_stock=str(history.product.stock))
    else:
        correction_form = form
        context["form"] = form  # base.html: "Fout:" in the title
    return render_template("backoffice/stock_detail.html", correction_form=correction_form, **context), status


@bp.route("/voorraad/<int:product_id>", methods=["GET", "POST"])
@staff_required
def stock_detail(product_id: int):
    if request.method == "GET":
        return _detail_page(product_id)
    history = get_stock_history(product_id, 1)
    if history is None:
        abort(404)
    product = history.product
    form = StockCorrectionForm()
    if not form.validate():
        return _detail_page(product_id, form, 422)
    try:
        delta = correct_stock(product, form.new_stock.data, by=current_user, reason=form.reason.data,
                              expected_stock=form.expected())
        db.session.commit()
    except StockChanged as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        form.expected_stock.data = str(product.stock)  # confirming again compares with the figure shown now
        return _detail_page(product_id, form, 409)
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _detail_page(product_id, form, 422)
    if delta:
        flash(_("Voorraad van %(name)s aangepast van %(old)s naar %(new)s.", name=product.name,
                old=form.new_stock.data - delta, new=form.new_stock.data), "success")
    else:
        flash(_("De voorraad van %(name)s was al %(stock)s; er is niets gewijzigd.", name=product.name,
                stock=form.new_stock.data), "info")
    return redirect(url_for("backoffice.stock_detail", product_id=product_id), 303)
