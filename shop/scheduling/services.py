"""Slots with a capacity: what has room, taking units for an order, freeing them exactly once, staff changes.

The API other domains use:

- ``pickup_slots(days, now=...)`` and ``delivery_slots(days)``: the state of each slot (capacity, booked, room,
  closed) for showing a choice; slots without a row show their kind's default capacity and nothing booked.
- ``take_slots(order_id, [SlotRequest(...), ...], now=...)``: in the caller's transaction (placing an order),
  after its stock was taken (one lock order for every placer: stock, then slots in (kind, day, start) order).
  Each request holds ``units`` of one slot (one order for a pickup hour; one parcel per shipment for a delivery
  day), optionally for one shipment. Raises SlotUnavailable or SlotFull; the caller rolls back.
- ``release_slots(order_id)``: frees every booking of the order that is still held, each exactly once
  (called by the order lifecycle when an order is cancelled: expired, failed, abandoned, staff).
- ``pickup_hours_of(order_ids)``: each order's held pickup hour (day, start, end), one query for a page.
- Staff: ``set_capacity``, ``close_slot``, ``reopen_slot``, ``set_default_capacity`` and ``slot_load``.

Taking is a conditional ``UPDATE slots SET booked = booked + n WHERE id = :id AND NOT closed AND
booked + n <= capacity`` with its rowcount checked, so concurrent checkouts never exceed a capacity, on SQLite
and PostgreSQL alike. A slot's row is made the first time it is needed (insert if missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, update

from shop.core.audit import record_action
from shop.core.clock import shop_now
from shop.core.db import utcnow
from shop.core.errors import DomainError
from shop.core.settings import ShopSettings, get_settings
from shop.extensions import db
from shop.scheduling.days import delivery_days, pickup_days
from shop.scheduling.models import WHOLE_DAY, Slot, SlotBooking, SlotDefault, SlotKind
from shop.scheduling.slots import as_local, local_instant, pickup_hours

MAX_CAPACITY = 9999


class SlotError(DomainError):
    """A slot cannot be taken; ``kind``, ``day`` and ``start`` name it."""

    def __init__(self, message, *, kind: SlotKind, day: date, start: time | None = None, **params):
        super().__init__(message, **params)
        self.kind, self.day, self.start = kind, day, start


class SlotUnavailable(SlotError):
    """The slot is not offered (not an opening or delivery day, past the lead time, not an opening hour)."""


class SlotFull(SlotError):
    """The slot has no room left for the units asked (or staff closed it)."""


class InvalidSlotChange(DomainError):
    """A staff change that is refused (a capacity below what is booked, a capacity out of range, no such slot)."""


@dataclass(frozen=True)
class SlotState:
    """A slot as shown: its row's figures, or its kind's defaults when it has no row yet."""

    kind: SlotKind
    day: date
    start: time
    end: time | None
    capacity: int
    booked: int = 0
    closed: bool = False
    capacity_set: bool = False

    @property
    def room(self) -> int:
        return 0 if self.closed else max(self.capacity - self.booked, 0)

    @property
    def is_full(self) -> bool:
        return self.room < 1

    @property
    def key(self) -> str:
        """The pickup hour as a form value ("10:00")."""
        return self.start.strftime("%H:%M")


@dataclass(frozen=True)
class SlotRequest:
    """Units of one slot for an order: ``start`` is the pickup hour (None for a delivery day)."""

    kind: SlotKind
    day: date
    start: time | None = None
    units: int = 1
    shipment_id: int | None = None


def parse_hour(text: str | None) -> time | None:
    """"10:00" → time(10, 0); None for anything else."""
    try:
        return time.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- reading ---------------------------------------------------------------------------------------------------

def default_capacity(kind: SlotKind, settings: ShopSettings | None = None) -> int:
    """The capacity of a slot of ``kind`` that staff did not set: staff's default, else the shop settings'."""
    stored = db.session.scalar(select(SlotDefault.capacity).where(SlotDefault.kind == kind))
    if stored is not None:
        return stored
    settings = settings or get_settings()
    return settings.pickup_slot_capacity if kind == SlotKind.PICKUP else settings.delivery_day_capacity


def _rows(kind: SlotKind, days: Sequence[date]) -> dict[tuple[date, time], Slot]:
    if not days:
        return {}
    rows = db.session.scalars(
        select(Slot).where(Slot.kind == kind, Slot.day >= min(days), Slot.day <= max(days))
    ).all()
    return {(row.day, row.start_time): row for row in rows}


def _state(kind, day, start, end, row: Slot | None, default: int) -> SlotState:
    if row is None:
        return SlotState(kind, day, start, end, default)
    return SlotState(kind, day, start, end, row.capacity, row.booked, row.closed, row.capacity_set)


def pickup_slots(days: Sequence[date], now: datetime | None = None,
                 settings: ShopSettings | None = None) -> dict[date, list[SlotState]]:
    """Each day's pickup hours with their state, in order; an hour that has already begun at ``now`` is left out.

    Two queries whatever the number of days.
    """
    settings = settings or get_settings()
    now = now or shop_now()
    now = as_local(now)
    rows = _rows(SlotKind.PICKUP, days)
    default = default_capacity(SlotKind.PICKUP, settings)
    return {
        day: [
            _state(SlotKind.PICKUP, day, start, end, rows.get((day, start)), default)
            for start, end in pickup_hours(day, settings)
            if local_instant(day, start) > now
        ]
        for day in days
    }


def delivery_slots(days: Sequence[date], settings: ShopSettings | None = None) -> list[SlotState]:
    """Each delivery day's state, in order (two queries)."""
    rows = _rows(SlotKind.DELIVERY, days)
    default = default_capacity(SlotKind.DELIVERY, settings)
    return [_state(SlotKind.DELIVERY, day, WHOLE_DAY, None, rows.get((day, WHOLE_DAY)), default) for day in days]


