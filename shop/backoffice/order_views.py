"""Back office: the order list (filters, selection, bulk actions) and one order's page with its actions.

Views load, validate, call one service of ``shop.orders.staff_actions``, commit and redirect (303); a
DomainError rolls back and is shown. Every action form carries a CSRF token.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.order_forms import (
    BulkForm,
    CancelForm,
    NoteForm,
    RefundForm,
    ResendForm,
    ShipmentActionForm,
    ShipShipmentForm,
    TransitionForm,
)
from shop.backoffice.views import bp
from shop.core.errors import DomainError
from shop.core.form_fields import select_choices
from shop.core.i18n import eur
from shop.core.ids import parse_id
from shop.core.query_string import page_number
from shop.core.redirects import local_path
from shop.extensions import db
from shop.invoicing.delivery import list_einvoices_of
from shop.invoicing.queries import get_invoice_of
from shop.orders import shipments as shipment_actions
from shop.orders import staff_actions
from shop.orders.lifecycle import ConcurrentChange
from shop.orders.models import DeliveryMethod, OrderStatus, Shipment, ShipmentState
from shop.orders.queries import (
    list_order_shipments,
    order_vat_lines,
    parse_day,
    parse_shipment_state,
    pickup_window,
    pickup_windows,
    with_pickup_hour,
)
from shop.orders.staff_queries import (
    METHOD_LABELS,
    STATUS_LABELS,
    get_order_for_staff,
    list_orders,
    list_producer_choices,
    parse_order_filters,
    user_emails,
)
from shop.payments.services import PaidMeanwhile, end_payment_session, send_requested_refunds

RESEND_LABELS = {
    "order_confirmed": lambda: _("Bevestiging van de bestelling (met factuur)"),
    "order_ready_for_pickup": lambda: _("Ligt klaar om af te halen"),
    "order_shipped": lambda: _("Onderweg (met zendingsnummer)"),
    "order_cancelled": lambda: _("Annulering"),
}


# ---------------------------------------------------------------------------------------------- list

@bp.get("/bestellingen")
@staff_required
def order_list():
    filters = parse_order_filters(request.args)
    page = list_orders(filters)
    filters.page = page.page
    return render_template(
        "backoffice/order_list.html",
        filters=filters, page=page, producers=list_producer_choices(),
        select_all=request.args.get("alles") == "1", bulk_form=BulkForm(),
        statuses=STATUS_LABELS, methods=METHOD_LABELS,
        pickup_windows=pickup_windows(page.orders), with_pickup_hour=with_pickup_hour,
    )


def _back_to_list() -> str:
    target = local_path(request.form.get("terug"))
    list_url = url_for("backoffice.order_list")
    return target if target and target.startswith(list_url) else list_url


@bp.post("/bestellingen/selectie")
@staff_required
def order_bulk():
    """The selected orders (repeated ``order``): to the pick list or packing slips, or into preparation."""
    back = _back_to_list()
    if not BulkForm().validate():
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
        return redirect(back, code=303)
    ids = sorted({key for value in request.form.getlist("order") if (key := parse_id(value)) is not None})
    if not ids:
        flash(_("Kies eerst een of meer bestellingen."), "warning")
        return redirect(back, code=303)
    action = request.form.get("action", "")
    if action in ("pick_list", "packing_slips"):
        return redirect(url_for(f"backoffice.{action}", order=ids), code=303)
    if action != "prepare":
        abort(400)
    result = staff_actions.start_preparation(ids, by=current_user)
    db.session.commit()
    if result.done:
        flash(_("%(count)s bestelling(en) in voorbereiding genomen: %(numbers)s.", count=len(result.done),
                numbers=", ".join(result.done)), "success")
    if result.skipped:
        flash(_("%(count)s overgeslagen: %(details)s.", count=len(result.skipped),
                details="; ".join(f"{number} ({why})" for number, why in result.skipped)), "warning")
    return redirect(back, code=303)


# ---------------------------------------------------------------------------------------------- detail

def _load(order_id: int):
    order = get_order_for_staff(order_id)
    if order is None:
        abort(404)
    return order


def _shipment_page(order, args):
    """An order with several shipments shows them as a table, a page at a time, filtered by state and delivery
    day (``?stand=shipped&dag=2026-12-22&pagina=2``); None for an order with one."""
    if len(order.shipments) <= 1:
        return None
    return list_order_shipments(order.id, state=parse_shipment_state(args.get("stand")), day=parse_day(args.get("dag")),
                                page=page_number(args))


def _with_resend_choices(form: ResendForm, order) -> ResendForm:
    """``form`` offering the customer e-mails of ``order`` that staff may send again, by their labels."""
    form.kind.choices = select_choices((kind, RESEND_LABELS[kind]()) for kind in staff_actions.resendable_emails(order))
    return form


def _render(order, *, failed=None, status: int = 200, shipment_errors=None, **forms):
    """The order page; ``forms`` replaces a default form (one with errors), ``failed`` is that form;
    ``shipment_errors`` maps a shipment's id to the message of its refused ship form."""
    left = staff_actions.refundable_cents(order)
    resend_form = _with_resend_choices(forms.get("resend_form") or ResendForm(formdata=None), order)
    context = dict(
        order=order,
        invoice=get_invoice_of(order),
        shipment=order.shipment,
        pickup_window=pickup_window(order),
        with_pickup_hour=with_pickup_hour,
        vat_lines=order_vat_lines(order),
        transitions_allowed=staff_actions.staff_transitions(order),
        can_cancel=staff_actions.can_cancel_by_staff(order),
        refundable_cents=left,
        refund_users=user_emails(refund.by_user_id for refund in order.refunds),
        ship_form=forms.get("ship_form") or TransitionForm(formdata=None),
        cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
        refund_form=forms.get("refund_form") or RefundForm.fresh(left),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        resend_form=resend_form,
        statuses=STATUS_LABELS, methods=METHOD_LABELS, OrderStatus=OrderStatus, DeliveryMethod=DeliveryMethod,
        shipment_page=_shipment_page(order, request.values), shipment_errors=shipment_errors or {},
        shipment_form=ShipShipmentForm(formdata=None), ShipmentState=ShipmentState,
    )
    if failed is not None:
        context["form"] = failed  # base.html puts "Fout:" in the title
    context["einvoices"] = list_einvoices_of(order)  # templates/backoffice/_einvoices.html
    return render_template("backoffice/order_detail.html", **context), status


