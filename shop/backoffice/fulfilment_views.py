"""Back office: fulfilment documents (pick list, packing slips, gift cards, purchase lists), on screen and as PDF.

The pick list and packing slips take a day (``?dag=2026-12-22``, orders whose shipment is scheduled that day)
or a selection of orders (``?order=12&order=15``); without either, today. Only orders to fulfil (paid, in
preparation) are picked; packing slips and gift cards may be printed for every paid order (also ready,
shipped or completed ones: a slip printed again). Bad parameters answer 422 with the message, ids that do
not exist are named on the page (404 when none exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.fulfilment_forms import PeriodForm, SelectionForm, SendPurchaseListForm
from shop.backoffice.views import bp
from shop.catalog.models import Producer
from shop.core.clock import shop_today
from shop.core.downloads import pdf_response
from shop.core.query_string import period_from_query
from shop.core.settings import get_settings
from shop.extensions import db
from shop.fulfilment.documents import build_packing_slips, build_pick_list
from shop.fulfilment.pdf import render_gift_cards_pdf, render_packing_slips_pdf, render_pick_list_pdf, status_label
from shop.orders.queries import FULFIL_STATUSES, SLIP_STATUSES, get_order, get_selection, list_orders_for_day
from shop.supply.purchase_list_pdf import render_purchase_list_pdf
from shop.supply.purchase_lists import (
    PurchaseListError,
    build_purchase_list,
    build_purchase_lists,
    default_period,
    producers_with_recipients,
    send_purchase_list,
    sent_counts,
    times_sent,
)


@dataclass
class _Target:
    """What a pick list or packing-slip page is about: a day or a selection, and the orders found."""

    form: SelectionForm
    valid: bool = True
    day: date | None = None
    orders: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    unknown_ids: list[int] = field(default_factory=list)

    @property
    def is_selection(self) -> bool:
        return self.day is None

    @property
    def heading(self) -> str:
        if self.day is not None:
            return format_date(self.day, "EEEE d MMMM yyyy")
        return ngettext("selectie van %(num)d bestelling", "selectie van %(num)d bestellingen", len(self.orders))

    @property
    def status(self) -> int:
        if not self.valid:
            return 422
        if self.is_selection and not self.orders and not self.skipped and self.unknown_ids:
            return 404
        return 200

    def query(self) -> dict:
        """The query string that asks for the same orders (for the PDF and packing-slip links)."""
        if self.day is not None:
            return {"dag": self.day.isoformat()}
        return {"order": [order.id for order in self.orders]}


def _target(statuses) -> _Target:
    form = SelectionForm(request.args)
    if not form.validate():
        return _Target(form, valid=False)
    if form.order_ids:
        selection = get_selection(form.order_ids, statuses)
        return _Target(form, orders=selection.orders, skipped=selection.skipped, unknown_ids=selection.unknown_ids)
    day = form.dag.data or shop_today()
    form.dag.data = day
    return _Target(form, day=day, orders=list_orders_for_day(day, statuses))


def _context() -> dict:
    return dict(status_label=status_label, settings=get_settings(), timedelta=timedelta)


# --- pick list -----------------------------------------------------------------------------------------------


@bp.route("/picklijst")
@staff_required
def pick_list():
    target = _target(FULFIL_STATUSES)
    pick = build_pick_list(target.orders, day=target.day) if target.valid else None
    return render_template("backoffice/pick_list.html", target=target, form=target.form, pick=pick,
                           **_context()), target.status


@bp.route("/picklijst/pdf")
@staff_required
def pick_list_pdf():
    target = _target(FULFIL_STATUSES)
    if target.status != 200:
        return render_template("backoffice/pick_list.html", target=target, form=target.form, pick=None,
                               **_context()), target.status
    data = render_pick_list_pdf(build_pick_list(target.orders, day=target.day), target.heading)
    name = target.day.isoformat() if target.day else "selectie"
    return pdf_response(data, f"picklijst-{name}.pdf")


# --- packing slips and gift cards ------------------------------------------------------------------------------


def _slips(target: _Target) -> list:
    """A day's slips: the shipments of that day still to prepare; a selection's: every shipment."""
    if target.day is not None:
        return build_packing_slips(target.orders, day=target.day, to_prepare=True)
    return build_packing_slips(target.orders)


def _render_slips(target: _Target, single: bool = False):
    slips = _slips(target) if target.valid else []
    return render_template("backoffice/packing_slips.html", target=target, form=target.form, slips=slips,
                           single=single, **_context()), target.status


@bp.route("/pakbonnen")
@staff_required
def packing_slips():
    # A day's slips are for the orders still to fulfil; a selection may also reprint later ones.
    form = SelectionForm(request.args)
    statuses = SLIP_STATUSES if form.validate() and form.order_ids else FULFIL_STATUSES
    return _render_slips(_target(statuses))


@bp.route("/pakbonnen/pdf")
@staff_required
def packing_slips_pdf():
    form = SelectionForm(request.args)
    statuses = SLIP_STATUSES if form.validate() and form.order_ids else FULFIL_STATUSES
    target = _target(statuses)
    if target.status != 200:
        return _render_slips(target)
    slips = _slips(target)
    name = target.day.isoformat() if target.day else (
        target.orders[0].number if len(target.orders) == 1 else "selectie")
    return pdf_response(render_packing_slips_pdf(slips), f"pakbon-{name}.pdf")


@bp.route("/bestellingen/<int:order_id>/pakbon")
@staff_required
def packing_slip(order_id: int):
    order = get_order(order_id)
    if order is None:
        abort(404)
    selection = get_selection([order_id], SLIP_STATUSES)
    target = _Target(SelectionForm(), orders=selection.orders, skipped=selection.skipped)
    return _render_slips(target, single=True)


def _order_slips(order_id: int, *, gifts: bool = False):
    """(order, slips): one slip per shipment of a paid order, only the gifts' with ``gifts``, only those of the
    day ``?dag=`` when asked. 404 for an unknown or unpaid order, or (``gifts``) an order with no gift; 422 for
    a bad day."""
    order = get_order(order_id)
    if order is None or order.status not in SLIP_STATUSES:
        abort(404)
    form = SelectionForm(request.args)
    if not form.validate():
        abort(422)
    slips = build_packing_slips([order], day=form.dag.data)
    if gifts:
        slips = [slip for slip in slips if slip.is_gift]
        if not slips:
            abort(404)
    return order, slips


@bp.route("/bestellingen/<int:order_id>/wenskaart")
@staff_required
def gift_card(order_id: int):
    """Every gift card of the order on screen (one per shipment that is a gift)."""
    _order, slips = _order_slips(order_id, gifts=True)
    return render_template("backoffice/gift_cards.html", slips=slips, **_context())


@bp.route("/bestellingen/<int:order_id>/wenskaart/pdf")
@bp.route("/bestellingen/<int:order_id>/wenskaarten/pdf")
@staff_required
def gift_card_pdf(order_id: int):
    """ALL gift cards of the order in one PDF, one A6 page per card (``?dag=`` for one delivery day's)."""
    order, slips = _order_slips(order_id, gifts=True)
    name = order.number if len(slips) == 1 else f"{order.number}-{len(slips)}"
    return pdf_response(render_gift_cards_pdf(slips), f"wenskaarten-{name}.pdf")


@bp.route("/bestellingen/<int:order_id>/pakbonnen/pdf")
@staff_required
def order_packing_slips_pdf(order_id: int):
    """ALL packing slips of the order in one PDF, one page per shipment (``?dag=`` for one delivery day's)."""
    order, slips = _order_slips(order_id)
    return pdf_response(render_packing_slips_pdf(slips), f"pakbonnen-{order.number}.pdf")


# --- purchase lists ---------------------------------------------------------------------------------------------


def _period() -> tuple[PeriodForm, date | None, date | None]:
    """(form, start, end): the period asked for, the coming seven days by default; (form, None, None) if invalid."""
    return period_from_query(request.args, PeriodForm, default_period(shop_today()))


@bp.route("/inkooplijsten")
@staff_required
def purchase_lists():
    form, start, end = _period()
    if start is None:
        return render_template("backoffice/purchase_list_index.html", form=form, lists=None, **_context()), 422
    lists = build_purchase_lists(start, end)
    producers = [purchase.producer for purchase in lists]
    return render_template(
        "backoffice/purchase_list_index.html", form=form, lists=lists, start=start, end=end,
        sent=sent_counts([p.id for p in producers], start, end), reachable=producers_with_recipients(producers),
        **_context())


def _purchase_list_refused(form: PeriodForm, producer: Producer):
    """The producer's purchase list page with the period form's errors (for the page and for its PDF)."""
    return render_template("backoffice/purchase_list.html", form=form, producer=producer, purchase=None,
                           **_context()), 422


@bp.route("/inkooplijsten/<int:producer_id>")
@staff_required
def purchase_list(producer_id: int):
    producer = db.get_or_404(Producer, producer_id)
    form, start, end = _period()
    if start is None:
        return _purchase_list_refused(form, producer)
    purchase = build_purchase_list(producer, start, end)
    count = times_sent(producer.id, start, end)
    send_form = SendPurchaseListForm(formdata=None, data={"van": start, "tot": end, "verstuurd": count})
    return render_template(
        "backoffice/purchase_list.html", form=form, producer=producer, purchase=purchase, start=start, end=end,
        times_sent=count, send_form=send_form, reachable=producers_with_recipients([producer]), **_context())


@bp.route("/inkooplijsten/<int:producer_id>/pdf")
@staff_required
def purchase_list_pdf(producer_id: int):
    producer = db.get_or_404(Producer, producer_id)
    form, start, end = _period()
    if start is None:
        return _purchase_list_refused(form, producer)
    data = render_purchase_list_pdf(build_purchase_list(producer, start, end))
    return pdf_response(data, f"inkooplijst-{producer.slug}-{start.isoformat()}-{end.isoformat()}.pdf")


@bp.route("/inkooplijsten/<int:producer_id>/versturen", methods=["POST"])
@staff_required
def purchase_list_send(producer_id: int):
    producer = db.get_or_404(Producer, producer_id)
    form = SendPurchaseListForm()
    if not form.validate():
        messages = [message for errors in form.errors.values() for message in errors]
        flash(" ".join(str(m) for m in messages) or _("Het formulier is verlopen; probeer opnieuw."), "error")
        return redirect(url_for("backoffice.purchase_lists"), 303)
    start, end = form.van.data, form.tot.data
    back = url_for("backoffice.purchase_list", producer_id=producer.id, van=start.isoformat(), tot=end.isoformat())
    try:
        result = send_purchase_list(producer, start, end, seen_count=form.verstuurd.data, by=current_user)
        db.session.commit()
    except PurchaseListError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back, 303)
    flash(_("De inkooplijst van %(producer)s is verstuurd naar %(addresses)s (verzending %(number)s).",
            producer=producer.name, addresses=", ".join(result.addresses), number=result.number), "success")
    return redirect(back, 303)