def first_pickup_hour_with_room(day: date, units: int = 1, now: datetime | None = None) -> time | None:
    """The first pickup hour of ``day`` with room for ``units`` orders, or None when the day is full."""
    return next((slot.start for slot in pickup_slots([day], now)[day] if slot.room >= units), None)


def first_delivery_day_with_room(days: Iterable[date], units: int = 1) -> date | None:
    """The first of ``days`` on which the courier has room for ``units`` parcels, or None."""
    return next((slot.day for slot in delivery_slots(list(days)) if slot.room >= units), None)


# --- taking and freeing ----------------------------------------------------------------------------------------

def _insert_if_missing(kind: SlotKind, day: date, start: time, end: time | None) -> None:
    """Make the slot's row with its kind's default capacity unless it exists (also when another transaction makes
    it at the same moment: the unique (kind, day, start_time) and ON CONFLICT DO NOTHING)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(Slot)
        .values(kind=kind, day=day, start_time=start, end_time=end, capacity=default_capacity(kind),
                capacity_set=False, booked=0, closed=False)
        .on_conflict_do_nothing(index_elements=["kind", "day", "start_time"])
    )


def _slot_id(kind: SlotKind, day: date, start: time, end: time | None) -> int:
    found = db.session.scalar(select(Slot.id).where(Slot.kind == kind, Slot.day == day, Slot.start_time == start))
    if found is None:
        _insert_if_missing(kind, day, start, end)
        found = db.session.scalar(select(Slot.id).where(Slot.kind == kind, Slot.day == day, Slot.start_time == start))
    return found


def _day_words(day: date) -> str:
    return format_date(day, "EEEE d MMMM")


def _offered(request: SlotRequest, now: datetime) -> tuple[time, time | None]:
    """(start, end) of the requested slot when it is offered at ``now``; raises SlotUnavailable otherwise."""
    kind, day, now = request.kind, request.day, as_local(now)
    if kind == SlotKind.DELIVERY:
        if day not in delivery_days(now):
            raise SlotUnavailable(_l("Op %(date)s kunnen we niet leveren. Kies een leverdag uit de lijst."),
                                  kind=kind, day=day, date=_day_words(day))
        return WHOLE_DAY, None
    if day not in pickup_days(now):
        raise SlotUnavailable(_l("Op %(date)s kun je niet afhalen. Kies een afhaaldag uit de lijst."),
                              kind=kind, day=day, date=_day_words(day))
    for start, end in pickup_hours(day):
        if start == request.start and local_instant(day, start) > now:
            return start, end
    raise SlotUnavailable(_l("Kies een afhaaluur uit de lijst."), kind=kind, day=day, start=request.start)


def take_slots(order_id: int, requests: Sequence[SlotRequest], *, now: datetime | None = None) -> list[SlotBooking]:
    """Hold the requested units of each slot for the order, all or nothing, in the caller's transaction.

    Requests for the same slot are taken together (one conditional UPDATE of their summed units, one booking
    per request); slots are taken in (kind, day, start) order so that concurrent placers lock them in the
    same order. Call it after the order's stock was taken.

    Raises SlotUnavailable when a slot is not offered at ``now`` (days.py: opening or delivery day, lead time,
    cut-off, horizon; an opening hour not yet begun), SlotFull when a slot is closed or has no room for the
    units. The caller rolls back: part of the slots may have been taken.
    """
    now = now or shop_now()
    grouped: dict[tuple[SlotKind, date, time], list[SlotRequest]] = {}
    ends: dict[tuple[SlotKind, date, time], time | None] = {}
    for request in requests:
        if request.units < 1:
            continue
        start, end = _offered(request, now)
        key = (request.kind, request.day, start)
        grouped.setdefault(key, []).append(request)
        ends[key] = end
    bookings = []
    for key in sorted(grouped):
        kind, day, start = key
        units = sum(request.units for request in grouped[key])
        slot_id = _slot_id(kind, day, start, ends[key])
        result = db.session.execute(
            update(Slot)
            .where(Slot.id == slot_id, Slot.closed.is_(False), Slot.booked + units <= Slot.capacity)
            .values(booked=Slot.booked + units)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            _raise_full(kind, day, start, units)
        for request in grouped[key]:
            booking = SlotBooking(slot_id=slot_id, order_id=order_id, shipment_id=request.shipment_id,
                                  units=request.units)
            db.session.add(booking)
            bookings.append(booking)
    _expire_loaded_slots()
    db.session.flush()
    return bookings


def _raise_full(kind: SlotKind, day: date, start: time, units: int):
    if kind == SlotKind.PICKUP:
        raise SlotFull(
            _l("Het afhaaluur %(hour)s op %(date)s is intussen volzet. Kies een ander uur of een andere dag."),
            kind=kind, day=day, start=start, hour=start.strftime("%H:%M"), date=_day_words(day))
    if units > 1:
        raise SlotFull(_l("Op %(date)s is er geen plaats meer voor %(units)s pakketten. Kies een andere leverdag."),
                       kind=kind, day=day, units=units, date=_day_words(day))
    raise SlotFull(_l("Op %(date)s is de levering intussen volzet. Kies een andere leverdag."),
                   kind=kind, day=day, date=_day_words(day))


def release_slots(order_id: int) -> int:
    """Free every booking of the order that is still held, each exactly once; returns how many were freed.

    A booking is freed by a conditional UPDATE of its ``released_at`` (NULL → now): of two transactions freeing
    the same booking, only the one whose UPDATE changes the row gives the units back to the slot.
    """
    held = db.session.execute(
        select(SlotBooking.id, SlotBooking.slot_id, SlotBooking.units)
        .where(SlotBooking.order_id == order_id, SlotBooking.released_at.is_(None))
        .order_by(SlotBooking.slot_id, SlotBooking.id)
    ).all()
    freed = 0
    now = utcnow()
    for booking_id, slot_id, units in held:
        result = db.session.execute(
            update(SlotBooking)
            .where(SlotBooking.id == booking_id, SlotBooking.released_at.is_(None))
            .values(released_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        db.session.execute(
            update(Slot).where(Slot.id == slot_id).values(booked=Slot.booked - units)
            .execution_options(synchronize_session=False)
        )
        freed += 1
    if freed:
        _expire_loaded_slots()
    return freed


def bookings_of(order_id: int) -> list[SlotBooking]:
    """The order's bookings (held and released) with their slots, in slot order."""
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        select(SlotBooking).join(Slot).where(SlotBooking.order_id == order_id)
        .options(selectinload(SlotBooking.slot)).order_by(Slot.day, Slot.start_time, SlotBooking.id)
    ))


