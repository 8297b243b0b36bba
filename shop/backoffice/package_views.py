"""Back office: gift packages. List, create, edit, compose (with a product picker), photo, activate.

Every route is for staff (and admins). The views load, validate, call one service of
``shop.packages.admin``, commit and redirect (303); a broken rule rolls back and shows its message. Each
page reads its figures fresh from the database, so they follow every change.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shop.accounts.auth import staff_required
from shop.backoffice.package_forms import ActionForm, ComponentAddForm, ComponentForm, PackageForm, PhotoForm
from shop.backoffice.views import bp
from shop.catalog.images import ImageRejected, delete_stored, max_upload_bytes, thumbnail_key
from shop.core.errors import DomainError
from shop.core.i18n import eur
from shop.extensions import db
from shop.packages import admin
from shop.packages.admin_queries import (
    PICKER_LIMIT,
    StatusFilter,
    get_package_editor,
    list_admin_packages,
    search_products_for_package,
)
from shop.packages.models import Package

MAX_QUERY = 100
CONCURRENT_CREATE = _l("Er werd net een pakket met dezelfde naam aangemaakt. Probeer opnieuw.")
CONCURRENT_CHANGE = _l("Iemand anders paste dit pakket tegelijk aan. Bekijk de samenstelling en probeer opnieuw.")


def percent(value) -> str:
    """"-7,5 %" in the visitor's language; an em dash when there is no figure."""
    return "—" if value is None else f"{format_decimal(value, format='#,##0.0')} %"


def _query_arg(name: str) -> str:
    return " ".join((request.args.get(name) or "").split())[:MAX_QUERY]


# --- list -----------------------------------------------------------------------------------------------------


@bp.get("/pakketten")
@staff_required
def package_list():
    status = request.args.get("status") or ""
    if status not in (StatusFilter.ACTIVE, StatusFilter.INACTIVE):
        status = StatusFilter.ALL
    q = _query_arg("q")
    rows = list_admin_packages(status, q)
    return render_template("backoffice/package_list.html", rows=rows, status=status, q=q, percent=percent)


# --- create and edit ------------------------------------------------------------------------------------------


@bp.route("/pakketten/nieuw", methods=["GET", "POST"])
@staff_required
def package_new():
    form = PackageForm()
    if request.method == "GET":
        return render_template("backoffice/package_form.html", form=form, editor=None)
    if not form.validate():
        return render_template("backoffice/package_form.html", form=form, editor=None), 422
    try:
        try:
            package = admin.create_package(form.to_data(), by=current_user)
            db.session.commit()
        except IntegrityError:
            # Another package took the address (slug) this one was given, after it was found free (the form sent
            # twice at once, or two staff): nothing of this one was kept; made again, it gets the next free one,
            # as a new product or producer does.
            db.session.rollback()
            package = admin.create_package(form.to_data(), by=current_user)
            db.session.commit()
    except admin.PackageDataInvalid as error:
        db.session.rollback()
        form.add_errors(error.errors)
        return render_template("backoffice/package_form.html", form=form, editor=None), 422
    except IntegrityError:  # taken again at once: the page says so and keeps the form
        db.session.rollback()
        form.form_errors.append(str(CONCURRENT_CREATE))
        return render_template("backoffice/package_form.html", form=form, editor=None), 409
    flash(_("Pakket aangemaakt. Stel het nu samen: zoek producten en voeg ze toe."), "success")
    return redirect(url_for("backoffice.package_edit", package_id=package.id), code=303)


def _render_edit(package_id: int, form: PackageForm | None = None, status: int = 200, **extra):
    editor = get_package_editor(package_id)
    if editor is None:
        abort(404)
    if form is None:
        form = PackageForm()
        form.fill_from(editor.package)
    q = _query_arg("zoek")
    results = search_products_for_package(q) if q else []
    in_package = {view.component.product_id for view in editor.components}
    return render_template(
        "backoffice/package_form.html", form=form, editor=editor, package=editor.package,
        figures=editor.figures, q=q, results=results, in_package=in_package, picker_limit=PICKER_LIMIT,
        action_form=ActionForm(), photo_form=extra.pop("photo_form", None) or PhotoForm(formdata=None),
        percent=percent, thumbnail_key=thumbnail_key, max_upload_mb=round(max_upload_bytes() / (1024 * 1024)),
        **extra,
    ), status


