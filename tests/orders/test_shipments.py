"""Fulfilment per shipment (no HTTP): shipping and delivering an order's shipments one by one, the order moving
on only with the last one, a replayed form doing nothing twice, the mails per shipment; an order with one
shipment as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.extensions import db as _db
from shop.orders.models import OrderStatus, ShipmentState
from shop.orders.shipments import ShipmentRefused, TrackingReferenceRequired, deliver_shipment, ship_shipment
from shop.orders.staff_actions import resendable_emails, staff_transition, staff_transitions
from shop.outbox.models import OutboxMessage
from tests.factories import make_gift_order, make_order_data, make_paid_order, make_product, make_staff

S = OrderStatus


def _mails(kind: str) -> list[OutboxMessage]:
    """The mails of ``kind`` once the change is committed (a mail's text is drawn right after the commit)."""
    _db.session.commit()
    return list(_db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def _statuses(order) -> list[tuple]:
    return [(t.from_status, t.to_status) for t in order.transitions]


def test_shipping_shipments_one_by_one_ships_the_order_only_with_the_last(db):
    order = make_gift_order(3)
    staff = make_staff("els@grootvleeshuis.be")
    first, second, third = order.shipments

    ship_shipment(first, "BPOST-1", by=staff)
    ship_shipment(second, " BPOST-2 ", by=staff)
    status_before_last = order.status
    result = ship_shipment(third, "BPOST-3", by=staff)
    _db.session.commit()

    assert status_before_last == S.IN_PREPARATION
    assert result.order_moved_to == S.SHIPPED
    assert order.status == S.SHIPPED
    assert [(s.state, s.tracking_reference, s.shipped_at is not None) for s in order.shipments] == [
        (ShipmentState.SHIPPED, "BPOST-1", True), (ShipmentState.SHIPPED, "BPOST-2", True),
        (ShipmentState.SHIPPED, "BPOST-3", True)]
    _db.session.refresh(order)
    assert _statuses(order) == [(None, S.PENDING_PAYMENT), (S.PENDING_PAYMENT, S.PAID), (S.PAID, S.IN_PREPARATION),
                                (S.IN_PREPARATION, S.SHIPPED)]
    assert order.transitions[-1].actor == "els@grootvleeshuis.be"


def test_delivering_shipments_one_by_one_completes_the_order_only_with_the_last(db):
    order = make_gift_order(2)
    staff = make_staff()
    for number, shipment in enumerate(order.shipments, start=1):
        ship_shipment(shipment, f"BPOST-{number}", by=staff)
    first, second = order.shipments

    deliver_shipment(first, by=staff)
    status_before_last = order.status
    result = deliver_shipment(second, by=staff)

    assert (status_before_last, result.order_moved_to, order.status) == (S.SHIPPED, S.COMPLETED, S.COMPLETED)
    assert [s.state for s in order.shipments] == [ShipmentState.DELIVERED, ShipmentState.DELIVERED]


def test_a_delivered_parcel_before_the_last_one_left_keeps_the_order_in_preparation(db):
    order = make_gift_order(2)
    staff = make_staff()
    first, second = order.shipments
    ship_shipment(first, "BPOST-1", by=staff)

    deliver_shipment(first, by=staff)
    in_between = order.status
    ship_shipment(second, "BPOST-2", by=staff)
    deliver_shipment(second, by=staff)

    assert (in_between, order.status) == (S.IN_PREPARATION, S.COMPLETED)


def test_each_shipment_gets_one_shipped_mail_to_the_company_naming_the_recipient(db):
    order = make_gift_order([("An Peeters", None), ("Bo Claes", None)])
    staff = make_staff()

    ship_shipment(order.shipments[0], "BPOST-1", by=staff)
    ship_shipment(order.shipments[1], "BPOST-2", by=staff)
    mails = _mails("shipment_shipped")

    assert [(m.to_address, m.subject, m.dedupe_key) for m in mails] == [
        ("inkoop@anker.be", f"Het pakket voor An Peeters (bestelling {order.number}) is onderweg",
         f"shipment-shipped:{order.shipments[0].id}"),
        ("inkoop@anker.be", f"Het pakket voor Bo Claes (bestelling {order.number}) is onderweg",
         f"shipment-shipped:{order.shipments[1].id}")]
    assert "Zendingsnummer: BPOST-1" in mails[0].body_text and "Veldstraat 1" in mails[0].body_text
    assert _mails("order_shipped") == []  # no order-level mail on top of the parcels' own
    assert "order_shipped" not in resendable_emails(order)


def test_a_double_submit_ships_once_and_mails_once(db):
    order = make_gift_order(2)
    staff = make_staff()
    shipment = order.shipments[0]

    first = ship_shipment(shipment, "BPOST-1", by=staff)
    _db.session.commit()
    again = ship_shipment(shipment, "BPOST-OTHER", by=staff)
    _db.session.commit()

    assert (first.already, again.already) == (False, True)
    assert (shipment.state, shipment.tracking_reference) == (ShipmentState.SHIPPED, "BPOST-1")
    assert len(_mails("shipment_shipped")) == 1
    assert order.status == S.IN_PREPARATION
    assert _statuses(order).count((S.PAID, S.IN_PREPARATION)) == 1


@pytest.mark.parametrize("reference", ["", "   ", None, "X" * 121])
def test_the_tracking_reference_is_required_and_at_most_120_characters(db, reference):
    order = make_gift_order(2)
    shipment = order.shipments[0]

    with pytest.raises(TrackingReferenceRequired):
        ship_shipment(shipment, reference, by=make_staff())

    assert (shipment.state, shipment.tracking_reference, order.status) == (ShipmentState.TO_PREPARE, "", S.PAID)
    assert _mails("shipment_shipped") == []


def test_an_unpaid_order_or_a_parcel_not_shipped_is_refused(db):
    order = make_gift_order(2, paid=False)
    staff = make_staff()

    with pytest.raises(ShipmentRefused):
        ship_shipment(order.shipments[0], "BPOST-1", by=staff)
    with pytest.raises(ShipmentRefused):
        deliver_shipment(order.shipments[0], by=staff)

    assert [s.state for s in order.shipments] == [ShipmentState.TO_PREPARE, ShipmentState.TO_PREPARE]


def test_an_order_with_several_shipments_is_not_shipped_as_a_whole(db):
    order = make_gift_order(2)

    assert staff_transitions(order) == (S.IN_PREPARATION,)


def test_an_order_with_one_shipment_ships_and_completes_as_before(db):
    cheese = make_product("Hoevekaas", price_cents=900, stock=10)
    order = make_paid_order((cheese, 1), data=make_order_data("delivery"))
    staff = make_staff()
    staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)

    staff_transition(order, S.SHIPPED, expected_status="in_preparation", by=staff, tracking_reference="BPOST-9")
    shipped = (order.status, order.shipment.state, order.shipment.tracking_reference)
    staff_transition(order, S.COMPLETED, expected_status="shipped", by=staff)

    assert shipped == (S.SHIPPED, ShipmentState.SHIPPED, "BPOST-9")
    assert (order.status, order.shipment.state) == (S.COMPLETED, ShipmentState.DELIVERED)
    assert [m.dedupe_key for m in _mails("order_shipped")] == [f"order-shipped:{order.id}"]
    assert _mails("shipment_shipped") == []


def test_shipping_the_one_shipment_of_an_order_sends_the_order_mail_once(db):
    cheese = make_product("Hoevekaas", price_cents=900, stock=10)
    order = make_paid_order((cheese, 1), data=make_order_data("delivery"))

    result = ship_shipment(order.shipment, "BPOST-7", by=make_staff())
    ship_shipment(order.shipment, "BPOST-7", by=make_staff())

    assert (result.order_moved_to, order.status) == (S.SHIPPED, S.SHIPPED)
    assert [m.dedupe_key for m in _mails("order_shipped")] == [f"order-shipped:{order.id}"]
    assert "Zendingsnummer: BPOST-7" in _mails("order_shipped")[0].body_text
    assert _mails("shipment_shipped") == []


def test_a_pickup_is_not_shipped(db):
    cheese = make_product("Hoevekaas", price_cents=900, stock=10)
    order = make_paid_order((cheese, 1))

    with pytest.raises(ShipmentRefused):
        ship_shipment(order.shipment, "BPOST-1", by=make_staff())

    assert order.shipment.state == ShipmentState.TO_PREPARE


def test_the_confirmation_of_an_order_with_several_shipments_lists_every_recipient(db):
    order = make_gift_order([("An Peeters", None), ("Bo Claes", None)])

    mail = _mails("order_confirmed")[0]

    assert "Levering aan 2 ontvangers" in mail.body_text
    assert "- An Peeters, Veldstraat 1, 9000 Gent" in mail.body_text
    assert "- Bo Claes, Veldstraat 2, 9000 Gent" in mail.body_text
    assert "Dit is een geschenk voor" not in mail.body_text  # no single recipient named as "the" shipment
    assert "Levering aan 2 ontvangers" in mail.body_html and "Bo Claes" in mail.body_html


def test_two_staff_shipping_the_last_two_parcels_at_once_ship_the_order_once(app, db):
    from shop.orders.models import Order, Shipment
    from tests.helpers import race

    order = make_gift_order(2)
    staff = make_staff()
    staff_transition(order, S.IN_PREPARATION, expected_status="paid", by=staff)
    db.session.commit()
    ids = [s.id for s in order.shipments]
    staff_id = staff.id

    def ship(shipment_id: int):
        def step() -> str:
            from shop.accounts.models import User

            result = ship_shipment(_db.session.get(Shipment, shipment_id), f"BPOST-{shipment_id}",
                                   by=_db.session.get(User, staff_id))
            return "ok" if not result.already else "already"
        return step

    outcomes = race(app, [ship(ids[0]), ship(ids[1])])
    _db.session.expire_all()
    order = _db.session.get(Order, order.id)

    assert sorted(outcomes) == ["ok", "ok"]
    assert order.status == S.SHIPPED
    assert [t.to_status for t in order.transitions].count(S.SHIPPED) == 1
    assert len(_mails("shipment_shipped")) == 2