def _lead_days(kind: SlotKind, settings: ShopSettings) -> int:
    return settings.lead_time_days if kind == SlotKind.PICKUP else settings.delivery_lead_time_days


def settle_by(order_id: int, settings: ShopSettings | None = None) -> date | None:
    """The last shop day on which an order holding slots can still be settled (its quote accepted, its transfer
    paid): the day an order for its earliest held slot could last be placed, that slot's day less its kind's lead
    time (days.py). None when it holds no slot. A quote's validity and a transfer's term end by then, so that a
    held day never passes while the order waits for its customer."""
    settings = settings or get_settings()
    earliest = db.session.execute(
        select(Slot.kind, func.min(Slot.day)).join(SlotBooking)
        .where(SlotBooking.order_id == order_id, SlotBooking.released_at.is_(None)).group_by(Slot.kind)
    ).all()
    days = [day - timedelta(days=_lead_days(kind, settings)) for kind, day in earliest]
    return min(days) if days else None


def orders_past_settling(order_ids, today: date, settings: ShopSettings | None = None) -> set[int]:
    """Those of ``order_ids`` (ids, or a select of them) holding a slot whose last day to settle (``settle_by``)
    is before ``today``. One query."""
    settings = settings or get_settings()
    late = [(Slot.kind == kind) & (Slot.day < today + timedelta(days=_lead_days(kind, settings))) for kind in SlotKind]
    return set(db.session.scalars(
        select(SlotBooking.order_id).join(Slot).distinct()
        .where(SlotBooking.order_id.in_(order_ids), SlotBooking.released_at.is_(None), or_(*late))
    ))


