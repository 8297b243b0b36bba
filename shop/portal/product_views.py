"""Portal: my products (list, create, edit, hide, unhide, archive, submit) and their photos.

Every route is for producer users only, and every product or photo is loaded by a query scoped to the
signed-in user's producer: another producer's id answers 404, whatever the route.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.accounts.auth import producer_required
from shop.catalog.images import (
    MAX_IMAGES_PER_PRODUCT,
    add_product_image,
    delete_product_image,
    delete_stored,
    max_upload_bytes,
    move_product_image,
    thumbnail_key,
)
from shop.catalog.models import PRODUCT_STATUS_WORDS, Product, ProductImage, ProductStatus
from shop.catalog.search import fold
from shop.core.errors import DomainError
from shop.core.i18n import eur
from shop.core.query_string import page_number, search_text
from shop.core.view_actions import run_and_flash
from shop.extensions import db
from shop.inventory.services import StockChanged
from shop.listings.product_edit import (
    archive_product,
    create_product,
    data_from_product,
    hide_product,
    missing_food_labels,
    submit_for_review,
    unhide_product,
    update_product,
)
from shop.portal.current import current_producer
from shop.portal.product_forms import ActionForm, PhotoForm, ProductForm
from shop.portal.views import bp

PER_PAGE = 20

STATUS_LABELS = PRODUCT_STATUS_WORDS

FIELD_NAMES = {
    "name": _l("naam"), "description": _l("beschrijving"), "translations": _l("vertalingen"),
    "category_id": _l("categorie"), "vat_category_id": _l("btw-categorie"), "unit": _l("eenheid"),
    "net_quantity": _l("nettohoeveelheid"), "net_unit": _l("eenheid van de nettohoeveelheid"),
    "is_food": _l("voedingsmiddel"), "ingredients": _l("ingrediënten"), "storage": _l("bewaaradvies"),
    "alcohol_pct": _l("alcoholpercentage"), "origin": _l("herkomst"), "shelf_life_days": _l("houdbaarheid"),
    "perishable": _l("bederfbaar"), "season_mask": _l("seizoen"), "allergens": _l("allergenen"),
    "labels": _l("labels"),
}


def describe_changes(changes) -> str:
    """"Prijs gewijzigd van € 4,50 naar € 4,95; voorraad van 10 naar 12; ook gewijzigd: bewaaradvies"."""
    parts, others = [], []
    for change in changes:
        if change.field == "price_cents":
            parts.append(_("prijs gewijzigd van %(old)s naar %(new)s", old=eur(change.old), new=eur(change.new)))
        elif change.field == "stock":
            parts.append(_("voorraad van %(old)s naar %(new)s", old=change.old, new=change.new))
        else:
            others.append(str(FIELD_NAMES.get(change.field, change.field)))
    if others:
        parts.append(_("ook gewijzigd: %(fields)s", fields=", ".join(others)))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


# --- loading, always scoped to the signed-in producer ---------------------------------------------


def _own_product(product_id: int) -> Product:
    product = db.session.scalar(
        select(Product)
        .where(Product.id == product_id, Product.producer_id == current_user.producer_id)
        .options(selectinload(Product.images), selectinload(Product.allergens), selectinload(Product.labels))
    )
    if product is None:
        abort(404)
    return product


def _own_image(product_id: int, image_id: int) -> ProductImage:
    image = db.session.scalar(
        select(ProductImage)
        .join(Product, Product.id == ProductImage.product_id)
        .where(ProductImage.id == image_id, ProductImage.product_id == product_id,
               Product.producer_id == current_user.producer_id)
    )
    if image is None:
        abort(404)
    return image


# --- list -----------------------------------------------------------------------------------------


@bp.get("/producten")
@producer_required
def product_list():
    q = search_text(request.args)
    status = request.args.get("status") or ""
    page = page_number(request.args)
    query = select(Product).where(Product.producer_id == current_user.producer_id)
    if status in {s.value for s in ProductStatus}:
        query = query.where(Product.status == status)
    else:
        status = ""
        query = query.where(Product.status != ProductStatus.ARCHIVED)
    if q:
        words = fold(q).split()
        query = query.where(*[or_(Product.search_text.contains(word), func.lower(Product.name).contains(word))
                              for word in words])
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page, pages)
    products = db.session.scalars(
        query.options(selectinload(Product.images)).order_by(Product.name, Product.id)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "portal/product_list.html", products=products, q=q, status=status, page=page, pages=pages, total=total,
        status_labels=STATUS_LABELS, thumbnail_key=thumbnail_key,
    )


# --- create and edit ------------------------------------------------------------------------------


def _create_and_commit(form: ProductForm) -> tuple[Product, list[str]]:
    """The new product of the form (the current producer's), committed, with what it still misses to be reviewed."""
    product = create_product(current_producer(), form.to_data(), by=current_user)
    missing = missing_food_labels(product)
    db.session.commit()
    return product, missing


@bp.route("/producten/nieuw", methods=["GET", "POST"])
@producer_required
def product_new():
    form = ProductForm()
    if request.method == "GET":
        form.is_food.data = True
        form.season_months.data = list(range(1, 13))
        form.net_unit.data = "g"
        form.stock.data = "0"
        form.vat_category_id.data = form.default_vat_category_id
        return render_template("portal/product_form.html", form=form, product=None)
    if not form.validate():
        return render_template("portal/product_form.html", form=form, product=None), 422
    try:
        try:
            product, missing = _create_and_commit(form)
        except IntegrityError:
            # Another product took the address (slug) this one was given, after it was found free (the form sent
            # twice at once): nothing of this one was kept; made again, it gets the next free one.
            db.session.rollback()
            product, missing = _create_and_commit(form)
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return render_template("portal/product_form.html", form=form, product=None), 422
    if missing:
        flash(_("Bewaard als ontwerp. Vul nog in voor je het ter controle kunt indienen: %(fields)s.",
                fields=", ".join(missing)), "warning")
    else:
        flash(_("Product toegevoegd. Het verschijnt in de winkel zodra de winkel het heeft gecontroleerd. "
                "Voeg nu een foto toe."), "success")
    return redirect(url_for("portal.product_edit", product_id=product.id), code=303)


def _render_edit(product, form, photo_form=None, status=200):
    return render_template(
        "portal/product_form.html", form=form, product=product, photo_form=photo_form or PhotoForm(),
        action_form=ActionForm(), status_labels=STATUS_LABELS, missing=missing_food_labels(product),
        thumbnail_key=thumbnail_key, max_images=MAX_IMAGES_PER_PRODUCT,
        max_upload_mb=round(max_upload_bytes() / (1024 * 1024)),
    ), status


@bp.route("/producten/<int:product_id>", methods=["GET", "POST"])
@producer_required
def product_edit(product_id: int):
    product = _own_product(product_id)
    form = ProductForm()
    if request.method == "GET":
        form.fill_from(data_from_product(product))
        return _render_edit(product, form)
    if product.status == ProductStatus.ARCHIVED:
        flash(_("Een gearchiveerd product kun je niet meer aanpassen."), "error")
        return redirect(url_for("portal.product_edit", product_id=product.id), code=303)
    if not form.validate():
        return _render_edit(product, form, status=422)
    try:
        changes = update_product(product, form.to_data(), by=current_user)
        db.session.commit()
    except StockChanged as error:
        db.session.rollback()
        product = _own_product(product_id)
        form.stock.errors = [*form.stock.errors, str(error)]
        form.stock_seen.data = str(product.stock)
        return _render_edit(product, form, status=409)
    except DomainError as error:
        db.session.rollback()
        product = _own_product(product_id)
        form.form_errors.append(str(error))
        return _render_edit(product, form, status=422)
    flash(describe_changes(changes) if changes else _("Niets gewijzigd."), "success" if changes else "info")
    return redirect(url_for("portal.product_edit", product_id=product.id), code=303)


# --- status actions -------------------------------------------------------------------------------


def _status_action(product_id: int, service, message):
    product = _own_product(product_id)
    form = ActionForm()
    if not form.validate():
        abort(400)
    run_and_flash(service, product, by=current_user, success=message)
    target = "portal.product_list" if product.status == ProductStatus.ARCHIVED else "portal.product_edit"
    args = {} if target == "portal.product_list" else {"product_id": product_id}
    return redirect(url_for(target, **args), code=303)


@bp.post("/producten/<int:product_id>/verbergen")
@producer_required
def product_hide(product_id: int):
    return _status_action(product_id, hide_product,
                          lambda p: _("%(name)s is verborgen: klanten zien het niet meer.", name=p.name))


@bp.post("/producten/<int:product_id>/tonen")
@producer_required
def product_unhide(product_id: int):
    return _status_action(product_id, unhide_product,
                          lambda p: _("%(name)s staat weer in de winkel.", name=p.name))


@bp.post("/producten/<int:product_id>/archiveren")
@producer_required
def product_archive(product_id: int):
    return _status_action(product_id, archive_product,
                          lambda p: _("%(name)s is gearchiveerd.", name=p.name))


@bp.post("/producten/<int:product_id>/indienen")
@producer_required
def product_submit(product_id: int):
    return _status_action(product_id, submit_for_review,
                          lambda p: _("%(name)s is ingediend; de winkel controleert het.", name=p.name))


# --- photos ---------------------------------------------------------------------------------------


@bp.post("/producten/<int:product_id>/fotos")
@producer_required
def product_photo_upload(product_id: int):
    product = _own_product(product_id)
    if product.status == ProductStatus.ARCHIVED:
        flash(_("Een gearchiveerd product kun je niet meer aanpassen."), "error")
        return redirect(url_for("portal.product_edit", product_id=product.id), code=303)
    photo_form = PhotoForm()
    form = ProductForm(formdata=None)
    form.fill_from(data_from_product(product))
    if not photo_form.validate():
        return _render_edit(product, form, photo_form, status=422)
    try:
        add_product_image(product, photo_form.photo.data, by=current_user, alt=photo_form.alt.data or "")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        product = _own_product(product_id)
        photo_form.photo.errors = [*photo_form.photo.errors, str(error)]
        return _render_edit(product, form, photo_form, status=422)
    flash(_("Foto toegevoegd."), "success")
    return redirect(url_for("portal.product_edit", product_id=product_id, _anchor="fotos"), code=303)


@bp.post("/producten/<int:product_id>/fotos/<int:image_id>/verwijderen")
@producer_required
def product_photo_delete(product_id: int, image_id: int):
    image = _own_image(product_id, image_id)
    if not ActionForm().validate():
        abort(400)
    key = delete_product_image(image, by=current_user)
    db.session.commit()
    delete_stored(key)  # after the commit: a failed commit must not leave a row without its files
    flash(_("Foto verwijderd."), "success")
    return redirect(url_for("portal.product_edit", product_id=product_id, _anchor="fotos"), code=303)


@bp.post("/producten/<int:product_id>/fotos/<int:image_id>/verplaatsen")
@producer_required
def product_photo_move(product_id: int, image_id: int):
    image = _own_image(product_id, image_id)
    if not ActionForm().validate():
        abort(400)
    offset = {"eerder": -1, "later": 1}.get(request.form.get("richting", ""))
    if offset is None:
        abort(400)
    move_product_image(image, offset, by=current_user)
    db.session.commit()
    flash(_("Volgorde van de foto's aangepast."), "success")
    return redirect(url_for("portal.product_edit", product_id=product_id, _anchor="fotos"), code=303)
