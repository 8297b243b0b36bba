"""Fulfilment per shipment: staff mark each shipment shipped (with its tracking reference) and delivered, one by
one; the order follows its shipments through the lifecycle.

    shipment:  to_prepare -> shipped (delivery: tracking reference, shipped_at) -> delivered (delivered_at)
    order:     paid -> in_preparation        when its first shipment is shipped (if staff had not started it)
               in_preparation -> shipped     when the LAST delivery shipment is shipped; until then the order
                                             stays in preparation, its shipments telling which parcels left
               shipped -> completed          when the last shipment is delivered

Every status change of the order goes through ``lifecycle.transition``. An order with one shipment behaves as
before: shipping its shipment ships the order (the order's own shipped mail, as the order-level button sends),
and completing the order marks its shipments delivered (the lifecycle's effect of entering completed). An order
with many shipments gets one shipped mail per shipment instead (to the buyer, naming the recipient; for a
company's gift list that is the ordering company), keyed per shipment so it is queued once; it never gets the
order-level shipped mail.

Double submits and races: the state change is a conditional UPDATE on the state the shipment was read in, so a
replayed form ships nothing twice and mails nothing twice (``ShipResult.already``). Every change first takes the
order's row lock, so two staff members shipping the last two parcels of one order at the same moment run one
after the other and the second sees the first's parcel shipped (the order is shipped exactly once).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from shop.core.audit import record_action
from shop.core.db import utcnow
from shop.core.errors import DomainError
from shop.extensions import db
from shop.orders import notifications
from shop.orders.lifecycle import transition
from shop.orders.models import DeliveryMethod, Order, OrderStatus, Shipment, ShipmentState

S = OrderStatus
TRACKING_MAX = 120
# Order statuses in which a shipment can be shipped / delivered.
SHIPPABLE_ORDER_STATUSES = (S.PAID, S.IN_PREPARATION)
DELIVERABLE_ORDER_STATUSES = (S.IN_PREPARATION, S.SHIPPED)


class TrackingReferenceRequired(DomainError):
    pass


class ShipmentRefused(DomainError):
    """The shipment cannot be shipped or delivered now (a pickup, an order not paid or already cancelled)."""


@dataclass
class ShipResult:
    shipment: Shipment
    already: bool = False  # nothing was done: the shipment was already in that state (a replayed form)
    order_moved_to: OrderStatus | None = None  # the order's status when this shipment moved it on


def check_tracking_reference(reference: str | None) -> str:
    """The tracking reference, trimmed; raises TrackingReferenceRequired when empty or longer than 120."""
    reference = (reference or "").strip()
    if not reference:
        raise TrackingReferenceRequired(_l("Geef het zendingsnummer op."))
    if len(reference) > TRACKING_MAX:
        raise TrackingReferenceRequired(_l("Het zendingsnummer mag hoogstens %(max)s tekens lang zijn."),
                                        max=TRACKING_MAX)
    return reference


def _lock_order(order: Order) -> None:
    """The order's row lock for the rest of the transaction (a no-op UPDATE), then its status read again."""
    db.session.execute(update(Order).where(Order.id == order.id).values(refunded_cents=Order.refunded_cents)
                       .execution_options(synchronize_session=False))
    db.session.refresh(order, attribute_names=["status"])


def _count(order: Order, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(Shipment)
                             .where(Shipment.order_id == order.id, *conditions)) or 0


def _refresh(shipment: Shipment) -> None:
    db.session.refresh(shipment, attribute_names=["state", "tracking_reference", "shipped_at", "delivered_at"])


def mark_shipped(shipment: Shipment, reference: str) -> bool:
    """Set the shipment shipped with ``reference`` if it is still to prepare (a conditional UPDATE); True when
    this call did it. Changes no order status and queues no mail: ``ship_shipment`` and the order-level
    shipping of ``staff_actions`` do that."""
    result = db.session.execute(
        update(Shipment).where(Shipment.id == shipment.id, Shipment.state == ShipmentState.TO_PREPARE)
        .values(state=ShipmentState.SHIPPED, shipped_at=utcnow(), tracking_reference=reference)
        .execution_options(synchronize_session=False))
    _refresh(shipment)
    return result.rowcount == 1


