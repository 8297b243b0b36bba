"""Back office: the reports for a period (/beheer/rapporten), each a page and, with ?formaat=csv, a CSV download.

The period comes from the query string (?van=2026-11-01&tot=2026-11-30), last month by default. Every download
is recorded in the audit log (and committed: the download itself changes nothing else).
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.report_forms import ReportPeriodForm
from shop.backoffice.views import bp
from shop.core.audit import record_action
from shop.core.clock import shop_today
from shop.core.downloads import csv_response
from shop.core.query_string import period_from_query
from shop.extensions import db
from shop.reporting import report_csv
from shop.reporting.reports import bestsellers, sales_per_producer, vat_report
from shop.reporting.statements import last_month, month_periods

CSV_FORMAT = "csv"


def _period():
    """(form, start, end): the period asked for, last month by default; (form, None, None) when invalid."""
    return period_from_query(request.args, ReportPeriodForm, last_month(shop_today()))


def _download(data: bytes, slug: str, start, end, action_detail: str) -> Response:
    filename = report_csv.report_filename(slug, start, end)
    record_action("report.download", by=current_user, subject_type="report",
                  detail=f"{action_detail} {start.isoformat()}..{end.isoformat()} ({filename})")
    db.session.commit()
    return csv_response(data, filename)


def _report(template: str, slug: str, build, to_csv, action_detail: str):
    form, start, end = _period()
    if start is None:
        return render_template(template, form=form, report=None), 422
    report = build(start, end)
    if request.args.get("formaat") == CSV_FORMAT:
        return _download(to_csv(report), slug, start, end, action_detail)
    return render_template(template, form=form, report=report)


@bp.route("/rapporten")
@staff_required
def reports():
    form, start, end = _period()
    return render_template("backoffice/report_index.html", form=form, start=start, end=end,
                           months=month_periods(shop_today())), (
        200 if start is not None else 422)


@bp.route("/rapporten/verkoop-per-producent")
@staff_required
def report_sales():
    return _report("backoffice/report_sales.html", "verkoop-per-producent", sales_per_producer,
                   report_csv.sales_csv, "verkoop per producent")


@bp.route("/rapporten/btw")
@staff_required
def report_vat():
    return _report("backoffice/report_vat.html", "btw-per-tarief", vat_report, report_csv.vat_csv, "btw per tarief")


@bp.route("/rapporten/bestsellers")
@staff_required
def report_bestsellers():
    return _report("backoffice/report_bestsellers.html", "bestsellers", bestsellers, report_csv.bestsellers_csv,
                   "bestsellers")