def _to_detail(order_id: int, anchor: str | None = None):
    return redirect(url_for("backoffice.order_detail", order_id=order_id, _anchor=anchor), code=303)


def _refused(order_id: int, form, key: str, error: DomainError):
    """Roll back; a stale page is sent back to the order with the message, other errors shown on the form."""
    db.session.rollback()
    if isinstance(error, ConcurrentChange):
        flash(str(error), "error")
        return _to_detail(order_id)
    form.form_errors.append(str(error))
    return _render(_load(order_id), failed=form, status=422, **{key: form})


@bp.get("/bestellingen/<int:order_id>")
@staff_required
def order_detail(order_id: int):
    return _render(_load(order_id))


@bp.post("/bestellingen/<int:order_id>/status")
@staff_required
def order_transition(order_id: int):
    order = _load(order_id)
    form = TransitionForm()
    if not form.validate():
        if "tracking_reference" in form.errors and form.to_status.data == OrderStatus.SHIPPED.value:
            return _render(order, failed=form, status=422, ship_form=form)
        flash(_("Het formulier is ongeldig of verlopen. Probeer het opnieuw."), "error")
        return _to_detail(order_id)
    try:
        staff_actions.staff_transition(order, form.to_status.data, expected_status=form.expected_status.data,
                                       by=current_user, tracking_reference=form.tracking_reference.data or "")
    except DomainError as error:
        if isinstance(error, staff_actions.TrackingReferenceRequired):
            return _refused(order_id, form, "ship_form", error)
        db.session.rollback()
        flash(str(error), "error")
        return _to_detail(order_id)
    db.session.commit()
    flash(_("Bestelling %(number)s: %(status)s.", number=order.number, status=STATUS_LABELS[order.status]), "success")
    return _to_detail(order_id)


@bp.post("/bestellingen/<int:order_id>/annuleren")
@staff_required
def order_cancel(order_id: int):
    order = _load(order_id)
    form = CancelForm()
    if not form.validate():
        return _render(order, failed=form, status=422, cancel_form=form)
    try:
        staff_actions.check_cancel_by_staff(order, reason=form.reason.data, expected_status=form.expected_status.data)
        # Nothing is written yet: the provider ends the session first, so a cancelled order can never be paid.
        end_payment_session(order)
        result = staff_actions.cancel_by_staff(order, reason=form.reason.data, expected_status=form.expected_status.data,
                                               by=current_user, session_ended=True)
    except PaidMeanwhile as error:
        db.session.commit()  # the payment that came in is recorded
        flash(str(error), "warning")
        return _to_detail(order_id)
    except DomainError as error:
        return _refused(order_id, form, "cancel_form", error)
    db.session.commit()
    for problem in send_requested_refunds(order):
        flash(problem, "warning")
    if result.refund is not None:
        flash(_("Bestelling %(number)s is geannuleerd; %(amount)s wordt terugbetaald. De klant kreeg een e-mail.",
                number=order.number, amount=eur(result.refund.amount_cents)), "success")
    else:
        flash(_("Bestelling %(number)s is geannuleerd. De klant kreeg een e-mail.", number=order.number), "success")
    return _to_detail(order_id)


@bp.post("/bestellingen/<int:order_id>/terugbetalen")
@staff_required
def order_refund(order_id: int):
    order = _load(order_id)
    form = RefundForm()
    if not form.validate():
        return _render(order, failed=form, status=422, refund_form=form)
    try:
        refund = staff_actions.refund_by_staff(order, form.amount_cents, reason=form.reason.data,
                                               request_key=form.request_key.data, by=current_user)
    except staff_actions.RefundAlreadyDone as error:
        db.session.rollback()
        flash(str(error), "info")
        return _to_detail(order_id, "betaling")
    except DomainError as error:
        return _refused(order_id, form, "refund_form", error)
    db.session.commit()
    problems = send_requested_refunds(order)
    for problem in problems:
        flash(problem, "warning")
    if not problems:
        flash(_("%(amount)s terugbetaald. De klant kreeg een e-mail.", amount=eur(refund.amount_cents)), "success")
    return _to_detail(order_id, "betaling")