def pickup_hours_of(order_ids: Iterable[int]) -> dict[int, tuple[date, time, time]]:
    """Each order's held pickup hour as (day, start, end), for the orders among ``order_ids`` that booked one
    (an order placed before pickup hours, or a cancelled one, has none). One query whatever the number of orders.
    """
    return _held_pickup_hours(SlotBooking.order_id, order_ids)


def pickup_hours_of_shipments(shipment_ids: Iterable[int]) -> dict[int, tuple[date, time, time]]:
    """Like ``pickup_hours_of``, by shipment: each shipment's held pickup hour, for those that booked one."""
    return _held_pickup_hours(SlotBooking.shipment_id, shipment_ids)


def _held_pickup_hours(key, ids: Iterable[int]) -> dict[int, tuple[date, time, time]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.execute(
        select(key, Slot.day, Slot.start_time, Slot.end_time).join(Slot, SlotBooking.slot_id == Slot.id)
        .where(key.in_(wanted), SlotBooking.released_at.is_(None), Slot.kind == SlotKind.PICKUP,
               Slot.end_time.is_not(None))
        .order_by(key, Slot.day, Slot.start_time)
    )
    hours: dict[int, tuple[date, time, time]] = {}
    for key_id, day, start, end in rows:
        hours.setdefault(key_id, (day, start, end))
    return hours


def _expire_loaded_slots() -> None:
    """Slots and bookings already loaded in this session must not keep their old figures."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Slot):
            db.session.expire(obj, ["booked", "capacity", "closed", "capacity_set"])
        elif isinstance(obj, SlotBooking):
            db.session.expire(obj, ["released_at"])


# --- staff -----------------------------------------------------------------------------------------------------

def staff_days(kind: SlotKind, first: date, count: int, settings: ShopSettings | None = None) -> list[date]:
    """The opening (or delivery) days among the ``count`` days from ``first``, closed dates left out."""
    settings = settings or get_settings()
    weekdays = settings.pickup_weekdays if kind == SlotKind.PICKUP else settings.delivery_weekdays
    closed = {date.fromisoformat(d) for d in settings.closed_dates}
    days = (first + timedelta(days=i) for i in range(count))
    return [day for day in days if day.weekday() in weekdays and day not in closed]


def slot_load(kind: SlotKind, days: Sequence[date]) -> dict[date, list[SlotState]]:
    """Every slot of ``days`` with its load, for staff: all pickup hours (also past ones), or the delivery day."""
    settings = get_settings()
    rows = _rows(kind, days)
    default = default_capacity(kind, settings)
    if kind == SlotKind.DELIVERY:
        return {day: [_state(kind, day, WHOLE_DAY, None, rows.get((day, WHOLE_DAY)), default)] for day in days}
    return {day: [_state(kind, day, start, end, rows.get((day, start)), default)
                  for start, end in pickup_hours(day, settings)] for day in days}


def _staff_slot(kind: SlotKind, day: date, start: time | None) -> Slot:
    """The row of a slot staff change (made when missing); raises InvalidSlotChange for a slot that does not exist."""
    settings = get_settings()
    if kind == SlotKind.DELIVERY:
        start, end = WHOLE_DAY, None
        valid = day.weekday() in settings.delivery_weekdays
    else:
        end = next((e for s, e in pickup_hours(day, settings) if s == start), None)
        valid = day.weekday() in settings.pickup_weekdays and end is not None
    if not valid:
        raise InvalidSlotChange(_l("Dit tijdslot bestaat niet."))
    slot_id = _slot_id(kind, day, start, end)
    return db.session.get(Slot, slot_id, populate_existing=True)


def _describe(slot: Slot) -> str:
    hour = f" {slot.start_time:%H:%M}" if slot.kind == SlotKind.PICKUP else ""
    return f"{slot.kind.value} {slot.day.isoformat()}{hour}"


def _check_capacity(capacity) -> int:
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidSlotChange(_l("De capaciteit moet een geheel getal van 0 tot %(max)s zijn."), max=MAX_CAPACITY)
    return capacity


def set_capacity(kind: SlotKind, day: date, start: time | None, capacity: int, *, by) -> Slot:
    """Staff set one slot's capacity (it then no longer follows the kind's default).

    Never below what is booked: a conditional UPDATE ``WHERE booked <= :capacity``, so a booking that lands in
    between is not overrun. Raises InvalidSlotChange (out of range, below what is booked, no such slot).
    """
    capacity = _check_capacity(capacity)
    slot = _staff_slot(kind, day, start)
    result = db.session.execute(
        update(Slot).where(Slot.id == slot.id, Slot.booked <= capacity)
        .values(capacity=capacity, capacity_set=True).execution_options(synchronize_session=False)
    )
    db.session.refresh(slot)
    if result.rowcount != 1:
        raise InvalidSlotChange(
            _l("Er zijn al %(booked)s plaatsen geboekt; de capaciteit kan niet lager dan %(booked)s."),
            booked=slot.booked)
    record_action("slot.capacity", by=by, subject_type="slot", subject_id=slot.id,
                  detail=f"{_describe(slot)}: {capacity}")
    return slot


def close_slot(kind: SlotKind, day: date, start: time | None, *, by) -> Slot:
    """Staff close a slot: nothing more can be booked in it; what is booked stays. Raises InvalidSlotChange."""
    return _set_closed(kind, day, start, True, by=by)


def reopen_slot(kind: SlotKind, day: date, start: time | None, *, by) -> Slot:
    """Staff open a closed slot again. Raises InvalidSlotChange for a slot that does not exist."""
    return _set_closed(kind, day, start, False, by=by)


def _set_closed(kind, day, start, closed: bool, *, by) -> Slot:
    slot = _staff_slot(kind, day, start)
    db.session.execute(update(Slot).where(Slot.id == slot.id).values(closed=closed)
                       .execution_options(synchronize_session=False))
    db.session.refresh(slot)
    record_action("slot.close" if closed else "slot.reopen", by=by, subject_type="slot", subject_id=slot.id,
                  detail=_describe(slot))
    return slot


def set_default_capacity(kind: SlotKind, capacity: int, *, by, today: date | None = None) -> int:
    """Staff set the default capacity of ``kind``: for slots to come and for every slot from ``today`` whose
    capacity staff did not set by hand. Such a slot already booked beyond it keeps what is booked as its
    capacity (never below what is booked). Returns how many of those slots that was. Raises InvalidSlotChange.
    """
    capacity = _check_capacity(capacity)
    today = today or shop_now().date()
    stored = db.session.get(SlotDefault, kind)
    if stored is None:
        db.session.add(SlotDefault(kind=kind, capacity=capacity, by_user_id=getattr(by, "id", None)))
    else:
        stored.capacity = capacity
        stored.by_user_id = getattr(by, "id", None)
    overbooked = db.session.scalar(
        select(func.count()).select_from(Slot)
        .where(Slot.kind == kind, Slot.capacity_set.is_(False), Slot.day >= today, Slot.booked > capacity)
    )
    db.session.execute(
        update(Slot).where(Slot.kind == kind, Slot.capacity_set.is_(False), Slot.day >= today)
        .values(capacity=case((Slot.booked > capacity, Slot.booked), else_=capacity))
        .execution_options(synchronize_session=False)
    )
    _expire_loaded_slots()
    db.session.flush()
    record_action("slot.default_capacity", by=by, subject_type="slot_default", detail=f"{kind.value}: {capacity}")
    return overbooked
