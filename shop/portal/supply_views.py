"""Portal supply pages: the quick-edit table and the CSV export and import (with a preview to confirm).

Views only: the rules and the writes are in shop.listings.product_csv (``apply_supply_changes``).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from shop.accounts.auth import producer_required
from shop.core.clock import shop_today
from shop.core.downloads import csv_response
from shop.core.errors import DomainError
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import StockChanged
from shop.listings.product_csv import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    STATUS_LABELS,
    apply_supply_changes,
    check_supply_rows,
    describe_value,
    diff_changes,
    export_products_csv,
    list_supply_products,
    read_supply_csv,
)
from shop.portal.supply_forms import CsvConfirmForm, CsvUploadForm, QuickEditForm
from shop.portal.views import bp

FIELD_LABELS = {"stock": "voorraad", "price": "prijs", "available": "beschikbaar"}


def _changed_message(diffs) -> str:
    names = ", ".join(diff.product.name for diff in diffs[:5]) + (" …" if len(diffs) > 5 else "")
    return ngettext("%(num)d product aangepast: %(names)s.", "%(num)d producten aangepast: %(names)s.",
                    len(diffs), names=names)


# --- quick edit ------------------------------------------------------------------------------------------------


def _quick_edit_page(form, status=200):
    return render_template("portal/quick_edit.html", form=form, status_labels=STATUS_LABELS), status


@bp.route("/snel", methods=["GET", "POST"])
@producer_required
def quick_edit():
    producer_id = current_user.producer_id
    products = list_supply_products(producer_id)
    form = QuickEditForm(products)
    if not form.is_submitted():
        return _quick_edit_page(form)
    if not form.validate():
        return _quick_edit_page(form, 422)
    try:
        diffs = apply_supply_changes(producer_id, form.changes(), by=current_user, reason=MovementReason.PRODUCER_EDIT)
        db.session.commit()
    except StockChanged as error:
        db.session.rollback()
        form.general_errors.append(str(error))
        form.expect_current_stock()
        return _quick_edit_page(form, 409)
    except DomainError as error:
        db.session.rollback()
        form.general_errors.append(str(error))
        return _quick_edit_page(form, 422)
    if diffs:
        flash(_changed_message(diffs), "success")
    else:
        flash(_("Er is niets gewijzigd."), "info")
    return redirect(url_for("portal.quick_edit"), 303)


# --- CSV -------------------------------------------------------------------------------------------------------


def _csv_page(upload_form, status=200, **context):
    return render_template(
        "portal/csv.html", form=upload_form, max_kb=MAX_CSV_BYTES // 1024, max_rows=MAX_CSV_ROWS,
        field_labels=FIELD_LABELS, describe_value=describe_value, **context,
    ), status


@bp.route("/csv/export")
@producer_required
def csv_export():
    data = export_products_csv(list_supply_products(current_user.producer_id))
    filename = f"producten-{shop_today().isoformat()}.csv"
    return csv_response(data, filename)


@bp.route("/csv", methods=["GET", "POST"])
@producer_required
def csv():
    """Upload: the whole file is checked; without errors, a preview of the changes to confirm."""
    form = CsvUploadForm()
    if not form.is_submitted():
        return _csv_page(form)
    if not form.validate():
        return _csv_page(form, 422)
    data = form.file.data.stream.read(MAX_CSV_BYTES + 1)
    parsed = read_supply_csv(data)
    products = {product.id: product for product in list_supply_products(current_user.producer_id)}
    changes, errors = check_supply_rows(parsed, products)
    if errors:
        form.file.errors = [_("Verbeter de fouten in het bestand en laad het opnieuw op.")]
        return _csv_page(form, 422, csv_errors=errors, filename=form.file.data.filename)
    for change in changes:
        change.expected_stock = products[change.product_id].stock
    diffs = diff_changes(products, changes)
    confirm = CsvConfirmForm(formdata=None, changes=CsvConfirmForm.encode(changes))
    return _csv_page(form, diffs=diffs, confirm_form=confirm, filename=form.file.data.filename,
                     unchanged=len(changes) - len(diffs))


@bp.route("/csv/bevestigen", methods=["POST"])
@producer_required
def csv_confirm():
    confirm = CsvConfirmForm()
    changes = confirm.parsed_changes() if confirm.validate() else None
    if changes is None:
        flash(_("De import is verlopen of onvolledig. Laad het bestand opnieuw op."), "error")
        return redirect(url_for("portal.csv"), 303)
    try:
        diffs = apply_supply_changes(current_user.producer_id, changes, by=current_user,
                                     reason=MovementReason.CSV_IMPORT)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(_("Er is niets geïmporteerd: %(error)s Laad het bestand opnieuw op.", error=str(error)), "error")
        return redirect(url_for("portal.csv"), 303)
    if diffs:
        flash(_changed_message(diffs), "success")
    else:
        flash(_("Er is niets gewijzigd."), "info")
    return redirect(url_for("portal.csv"), 303)