@bp.route("/pakketten/<int:package_id>", methods=["GET", "POST"])
@staff_required
def package_edit(package_id: int):
    package = db.get_or_404(Package, package_id)
    if request.method == "GET":
        return _render_edit(package_id)
    form = PackageForm()
    if not form.validate():
        return _render_edit(package_id, form, 422)
    try:
        admin.update_package(package, form.to_data(), by=current_user)
        db.session.commit()
    except admin.PackageDataInvalid as error:
        db.session.rollback()
        form.add_errors(error.errors)
        return _render_edit(package_id, form, 422)
    flash(_("De gegevens van het pakket zijn bewaard."), "success")
    return redirect(url_for("backoffice.package_edit", package_id=package_id), code=303)


def _back_to(package_id: int, anchor: str = "samenstelling"):
    return redirect(url_for("backoffice.package_edit", package_id=package_id, _anchor=anchor), code=303)


def _run(package_id: int, change, success: str, anchor: str = "samenstelling"):
    """Run one service call, commit, and flash its outcome (or the broken rule)."""
    try:
        result = change()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back_to(package_id, anchor)
    except IntegrityError:
        # Two people changed the composition at the same moment (the same product added twice).
        db.session.rollback()
        flash(str(CONCURRENT_CHANGE), "error")
        return _back_to(package_id, anchor)
    if result is not False:
        flash(success, "success")
    return _back_to(package_id, anchor)


def _form_errors(form) -> str:
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


# --- composition ----------------------------------------------------------------------------------------------


@bp.post("/pakketten/<int:package_id>/producten")
@staff_required
def package_component_add(package_id: int):
    package = db.get_or_404(Package, package_id)
    form = ComponentAddForm()
    if not form.validate():
        flash(_form_errors(form), "error")
        return _back_to(package_id)
    return _run(
        package_id,
        lambda: admin.add_component(package, form.parsed_product_id, form.parsed_quantity, by=current_user),
        _("Product toegevoegd aan het pakket."),
    )


@bp.post("/pakketten/<int:package_id>/producten/<int:product_id>")
@staff_required
def package_component_update(package_id: int, product_id: int):
    package = db.get_or_404(Package, package_id)
    form = ComponentForm()
    if not form.validate():
        flash(_form_errors(form), "error")
        return _back_to(package_id)
    return _run(
        package_id,
        lambda: admin.update_component(package, product_id, form.parsed_quantity, form.parsed_substitute_id,
                                       by=current_user),
        _("Samenstelling bijgewerkt."),
    )


@bp.post("/pakketten/<int:package_id>/producten/<int:product_id>/verwijderen")
@staff_required
def package_component_remove(package_id: int, product_id: int):
    package = db.get_or_404(Package, package_id)
    ActionForm().validate_on_submit() or abort(400)
    return _run(package_id, lambda: admin.remove_component(package, product_id, by=current_user),
                _("Product uit het pakket gehaald."))


@bp.get("/pakketten/producten")
@staff_required
def package_product_search():
    """JSON for the picker: published products matching ``q`` (at most PICKER_LIMIT)."""
    q = _query_arg("q")
    products = search_products_for_package(q)
    return jsonify(
        query=q,
        count=len(products),
        limit=PICKER_LIMIT,
        results=[
            {
                "id": p.id, "name": p.name, "producer": p.producer.name, "unit": p.unit,
                "price": eur(p.price_cents), "price_cents": p.price_cents, "stock": p.stock,
            }
            for p in products
        ],
    )


# --- status and photo -----------------------------------------------------------------------------------------


@bp.post("/pakketten/<int:package_id>/activeren")
@staff_required
def package_activate(package_id: int):
    package = db.get_or_404(Package, package_id)
    ActionForm().validate_on_submit() or abort(400)
    return _run(package_id, lambda: admin.activate_package(package, by=current_user),
                _("Het pakket staat nu in de winkel."), anchor="status")


@bp.post("/pakketten/<int:package_id>/deactiveren")
@staff_required
def package_deactivate(package_id: int):
    package = db.get_or_404(Package, package_id)
    ActionForm().validate_on_submit() or abort(400)
    return _run(package_id, lambda: admin.deactivate_package(package, by=current_user),
                _("Het pakket is uit de winkel gehaald. Bestellingen die al geplaatst zijn, blijven lopen."),
                anchor="status")


@bp.post("/pakketten/<int:package_id>/foto")
@staff_required
def package_photo(package_id: int):
    package = db.get_or_404(Package, package_id)
    form = PhotoForm()
    if not form.validate():
        return _render_edit(package_id, photo_form=form, status=422)
    try:
        previous = admin.set_photo(package, form.photo.data, by=current_user)
        db.session.commit()
    except ImageRejected as error:
        db.session.rollback()
        form.photo.errors = [*form.photo.errors, str(error)]
        return _render_edit(package_id, photo_form=form, status=422)
    if previous and previous != package.image_path:
        delete_stored(previous)
    flash(_("Foto bewaard."), "success")
    return _back_to(package_id, "foto")
