"""Back office: shortages. Staff see the reported shortages, substitute the missing units or refund them, and
report a shortage they find while picking. The rules live in shop.supply.shortage_resolution."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shop.accounts.auth import staff_required
from shop.backoffice.shortage_forms import RefundMissingForm, StaffShortageForm, SubstituteForm
from shop.backoffice.views import bp
from shop.catalog.models import Product
from shop.core.errors import DomainError
from shop.core.i18n import eur
from shop.core.ids import parse_id
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments.services import send_requested_refunds
from shop.supply.models import ShortageStatus
from shop.supply.needs import OPEN_STATUSES
from shop.supply.shortage_resolution import (
    AlreadyResolved,
    get_order_for_staff_report,
    get_shortage_detail,
    list_shortages_for_staff,
    refund_missing,
    report_shortage_by_staff,
    reportable_items,
    substitute,
    substitution_options,
)

SHORTAGE_STATUS_LABELS = {status: status.label for status in ShortageStatus}

ORDER_STATUS_LABELS = {status: str(status.label).lower() for status in OrderStatus}


def _common() -> dict:
    return dict(shortage_labels=SHORTAGE_STATUS_LABELS, order_labels=ORDER_STATUS_LABELS)


@bp.route("/tekorten")
@staff_required
def shortage_list():
    open_rows, resolved_rows = list_shortages_for_staff()
    return render_template("backoffice/shortage_list.html", open_rows=open_rows, resolved_rows=resolved_rows,
                           **_common())


def _detail_or_404(report_id: int):
    detail = get_shortage_detail(report_id)
    if detail is None:
        abort(404)
    return detail


def _detail_page(detail, *, q: str = "", substitute_form=None, refund_form=None, failed=None, status: int = 200):
    options = substitution_options(detail.report, q) if detail.can_substitute else None
    substitute_form = substitute_form or SubstituteForm(formdata=None, q=q)
    refund_form = refund_form or RefundMissingForm(formdata=None)
    context = dict(detail=detail, options=options, q=q, substitute_form=substitute_form, refund_form=refund_form,
                   **_common())
    if failed is not None:
        context["form"] = failed  # base.html: "Fout:" in the title
    return render_template("backoffice/shortage_detail.html", **context), status


@bp.route("/tekorten/<int:report_id>")
@staff_required
def shortage_detail(report_id: int):
    detail = _detail_or_404(report_id)
    return _detail_page(detail, q=(request.args.get("q") or "").strip()[:100])


def _status_for(error: DomainError) -> int:
    return 409 if isinstance(error, AlreadyResolved) else 422


@bp.route("/tekorten/<int:report_id>/vervangen", methods=["POST"])
@staff_required
def shortage_substitute(report_id: int):
    detail = _detail_or_404(report_id)
    form = SubstituteForm()
    q = (form.q.data or "").strip()[:100]
    if not form.validate():
        return _detail_page(detail, q=q, substitute_form=form, failed=form, status=422)
    product = db.session.get(Product, form.product_id.data)
    if product is None:
        form.product_id.errors = [_("Dit product bestaat niet (meer). Kies een ander.")]
        return _detail_page(detail, q=q, substitute_form=form, failed=form, status=422)
    try:
        substitute(detail.report, product, by=current_user, note=form.note.data or "")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _detail_page(_detail_or_404(report_id), q=q, substitute_form=form, failed=form,
                            status=_status_for(error))
    flash(_("%(units)s × %(missing)s vervangen door %(substitute)s. De klant krijgt een e-mail.",
            units=detail.report.quantity, missing=detail.missing_name, substitute=product.name), "success")
    return redirect(url_for("backoffice.shortage_detail", report_id=report_id), 303)


@bp.route("/tekorten/<int:report_id>/terugbetalen", methods=["POST"])
@staff_required
def shortage_refund(report_id: int):
    detail = _detail_or_404(report_id)
    form = RefundMissingForm()
    if not form.validate():
        return _detail_page(detail, refund_form=form, failed=form, status=422)
    try:
        report = refund_missing(detail.report, by=current_user, note=form.note.data or "")
        amount = report.value_cents
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _detail_page(_detail_or_404(report_id), refund_form=form, failed=form, status=_status_for(error))
    problems = send_requested_refunds(report.refund.order)
    for problem in problems:
        flash(problem, "warning")
    if problems:
        return redirect(url_for("backoffice.shortage_detail", report_id=report_id), 303)
    flash(_("%(amount)s terugbetaald voor %(units)s × %(missing)s. De klant krijgt een e-mail.",
            amount=eur(amount), units=detail.report.quantity, missing=detail.missing_name), "success")
    return redirect(url_for("backoffice.shortage_detail", report_id=report_id), 303)


@bp.route("/tekorten/nieuw", methods=["GET", "POST"])
@staff_required
def shortage_new():
    """A shortage found while picking: choose the order (by number), then the product, the units and a note."""
    order_id = parse_id(request.args.get("order"))
    if order_id is None:
        number = (request.args.get("nummer") or "").strip().upper()[:20]
        if number:
            found = db.session.scalar(select(Order.id).where(Order.number == number))
            if found is not None:
                return redirect(url_for("backoffice.shortage_new", order=found), 303)
            return render_template("backoffice/shortage_new.html", order=None, number=number,
                                   not_found=True, **_common()), 404
        return render_template("backoffice/shortage_new.html", order=None, number="", not_found=False, **_common())
    order = get_order_for_staff_report(order_id)
    if order is None:
        abort(404)
    items = reportable_items(order)
    form = StaffShortageForm()
    form.set_items(items)
    is_open = order.status in OPEN_STATUSES

    def page(status: int = 200, failed: bool = False):
        context = dict(order=order, shortage_form=form, is_open=is_open, **_common())
        if failed:
            context["form"] = form
        return render_template("backoffice/shortage_new.html", **context), status

    if not form.is_submitted():
        return page()
    if not form.validate():
        return page(422, failed=True)
    line_id, product_id = form.chosen()
    line = next((line for line in order.lines if line.id == line_id), None)
    product = db.session.get(Product, product_id)
    if line is None or product is None:
        form.item.errors = [_("Kies het product dat ontbreekt.")]
        return page(422, failed=True)
    try:
        report = report_shortage_by_staff(line, product, form.quantity.data, form.note.data or "", by=current_user)
        report_id = report.id
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        order = get_order_for_staff_report(order_id)
        form.form_errors.append(str(error))
        return page(422, failed=True)
    flash(_("Tekort gemeld: %(units)s × %(name)s in bestelling %(number)s. Kies nu een vervanging of betaal terug.",
            units=form.quantity.data, name=product.name, number=order.number), "success")
    return redirect(url_for("backoffice.shortage_detail", report_id=report_id), 303)

