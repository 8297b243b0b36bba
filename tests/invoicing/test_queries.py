"""An order's invoice is read through invoicing (orders know nothing of invoices): one order's, many orders' in
one query, and each order's entry in the personal-data export."""

from __future__ import annotations

from sqlalchemy import select

from shop.accounts.export import export_personal_data
from shop.invoicing.models import CreditNote
from shop.invoicing.queries import get_invoice_of, invoices_by_order
from shop.invoicing.services import issue_invoice
from shop.orders import lifecycle
from shop.orders.models import OrderStatus
from tests.factories import make_order, make_order_data, make_refund, make_sample_order, make_user
from tests.helpers import count_queries


def test_an_order_has_no_invoice_until_it_is_issued(db):
    order = make_sample_order()
    db.session.commit()
    assert get_invoice_of(order) is None

    invoice = issue_invoice(order)  # not committed yet: the same transaction sees it

    assert get_invoice_of(order) is invoice
    assert invoice.order is order


def test_invoices_of_many_orders_in_one_query(db):
    first, unpaid, second = make_sample_order(), make_sample_order(), make_sample_order()
    a, b = issue_invoice(first), issue_invoice(second)
    db.session.commit()
    ids = [first.id, unpaid.id, second.id]

    with count_queries(db.engine) as statements:
        found = invoices_by_order(ids)

    assert len(statements) == 1
    assert found == {first.id: a, second.id: b}
    assert invoices_by_order([]) == {}


def test_the_export_gives_each_order_its_invoice_or_none(db):
    user = make_user("an@voorbeeld.be", name="An Peeters")
    paid = make_order(data=make_order_data("delivery", email="an@voorbeeld.be"), by=user)
    lifecycle.transition(paid, OrderStatus.PAID, actor="stripe")
    unpaid = make_order(data=make_order_data(email="an@voorbeeld.be"), by=user)
    db.session.commit()
    invoice = get_invoice_of(paid)

    exported = {order["number"]: order for order in export_personal_data(user)["orders"]}

    assert exported[paid.number]["invoice"] == {
        "number": invoice.number,
        "issued_at": invoice.issued_at.isoformat(),
        "buyer": invoice.buyer,
        "total_cents": invoice.total_cents,
    }
    assert exported[unpaid.number]["invoice"] is None
    assert list(exported[unpaid.number])[-2:] == ["invoice", "credit_notes"]  # the same place in each order


def test_the_export_gives_each_order_its_credit_notes(db):
    user = make_user("an@voorbeeld.be", name="An Peeters")
    paid = make_order(data=make_order_data("delivery", email="an@voorbeeld.be"), by=user)
    lifecycle.transition(paid, OrderStatus.PAID, actor="stripe")
    db.session.commit()
    make_refund(paid, 300, reason="Gebaar")
    note = db.session.scalar(select(CreditNote).where(CreditNote.order_id == paid.id))

    exported = {order["number"]: order for order in export_personal_data(user)["orders"]}

    assert exported[paid.number]["credit_notes"] == [{
        "number": note.number,
        "issued_at": note.issued_at.isoformat(),
        "invoice_id": get_invoice_of(paid).id,
        "reason": "Gebaar",
        "buyer": note.buyer,
        "total_cents": 300,
    }]
