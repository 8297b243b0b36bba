"""Stripe webhook events -> payment services. The view verifies the signature, calls ``handle_event`` and
commits; each event id is recorded once (StripeEvent), in the same transaction as what it changes.

A signed payload is still checked before it is used (``check_event``): one that is not an event the shop can
read is refused with 400 and changes nothing. An event is applied only to the order whose session it is about
(``_session_order``), and a paid session only pays its order when it charged the order's total in euro
(shop.payments.services.apply_session_state)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.models import Order, OrderLine, PaymentProvider, Refund
from shop.orders.refunds import REQUESTED as REFUND_REQUESTED
from shop.payments import services
from shop.payments.interface import MalformedEvent, SessionState
from shop.payments.models import StripeEvent

log = logging.getLogger(__name__)
ACTOR = "stripe"

SESSION_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
HANDLED_TYPES = (*SESSION_TYPES, "charge.refunded")
MAX_ID = 255  # StripeEvent.id, Order.payment_session_id and payment_intent_id, Refund.provider_refund_id
MAX_AMOUNT = 2**31 - 1  # cents in an Integer column (Refund.amount_cents); Stripe's own limit is far lower
# What paying an order reads of it (its invoice's lines and buyer, the confirmation), loaded with the order before
# the event writes anything: not while the order's row (PostgreSQL) or the database's write lock (SQLite) is held.
DOCUMENT_LOADS = (selectinload(Order.lines).selectinload(OrderLine.components), selectinload(Order.shipments))


# ---------------------------------------------------------------------------------------------- reading an event

def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str, *,
           required: bool = False, max_length: int | None = None) -> Any:
    """``obj[name]``: absent or null (unless required), or of ``kind`` (a bool is no int), a text not empty
    and at most ``max_length`` long (when given), an int an amount (0 to MAX_AMOUNT); else MalformedEvent."""
    value = obj.get(name)
    if value is None:
        if required:
            raise MalformedEvent(f"{where}.{name} is missing")
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise MalformedEvent(f"{where}.{name} is a {type(value).__name__}, not a {' or '.join(k.__name__ for k in kinds)}")
    if isinstance(value, str) and max_length is not None and not 0 < len(value) <= max_length:
        raise MalformedEvent(f"{where}.{name} is empty or longer than {max_length}")
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_AMOUNT:
        raise MalformedEvent(f"{where}.{name} is out of range")
    return value


def _check_texts(event: dict[str, Any]) -> None:
    """Every text in the event (keys too) can be stored: no NUL (PostgreSQL refuses it) and no lone surrogate
    (JSON allows one as an escape, UTF-8 does not). Walked without recursion: a payload may nest deeply."""
    stack: list[Any] = [event]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise MalformedEvent("a text holds a NUL character")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise MalformedEvent("a text is not valid Unicode") from error


def _check_intent(obj: dict[str, Any], where: str) -> None:
    intent = _field(obj, "payment_intent", (str, dict), where, max_length=MAX_ID)
    if isinstance(intent, dict):
        _field(intent, "id", str, f"{where}.payment_intent", max_length=MAX_ID)


def _check_session(session: dict[str, Any]) -> None:
    where = "checkout.session"
    _field(session, "id", str, where, required=True, max_length=MAX_ID)
    for name in ("status", "payment_status", "currency", "client_reference_id"):
        _field(session, name, str, where)
    _field(session, "amount_total", int, where)
    _check_intent(session, where)
    metadata = _field(session, "metadata", dict, where) or {}
    for name in ("order_id", "order_number"):
        _field(metadata, name, str, f"{where}.metadata")


def _check_charge(charge: dict[str, Any]) -> None:
    where = "charge"
    _field(charge, "id", str, where)
    _field(charge, "amount_refunded", int, where)
    _check_intent(charge, where)
    listed = _field(charge, "refunds", dict, where)
    if listed is None:
        return
    _field(listed, "has_more", bool, f"{where}.refunds")
    for refund in _field(listed, "data", list, f"{where}.refunds") or []:
        if not isinstance(refund, dict):
            raise MalformedEvent(f"{where}.refunds.data holds a {type(refund).__name__}")
        _field(refund, "id", str, "refund", required=True, max_length=MAX_ID)
        _field(refund, "amount", int, "refund", required=True)
        _field(refund, "status", str, "refund", max_length=40)  # Refund.status
        metadata = _field(refund, "metadata", dict, "refund") or {}
        _field(metadata, "refund_id", str, "refund.metadata")


def check_event(event: Any) -> dict[str, Any]:
    """``event`` (a signed payload's JSON) if it is an event the shop can read: a JSON object with an id, a
    type and ``data.object``; for the handled types that object with the fields the shop reads, each of the
    type Stripe gives it (or null where Stripe may), and nothing the database could refuse. Raises
    MalformedEvent otherwise: the webhook answers 400 and nothing is asked or written.
    """
    if not isinstance(event, dict):
        raise MalformedEvent(f"not an event but a JSON {type(event).__name__}")
    _check_texts(event)
    _field(event, "id", str, "event", required=True, max_length=MAX_ID)
    type_ = _field(event, "type", str, "event", required=True, max_length=100)  # StripeEvent.type
    data = _field(event, "data", dict, "event", required=True)
    obj = _field(data, "object", dict, "event.data", required=True)
    if type_ in SESSION_TYPES:
        _check_session(obj)
    elif type_ == "charge.refunded":
        _check_charge(obj)
    return event


def _session_order(session: dict[str, Any]) -> tuple[Order | None, bool]:
    """The order a checkout session belongs to, and whether it is adopted (found by the session's metadata).

    An order is found by the session id recorded on it. A session the shop does not know is not trusted by the
    order number it carries: whatever else sends events to this endpoint (a test shop or another application
    on the same Stripe account, counting its own LOV-... numbers) would otherwise pay or cancel the order of
    that number here. With one exception, kept on purpose: start_payment asks Stripe for the session before
    it records its id, so a crash in between (or a time-out while Stripe did make it) leaves an order with no
    session id and a session at Stripe nobody knows. That session still ends with an event (expired, within
    a day); adopting it then cancels the order and returns its stock (or, were it paid somehow, pays or
    refunds it) instead of leaving it pending for ever (reconcile only follows orders with a session id). So
    a session is adopted only by an order with no session id recorded yet, and whose id AND number are both
    the ones the shop wrote in the session's metadata (StripeGateway.checkout_params).
    """
    order = db.session.scalars(
        select(Order).where(Order.payment_session_id == session["id"]).options(*DOCUMENT_LOADS)
    ).first()
    if order is not None:
        return order, False
    metadata = session.get("metadata") or {}
    order_id, number = metadata.get("order_id"), metadata.get("order_number")
    if not (isinstance(order_id, str) and order_id.isdecimal() and len(order_id) <= 18 and number):
        return None, False
    order = db.session.get(Order, int(order_id))
    if (order is None or order.number != number or order.payment_session_id is not None
            or order.payment_provider == PaymentProvider.TRANSFER):  # paid by transfer: never Stripe's
        return None, False
    return order, True


def _adopt(order: Order, session: dict[str, Any]) -> None:
    """Record a session found by its metadata on its order (see _session_order): from now on the order is
    Stripe's (refunds go through Stripe) and later events find it by the session id."""
    log.warning("Order %s adopts Stripe session %s, which was never recorded on it", order.number, session["id"])
    order.payment_provider = PaymentProvider.STRIPE
    order.payment_session_id = session["id"]
    db.session.flush()


def _intent_id(obj: dict[str, Any]) -> str | None:
    intent = obj.get("payment_intent")
    return intent.get("id") if isinstance(intent, dict) else intent


def _charge_refunds(charge: dict[str, Any]) -> list[dict[str, Any]]:
    """Every refund of a refunded charge: as the event lists them, else asked from Stripe."""
    listed = charge.get("refunds")
    if isinstance(listed, dict) and not listed.get("has_more"):
        return listed.get("data") or []
    intent_id = _intent_id(charge)
    if not intent_id:
        return []
    # API versions since 2022-11-15 no longer list a charge's refunds in the event
    from shop.payments.gateway import StripeGateway

    return StripeGateway().list_refunds(intent_id)


class AlreadyHandled(Exception):
    """This event's id is recorded: it was handled before, or by a concurrent request that has committed it."""


_DIALECT_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def record_event(event: dict[str, Any], order_id: int | None = None) -> None:
    """Record the event id first (with the order it is about, if any), before anything of it is changed.

    One INSERT that does nothing when the id is there (ON CONFLICT DO NOTHING): Stripe sends an event again when an
    answer was late or lost, so a duplicate is ordinary, and it raises AlreadyHandled (the caller rolls back and
    answers 200) without a failed statement in the database's log. A duplicate handled at the same moment waits at
    this INSERT until the first one's transaction ends: recorded then if that one rolled back, AlreadyHandled if it
    committed."""
    statement = (_DIALECT_INSERT[db.session.get_bind().dialect.name](StripeEvent.__table__)
                 .values(id=event["id"], type=event["type"], order_id=order_id)
                 .on_conflict_do_nothing(index_elements=["id"])
                 .returning(StripeEvent.__table__.c.id))  # the driver's row count is not told for it (psycopg: -1)
    if db.session.execute(statement).first() is None:
        raise AlreadyHandled(event["id"])


def send_requested_refunds(event_id: str) -> None:
    """Once the event is committed: send the refunds its order has waiting (a payment after cancellation is paid
    back at once, shop.payments.services.send_requested_refunds); nothing to do for almost every event (one
    query). Run after the commit (shop.core.db.after_commit): in the webhook's request, once Stripe has its answer;
    what it cannot send stays requested for reconcile."""
    order_id = db.session.scalar(
        select(Refund.order_id).join(StripeEvent, StripeEvent.order_id == Refund.order_id)
        .where(StripeEvent.id == event_id, Refund.status == REFUND_REQUESTED).limit(1)
    )
    if order_id is not None:
        services.send_requested_refunds(db.session.get(Order, order_id))


def handle_event(event: Any) -> str:
    """Apply one verified event. Returns a short description of what happened (for the response and logs).

    Raises MalformedEvent (check_event) before anything is asked or written. An event about an order the shop
    does not know is logged and changes nothing (not even the record of its id).
    """
    event = check_event(event)
    type_ = event["type"]
    obj = event["data"]["object"]
    # Stripe is asked (if at all) before anything is written: never inside an open write transaction.
    refunds = _charge_refunds(obj) if type_ == "charge.refunded" else []
    if type_ not in HANDLED_TYPES:
        record_event(event)
        return "ignored"
    if type_ == "charge.refunded":
        intent_id = _intent_id(obj)
        order = db.session.scalars(select(Order).where(Order.payment_intent_id == intent_id)).first() if intent_id else None
        if order is None:
            log.warning("charge.refunded %s for no known order (payment intent %s)", obj.get("id"), intent_id)
            return "unknown order"
        record_event(event, order.id)
        services.record_refunds(order, amount_refunded=int(obj.get("amount_refunded") or 0), refunds=refunds)
        return "refund recorded"

    order, adopted = _session_order(obj)
    if order is None:
        log.warning("%s for session %s: no such order", type_, obj["id"])
        return "unknown order"
    record_event(event, order.id)
    if adopted:
        _adopt(order, obj)
    return services.apply_session_state(order, _event_state(type_, obj), actor=ACTOR).value


def _event_state(type_: str, session: dict[str, Any]) -> SessionState:
    """The session's state as the event tells it: the async events say how the payment ended."""
    intent_id = _intent_id(session)
    charged = {"amount_total": session.get("amount_total"), "currency": session.get("currency")}
    if type_ == "checkout.session.async_payment_succeeded":
        return SessionState("complete", "paid", intent_id, **charged)
    if type_ == "checkout.session.async_payment_failed":
        return SessionState("complete", "unpaid", intent_id, payment_failed=True, **charged)
    if type_ == "checkout.session.expired":
        return SessionState("expired", session.get("payment_status") or "unpaid", intent_id, **charged)
    return SessionState("complete", session.get("payment_status") or "", intent_id, **charged)  # .completed