def ship_shipment(shipment: Shipment, reference: str | None, *, by) -> ShipResult:
    """Mark one delivery shipment shipped with its tracking reference (required, at most 120 characters).

    The order goes into preparation if it was only paid, and to shipped when this was its last delivery
    shipment still to prepare (see the module doc for the mails). A shipment already shipped changes nothing
    and mails nothing (``already``). Raises TrackingReferenceRequired, ShipmentRefused (a pickup, an order not
    paid, cancelled or done); the caller commits or rolls back.
    """
    reference = check_tracking_reference(reference)
    order = shipment.order
    if shipment.method != DeliveryMethod.DELIVERY:
        raise ShipmentRefused(_l("Alleen een levering kan verzonden worden; dit pakket wordt afgehaald."))
    _lock_order(order)
    _refresh(shipment)
    if shipment.state != ShipmentState.TO_PREPARE:
        return ShipResult(shipment, already=True)
    if order.status not in SHIPPABLE_ORDER_STATUSES:
        raise ShipmentRefused(_l("Een bestelling met status %(status)s kan niet verzonden worden."),
                              status=str(order.status.label).lower())
    if not mark_shipped(shipment, reference):
        return ShipResult(shipment, already=True)
    result = ShipResult(shipment)
    who = f"{shipment.recipient_name or order.name}: {reference}"
    if order.status == S.PAID:
        transition(order, S.IN_PREPARATION, by=by, note=f"eerste pakket verzonden ({who})")
        result.order_moved_to = S.IN_PREPARATION
    several = len(order.shipments) > 1
    if several:
        notifications.shipment_shipped(order, shipment)
    left = _count(order, Shipment.state == ShipmentState.TO_PREPARE)
    if left == 0 and all(s.method == DeliveryMethod.DELIVERY for s in order.shipments):
        transition(order, S.SHIPPED, by=by,
                   note=f"alle {len(order.shipments)} pakketten verzonden" if several else reference)
        result.order_moved_to = S.SHIPPED
    record_action("shipment.ship", by=by, subject_type="order", subject_id=order.id,
                  detail=f"{order.number}: pakket {shipment.id} ({who})")
    return result


def deliver_shipment(shipment: Shipment, *, by) -> ShipResult:
    """Mark one shipped shipment delivered; the order is completed when it was the last one not delivered.

    A shipment already delivered changes nothing (``already``). Raises ShipmentRefused for a shipment not yet
    shipped or an order that is not in preparation or shipped; the caller commits or rolls back.
    """
    order = shipment.order
    _lock_order(order)
    _refresh(shipment)
    if shipment.state == ShipmentState.DELIVERED:
        return ShipResult(shipment, already=True)
    if shipment.state != ShipmentState.SHIPPED or order.status not in DELIVERABLE_ORDER_STATUSES:
        raise ShipmentRefused(_l("Dit pakket is nog niet verzonden."))
    db.session.execute(
        update(Shipment).where(Shipment.id == shipment.id, Shipment.state == ShipmentState.SHIPPED)
        .values(state=ShipmentState.DELIVERED, delivered_at=utcnow())
        .execution_options(synchronize_session=False))
    _refresh(shipment)
    result = ShipResult(shipment)
    if order.status == S.SHIPPED and _count(order, Shipment.state != ShipmentState.DELIVERED) == 0:
        transition(order, S.COMPLETED, by=by, note=f"alle {len(order.shipments)} pakketten geleverd")
        result.order_moved_to = S.COMPLETED
    record_action("shipment.deliver", by=by, subject_type="order", subject_id=order.id,
                  detail=f"{order.number}: pakket {shipment.id} geleverd")
    return result
