"""Slots with a capacity: an hour to pick up at the Groot Vleeshuis, or a day of home delivery.

A slot is a local (Europe/Brussels) day plus a local start time: the wall-clock hour the customer reads, so a
day on which the clocks change has each opening hour once (shop.scheduling.slots makes them). Rows are made
lazily, when a slot is first taken or changed by staff; until then a slot exists only as its defaults.

``booked`` is the sum of the units of the slot's bookings not yet released (orders for a pickup hour, parcels
for a delivery day); it only changes through shop.scheduling.services, by conditional UPDATEs.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.core.db import Base, str_enum, utcnow


class SlotKind(StrEnum):
    PICKUP = "pickup"  # an hour at the Groot Vleeshuis; capacity in orders
    DELIVERY = "delivery"  # a delivery day; capacity in parcels

    @property
    def label(self) -> str:
        return SLOT_KIND_WORDS[self]


SLOT_KIND_WORDS = {SlotKind.PICKUP: _l("Afhalen"), SlotKind.DELIVERY: _l("Levering")}

# The start time of a delivery slot (the whole day).
WHOLE_DAY = time(0, 0)


class Slot(Base):
    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("kind", "day", "start_time", name="uq_slots_kind_day_start_time"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("booked <= capacity", name="booked_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SlotKind] = mapped_column(str_enum(SlotKind, 10))
    day: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time]  # local wall-clock time; 00:00 for a delivery day
    end_time: Mapped[time | None]  # local; None for a delivery day
    capacity: Mapped[int]
    # Set by staff for this slot: a change of the kind's default capacity leaves it alone.
    capacity_set: Mapped[bool] = mapped_column(Boolean, default=False)
    booked: Mapped[int] = mapped_column(default=0)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)

    bookings: Mapped[list[SlotBooking]] = relationship(back_populates="slot", order_by="SlotBooking.id")

    @property
    def room(self) -> int:
        return 0 if self.closed else max(self.capacity - self.booked, 0)


class SlotBooking(Base):
    """Units of a slot held by an order (one shipment of it, when known); released exactly once."""

    __tablename__ = "slot_bookings"
    __table_args__ = (CheckConstraint("units > 0", name="units_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    # The order's tables by name only: scheduling sits below orders and never imports them.
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    units: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]

    slot: Mapped[Slot] = relationship(back_populates="bookings")


class SlotDefault(Base):
    """A kind's default capacity as staff set it (without a row: the shop settings' default)."""

    __tablename__ = "slot_defaults"

    kind: Mapped[SlotKind] = mapped_column(str_enum(SlotKind, 10), primary_key=True)
    capacity: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
