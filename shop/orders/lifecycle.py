"""The order lifecycle: the only code that changes an order's status.

    pending_payment -> paid -> in_preparation -> ready_for_pickup | shipped -> completed
    pending_payment -> cancelled            (expired, failed, abandoned)
    paid | in_preparation -> cancelled      (staff, with refund)
    pending_payment -> quoted               (a company's quote, before any payment started: shop.orders.quotes)
    quoted -> pending_payment               (the quote accepted: paid by bank transfer, shop.payments.transfers)
    quoted -> cancelled                     (declined, expired, or staff; its stock back like any cancellation)

ready_for_pickup is only for an order picked up at the Groot Vleeshuis, shipped only for one delivered at home
(SHIPMENT_METHODS): allowed_transitions() leaves the other out and transition() refuses it.

Every transition is a conditional UPDATE on the status it was read in, so two actors (a webhook and the success
page, two staff members) can never both perform it: the second gets ConcurrentChange. Each one is recorded as
an OrderTransition (from, to, who, when, note). What comes with entering a status is the EFFECTS table:
cancelling gives the stock and the slots back exactly once, completing marks every shipment delivered, and the
customer's mail is queued, all in the same transaction. An order with several shipments gets no order-level
shipped mail: each of its shipments had its own (shop.orders.shipments).
A domain above orders adds its own effect with add_effect() (invoicing: the invoice, when an order is paid);
added effects run before the mail, so the mail can attach what they made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from shop.core.db import utcnow
from shop.core.errors import DomainError
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import adjust_stock
from shop.orders import notifications
from shop.orders.models import DeliveryMethod, Order, OrderStatus, OrderTransition, Shipment, ShipmentState
from shop.scheduling.services import release_slots

S = OrderStatus
ALLOWED_TRANSITIONS: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    S.QUOTED: (S.PENDING_PAYMENT, S.CANCELLED),
    S.PENDING_PAYMENT: (S.PAID, S.CANCELLED, S.QUOTED),
    S.PAID: (S.IN_PREPARATION, S.CANCELLED),
    S.IN_PREPARATION: (S.READY_FOR_PICKUP, S.SHIPPED, S.CANCELLED),
    S.READY_FOR_PICKUP: (S.COMPLETED,),
    S.SHIPPED: (S.COMPLETED,),
    S.COMPLETED: (),
    S.CANCELLED: (),
}


# Statuses that only fit one way of handing over: every shipment of the order must use that method.
SHIPMENT_METHODS: dict[OrderStatus, DeliveryMethod] = {
    S.READY_FOR_PICKUP: DeliveryMethod.PICKUP,
    S.SHIPPED: DeliveryMethod.DELIVERY,
}


class InvalidTransition(DomainError):
    pass


class ConcurrentChange(InvalidTransition):
    pass


def fits_shipments(order: Order, to: OrderStatus) -> bool:
    """Whether ``to`` fits how the order is handed over (ready for pickup: pickup; shipped: delivery)."""
    method = SHIPMENT_METHODS.get(to)
    if method is None:
        return True
    return bool(order.shipments) and all(shipment.method == method for shipment in order.shipments)


def allowed_transitions(order: Order) -> tuple[OrderStatus, ...]:
    """The statuses the order can move to now: the table's, less those that do not fit its shipments."""
    return tuple(to for to in ALLOWED_TRANSITIONS[order.status] if fits_shipments(order, to))


def can_transition(order: Order, to: OrderStatus) -> bool:
    return to in allowed_transitions(order)


def stock_quantities(order: Order) -> dict[int, int]:
    """Units of each product that the order holds: loose products plus package components."""
    quantities: dict[int, int] = defaultdict(int)
    for line in order.lines:
        if line.product_id is not None:
            quantities[line.product_id] += line.quantity
        for component in line.components:
            quantities[component.product_id] += component.quantity * line.quantity
    return dict(quantities)


