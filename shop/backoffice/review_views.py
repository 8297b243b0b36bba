"""Back office: the review queue (staff): new products waiting for review, approve or reject with a reason."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.review_forms import ApproveForm, RejectForm
from shop.backoffice.views import bp
from shop.catalog.images import thumbnail_key
from shop.catalog.models import PRODUCT_STATUS_WORDS
from shop.catalog.review import (
    REASON_MAX,
    AlreadyReviewed,
    approve_product,
    get_product_for_review,
    list_review_queue,
    reject_product,
)
from shop.catalog.services import MissingFoodInformation
from shop.core.errors import DomainError
from shop.extensions import db
from shop.listings.product_edit import missing_food_labels

STATUS_LABELS = PRODUCT_STATUS_WORDS


def _load(product_id: int):
    product = get_product_for_review(product_id)
    if product is None:
        abort(404)
    return product


@bp.get("/te-keuren")
@staff_required
def review_queue():
    products = list_review_queue()
    missing = {product.id: missing_food_labels(product) for product in products}
    return render_template("backoffice/review_queue.html", products=products, missing=missing,
                           thumbnail_key=thumbnail_key)


def _render_detail(product, reject_form=None, status=200):
    return render_template(
        "backoffice/review_detail.html", product=product, missing=missing_food_labels(product),
        form=reject_form or RejectForm(formdata=None), approve_form=ApproveForm(), status_labels=STATUS_LABELS,
        reason_max=REASON_MAX,
    ), status


@bp.get("/te-keuren/<int:product_id>")
@staff_required
def review_detail(product_id: int):
    return _render_detail(_load(product_id))


@bp.post("/te-keuren/<int:product_id>/goedkeuren")
@staff_required
def review_approve(product_id: int):
    product = _load(product_id)
    if not ApproveForm().validate():
        abort(400)
    name = product.name
    try:
        approve_product(product, by=current_user)
        db.session.commit()
    except AlreadyReviewed as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("backoffice.review_queue"), 303)
    except MissingFoodInformation as error:
        db.session.rollback()
        flash(_("Niet goedgekeurd. %(problem)s Wijs het product af met die reden, zodat de producent het "
                "aanvult.", problem=str(error)), "error")
        return redirect(url_for("backoffice.review_detail", product_id=product_id), 303)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("backoffice.review_detail", product_id=product_id), 303)
    flash(_("%(name)s is goedgekeurd en staat in de winkel. De producent krijgt een e-mail.", name=name), "success")
    return redirect(url_for("backoffice.review_queue"), 303)


@bp.post("/te-keuren/<int:product_id>/afwijzen")
@staff_required
def review_reject(product_id: int):
    product = _load(product_id)
    form = RejectForm()
    if not form.validate():
        return _render_detail(product, form, status=422)
    name = product.name
    try:
        reject_product(product, form.reason.data, by=current_user)
        db.session.commit()
    except AlreadyReviewed as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("backoffice.review_queue"), 303)
    except DomainError as error:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, str(error)]
        return _render_detail(_load(product_id), form, status=422)
    flash(_("%(name)s is afgewezen en teruggestuurd naar de producent, met je reden per e-mail.", name=name),
          "success")
    return redirect(url_for("backoffice.review_queue"), 303)
