"""Back office: time slots. Each pickup hour's and delivery day's load (booked / capacity) for two weeks, a slot
closed or opened again, its capacity changed (never below what is booked), the default capacities
(shop.scheduling.services)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.views import bp
from shop.core.clock import shop_today
from shop.core.ids import parse_whole_number
from shop.extensions import db
from shop.scheduling.models import SlotKind
from shop.scheduling.services import (
    MAX_CAPACITY,
    InvalidSlotChange,
    close_slot,
    default_capacity,
    parse_hour,
    reopen_slot,
    set_capacity,
    set_default_capacity,
    slot_load,
    staff_days,
)

DAYS_SHOWN = 14


def _kind(raw) -> SlotKind:
    return SlotKind.DELIVERY if raw == SlotKind.DELIVERY.value else SlotKind.PICKUP


def _first_day(raw) -> date:
    today = shop_today()
    try:
        first = date.fromisoformat(raw) if raw else today
    except ValueError:
        first = today
    return max(first, today)


@bp.route("/tijdsloten")
@staff_required
def slot_list():
    kind = _kind(request.args.get("soort"))
    first = _first_day(request.args.get("vanaf"))
    load = slot_load(kind, staff_days(kind, first, DAYS_SHOWN))
    return render_template(
        "backoffice/slot_list.html", kind=kind, first=first, load=load, SlotKind=SlotKind,
        defaults={k: default_capacity(k) for k in SlotKind}, max_capacity=MAX_CAPACITY,
        next_first=first + timedelta(days=DAYS_SHOWN), previous_first=first - timedelta(days=DAYS_SHOWN),
        today=shop_today(), day_label=lambda d: format_date(d, "EEEE d MMMM"),
    )


def _back(kind: SlotKind, first: str = ""):
    return redirect(url_for("backoffice.slot_list", soort=kind.value, vanaf=first or None), 303)


@bp.post("/tijdsloten/slot")
@staff_required
def slot_change():
    form = request.form
    kind = _kind(form.get("kind"))
    start = parse_hour(form.get("start")) if kind == SlotKind.PICKUP else None
    try:
        day = date.fromisoformat(form.get("day", ""))
    except ValueError:
        flash(_("Dit tijdslot bestaat niet."), "error")
        return _back(kind)
    action = form.get("action")
    try:
        if action == "close":
            close_slot(kind, day, start, by=current_user)
            message = _("Tijdslot gesloten: er kan niets meer in geboekt worden.")
        elif action == "reopen":
            reopen_slot(kind, day, start, by=current_user)
            message = _("Tijdslot weer open.")
        else:
            capacity = parse_whole_number(form.get("capacity"), maximum=MAX_CAPACITY)
            if capacity is None:
                raise InvalidSlotChange(_("De capaciteit moet een geheel getal van 0 tot %(max)s zijn.",
                                          max=MAX_CAPACITY))
            set_capacity(kind, day, start, capacity, by=current_user)
            message = _("Capaciteit aangepast naar %(capacity)s.", capacity=capacity)
    except InvalidSlotChange as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(kind, form.get("first", ""))
    db.session.commit()
    flash(message, "success")
    return _back(kind, form.get("first", ""))


@bp.post("/tijdsloten/standaard")
@staff_required
def slot_defaults():
    kind = _kind(request.form.get("kind"))
    capacity = parse_whole_number(request.form.get("capacity"), maximum=MAX_CAPACITY)
    try:
        if capacity is None:
            raise InvalidSlotChange(_("De capaciteit moet een geheel getal van 0 tot %(max)s zijn.", max=MAX_CAPACITY))
        overbooked = set_default_capacity(kind, capacity, by=current_user)
    except InvalidSlotChange as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(kind)
    db.session.commit()
    flash(_("Standaardcapaciteit aangepast naar %(capacity)s.", capacity=capacity), "success")
    if overbooked:
        flash(_("%(count)s tijdsloten hadden al meer geboekt; hun capaciteit is gelijk aan wat geboekt is.",
                count=overbooked), "info")
    return _back(kind)