def transition(order: Order, to: OrderStatus, *, by=None, actor: str = "", note: str = "",
               also: dict | None = None) -> OrderTransition:
    """Move ``order`` to ``to`` and apply what comes with it (stock back, invoice, mail).

    ``also``: more of the order's columns to set in the same conditional UPDATE (the payment's reference and
    status when a payment moves it), so they are written if and only if the transition is.

    Raises InvalidTransition when the lifecycle does not allow it from the current status or it does not fit
    the order's shipments (SHIPMENT_METHODS), and ConcurrentChange when another actor changed the order since
    it was read. The caller commits or rolls back.
    """
    from_status = order.status
    if to not in ALLOWED_TRANSITIONS[from_status]:
        raise InvalidTransition(
            _l("Een bestelling met status %(from)s kan niet naar %(to)s."), **{"from": from_status.value, "to": to.value}
        )
    if not fits_shipments(order, to):
        if to == S.SHIPPED:
            raise InvalidTransition(_l("Alleen een bestelling die geleverd wordt, kan verzonden worden."))
        raise InvalidTransition(_l("Alleen een bestelling die afgehaald wordt, kan klaarliggen om af te halen."))
    now = utcnow()
    values: dict = {"status": to, "updated_at": now}
    if to == S.PAID:
        values["paid_at"] = now
    if to == S.CANCELLED:
        values["cancelled_at"] = now
    values.update(also or {})
    # The columns it may change come back with the UPDATE (RETURNING), as the database stores them: the order
    # in the session reads them without another round trip.
    names = list(dict.fromkeys(["status", "paid_at", "cancelled_at", "updated_at", *values]))
    written = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == from_status)
        .values(**values)
        .returning(*(getattr(Order, name) for name in names))
        .execution_options(synchronize_session=False)
    ).first()
    if written is None:
        db.session.refresh(order)
        raise ConcurrentChange(_l("Deze bestelling is intussen door iemand anders gewijzigd. Bekijk ze opnieuw."))
    for name, value in zip(names, written, strict=True):
        set_committed_value(order, name, value)
    record = OrderTransition(
        order_id=order.id,
        from_status=from_status,
        to_status=to,
        by_user_id=getattr(by, "id", None),
        actor=actor or getattr(by, "email", "") or "system",
        note=note,
    )
    db.session.add(record)

    changes, mail = EFFECTS.get(to, ((), None))
    for effect in (*changes, *_ADDED_EFFECTS[to]):
        effect(order, from_status, by=by, note=note)
    if mail is not None:
        mail(order, from_status)
    return record


def return_stock(order: Order, *, by=None, note: str = "") -> bool:
    """Give the order's stock back, exactly once (guarded by a conditional update of ``stock_returned``)."""
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.stock_returned.is_(False))
        .values(stock_returned=True)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(order, attribute_names=["stock_returned"])
    for product_id, quantity in sorted(stock_quantities(order).items()):
        adjust_stock(product_id, quantity, MovementReason.CANCEL, by=by, note=note)
    return True


# --- what comes with entering a status ------------------------------------------------------------------------

# effect(order, from_status, *, by, note) and mail(order, from_status), in the transition's transaction.
Effect = Callable[..., None]
Mail = Callable[[Order, OrderStatus], None]


def _give_stock_back(order: Order, from_status: OrderStatus, *, by=None, note: str = "") -> None:
    """A cancelled order gives back what it held: its stock and its slots (pickup hour, delivery parcels), each
    exactly once (``stock_returned``; each slot booking's ``released_at``)."""
    return_stock(order, by=by, note=note or f"{order.number} geannuleerd")
    release_slots(order.id)


def _deliver_shipments(order: Order, from_status: OrderStatus, *, by=None, note: str = "") -> None:
    """A completed order's shipments are all delivered (handed over, for a pickup), those not marked yet now."""
    now = utcnow()
    db.session.execute(
        update(Shipment).where(Shipment.order_id == order.id, Shipment.state != ShipmentState.DELIVERED)
        .values(state=ShipmentState.DELIVERED, delivered_at=now)
        .execution_options(synchronize_session=False))
    for shipment in order.shipments:
        db.session.refresh(shipment, attribute_names=["state", "delivered_at"])


def _mail_shipped(order: Order, from_status: OrderStatus) -> None:
    # An order with several shipments had a mail per shipment; only an order with one gets the order's mail.
    if len(order.shipments) <= 1:
        notifications.order_shipped(order)


# Statuses from which a cancelled order was never paid.
UNPAID_STATUSES = (S.QUOTED, S.PENDING_PAYMENT)


def _mail_cancelled(order: Order, from_status: OrderStatus) -> None:
    notifications.order_cancelled(order, was_paid=from_status not in UNPAID_STATUSES,
                                  was_quote=from_status == S.QUOTED)


EFFECTS: dict[OrderStatus, tuple[tuple[Effect, ...], Mail | None]] = {
    S.CANCELLED: ((_give_stock_back,), _mail_cancelled),
    S.QUOTED: ((), lambda order, _from: notifications.quote_sent(order)),
    S.PAID: ((), lambda order, _from: notifications.order_confirmed(order)),
    S.READY_FOR_PICKUP: ((), lambda order, _from: notifications.order_ready_for_pickup(order)),
    S.SHIPPED: ((), _mail_shipped),
    S.COMPLETED: ((_deliver_shipments,), None),
}
_ADDED_EFFECTS: dict[OrderStatus, list[Effect]] = defaultdict(list)


def add_effect(status: OrderStatus, effect: Effect) -> None:
    """Run ``effect(order, from_status, by=..., note=...)`` whenever an order enters ``status``: after the
    table's own changes, before the customer's mail, in the same transaction. Adding it twice adds it once."""
    if effect not in _ADDED_EFFECTS[status]:
        _ADDED_EFFECTS[status].append(effect)
