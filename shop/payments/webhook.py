"""Stripe webhook events -> payment services. The view verifies the signature, calls ``handle_event`` and
commits; each event id is recorded once (StripeEvent), in the same transaction as what it changes."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order
from shop.payments import services
from shop.payments.interface import SessionState
from shop.payments.models import StripeEvent

log = logging.getLogger(__name__)
ACTOR = "stripe"

HANDLED_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
)


class DuplicateEvent(Exception):
    pass


def _session_order(session: dict[str, Any]) -> Order | None:
    order = None
    if session.get("id"):
        order = db.session.scalars(select(Order).where(Order.payment_session_id == session["id"])).first()
    if order is None:
        number = session.get("client_reference_id") or (session.get("metadata") or {}).get("order_number")
        if number:
            order = db.session.scalars(select(Order).where(Order.number == number)).first()
    return order


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


def record_event(event: dict[str, Any]) -> StripeEvent:
    """Insert the event id first: a duplicate raises DuplicateEvent (the caller rolls back, answers 200)."""
    if db.session.get(StripeEvent, event["id"]) is not None:
        raise DuplicateEvent(event["id"])
    record = StripeEvent(id=event["id"], type=str(event.get("type", ""))[:100])
    db.session.add(record)
    db.session.flush()  # a concurrent duplicate fails here on the primary key
    return record


def event_order(event: dict[str, Any]) -> Order | None:
    """The order a handled event was about (None for an ignored event or an unknown order)."""
    record = db.session.get(StripeEvent, event.get("id"))
    return db.session.get(Order, record.order_id) if record is not None and record.order_id else None


def handle_event(event: dict[str, Any]) -> str:
    """Apply one verified event. Returns a short description of what happened (for the response and logs)."""
    type_ = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    # Stripe is asked (if at all) before anything is written: never inside an open write transaction.
    refunds = _charge_refunds(obj) if type_ == "charge.refunded" else []
    record = record_event(event)
    if type_ not in HANDLED_TYPES:
        return "ignored"
    if type_ == "charge.refunded":
        intent_id = _intent_id(obj)
        order = db.session.scalars(select(Order).where(Order.payment_intent_id == intent_id)).first() if intent_id else None
        if order is None:
            log.warning("charge.refunded %s for no known order (payment intent %s)", obj.get("id"), intent_id)
            return "unknown order"
        record.order_id = order.id
        services.record_refunds(order, amount_refunded=int(obj.get("amount_refunded") or 0), refunds=refunds)
        return "refund recorded"

    order = _session_order(obj)
    if order is None:
        log.warning("%s for session %s: no such order", type_, obj.get("id"))
        return "unknown order"
    record.order_id = order.id
    return services.apply_session_state(order, _event_state(type_, obj), actor=ACTOR).value


def _event_state(type_: str, session: dict[str, Any]) -> SessionState:
    """The session's state as the event tells it: the async events say how the payment ended."""
    intent_id = _intent_id(session)
    if type_ == "checkout.session.async_payment_succeeded":
        return SessionState("complete", "paid", intent_id)
    if type_ == "checkout.session.async_payment_failed":
        return SessionState("complete", "unpaid", intent_id, payment_failed=True)
    if type_ == "checkout.session.expired":
        return SessionState("expired", str(session.get("payment_status") or "unpaid"), intent_id)
    return SessionState("complete", str(session.get("payment_status") or ""), intent_id)  # checkout.session.completed