@bp.post("/bestellingen/<int:order_id>/notities")
@staff_required
def order_note(order_id: int):
    order = _load(order_id)
    form = NoteForm()
    if not form.validate():
        return _render(order, failed=form, status=422, note_form=form)
    try:
        staff_actions.add_note(order, form.body.data, by=current_user)
    except DomainError as error:
        return _refused(order_id, form, "note_form", error)
    db.session.commit()
    flash(_("Notitie bewaard."), "success")
    return _to_detail(order_id, "notities")


@bp.post("/bestellingen/<int:order_id>/mail-opnieuw")
@staff_required
def order_resend(order_id: int):
    order = _load(order_id)
    form = _with_resend_choices(ResendForm(), order)
    if not form.validate():
        return _render(order, failed=form, status=422, resend_form=form)
    try:
        staff_actions.resend_customer_email(order, form.kind.data, by=current_user)
    except DomainError as error:
        return _refused(order_id, form, "resend_form", error)
    db.session.commit()
    flash(_("De e-mail „%(mail)s” wordt opnieuw naar %(email)s gestuurd.", mail=RESEND_LABELS[form.kind.data](),
            email=order.email), "success")
    return _to_detail(order_id, "e-mail")


# ---------------------------------------------------------------------------------------------- shipments

def _load_shipment(order_id: int, shipment_id: int):
    order = _load(order_id)
    shipment = next((s for s in order.shipments if s.id == shipment_id), None)
    if shipment is None:
        abort(404)
    return order, shipment


def _to_shipments(order_id: int, shipment: Shipment):
    """Back to the shipments table as it was shown (its state filter and page), at the shipment's row."""
    state = parse_shipment_state(request.form.get("stand"))
    args = {"stand": state.value} if state is not None else {}
    day = parse_day(request.form.get("dag"))
    if day is not None:
        args["dag"] = day.isoformat()
    page = page_number(request.form)
    if page > 1:
        args["pagina"] = page
    return redirect(url_for("backoffice.order_detail", order_id=order_id, _anchor=f"pakket-{shipment.id}", **args),
                    code=303)


@bp.post("/bestellingen/<int:order_id>/pakketten/<int:shipment_id>/verzonden")
@staff_required
def shipment_ship(order_id: int, shipment_id: int):
    """Mark one shipment shipped with its tracking reference (shop.orders.shipments.ship_shipment)."""
    order, shipment = _load_shipment(order_id, shipment_id)
    form = ShipShipmentForm()
    if not form.validate():
        flash(_("Het formulier is ongeldig of verlopen. Probeer het opnieuw."), "error")
        return _to_shipments(order_id, shipment)
    try:
        result = shipment_actions.ship_shipment(shipment, form.tracking_reference.data, by=current_user)
    except DomainError as error:
        db.session.rollback()
        order, shipment = _load_shipment(order_id, shipment_id)
        return _render(order, status=422, shipment_errors={shipment.id: str(error)})
    db.session.commit()
    recipient = shipment.recipient_name or order.name
    if result.already:
        flash(_("Het pakket voor %(recipient)s was al verzonden (zendingsnummer %(reference)s); er is niets "
                "opnieuw verzonden of gemaild.", recipient=recipient, reference=shipment.tracking_reference), "info")
    else:
        flash(_("Het pakket voor %(recipient)s is verzonden.", recipient=recipient), "success")
    if result.order_moved_to == OrderStatus.SHIPPED:
        flash(_("Alle pakketten zijn verzonden: bestelling %(number)s is verzonden.", number=order.number), "success")
    return _to_shipments(order_id, shipment)


@bp.post("/bestellingen/<int:order_id>/pakketten/<int:shipment_id>/geleverd")
@staff_required
def shipment_deliver(order_id: int, shipment_id: int):
    """Mark one shipped shipment delivered (shop.orders.shipments.deliver_shipment)."""
    order, shipment = _load_shipment(order_id, shipment_id)
    if not ShipmentActionForm().validate():
        flash(_("Het formulier is ongeldig of verlopen. Probeer het opnieuw."), "error")
        return _to_shipments(order_id, shipment)
    try:
        result = shipment_actions.deliver_shipment(shipment, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_shipments(order_id, shipment)
    db.session.commit()
    recipient = shipment.recipient_name or order.name
    if result.already:
        flash(_("Het pakket voor %(recipient)s was al geleverd.", recipient=recipient), "info")
    else:
        flash(_("Het pakket voor %(recipient)s is geleverd.", recipient=recipient), "success")
    if result.order_moved_to == OrderStatus.COMPLETED:
        flash(_("Alle pakketten zijn geleverd: bestelling %(number)s is afgerond.", number=order.number), "success")
    return _to_shipments(order_id, shipment)
