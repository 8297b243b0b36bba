"""The back office's authorisation sweep: every /beheer route, every method, every role.

The routes are read from ``app.url_map``, so routes added later are covered without editing this file. URL
parameters are filled by name from the objects made in ``objects`` (an unknown name fails the test, so a new
kind of object is added here). Anonymous visitors are sent to log in; customers and producer users get 403;
staff get 403 on the admin pages (producers, staff users); nothing a refused request does changes a table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.invoicing.models import CreditNote, EInvoiceDelivery
from shop.orders.models import OrderStatus
from shop.payments.services import payment_succeeded
from shop.supply.models import ShortageReport
from tests.factories import (
    log_in_as,
    make_order_data,
    make_package,
    make_paid_order,
    make_producer,
    make_product,
    make_refund,
    make_sample_order,
    make_staff,
    make_user,
)
from tests.helpers import table_rows

PREFIX = "/beheer"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ADMIN_ONLY_PREFIXES = ("backoffice.producer_", "backoffice.user_")


@pytest.fixture
def objects(db):
    from shop.extensions import db as _db

    producer = make_producer("Hoeve Sweep")
    product = make_product("Sweepkaas", producer=producer, stock=20)
    package = make_package([(product, 1)], price_cents=2000)
    # A gift delivery, so that every order page (packing slip, gift card) has something to show.
    order = make_paid_order((product, 1), data=make_order_data("delivery", is_gift=True, gift_message="Proficiat!"))
    report = ShortageReport(order_line_id=order.lines[0].id, product_id=product.id, producer_id=producer.id, quantity=1)
    _db.session.add(report)
    staff_user = make_staff()
    # A company's paid and partly refunded order: an invoice and a credit note, each with its e-invoice.
    company_order = make_sample_order(company=True, status=OrderStatus.PENDING_PAYMENT)
    payment_succeeded(company_order, payment_intent_id=None, actor="test")
    _db.session.commit()
    make_refund(company_order, 100, reason="Sweep")
    note = _db.session.scalar(select(CreditNote).where(CreditNote.order_id == company_order.id))
    _db.session.flush()
    make_refund(order, 100, reason="Sweep")  # commits: the order's invoice and a credit note
    ids = {
        "order_id": order.id,
        "shipment_id": order.shipment.id,
        "product_id": product.id,
        "package_id": package.id,
        "producer_id": producer.id,
        "report_id": report.id,
        "user_id": staff_user.id,
        "invoice_id": note.invoice_id,
        "credit_note_id": note.id,
        "delivery_id": _db.session.scalar(
            select(EInvoiceDelivery.id).where(EInvoiceDelivery.invoice_id == note.invoice_id)),
    }
    _db.session.commit()
    assert _db.session.scalar(select(ShortageReport.id).where(ShortageReport.id == report.id)) == report.id
    return ids


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX)), key=lambda r: r.rule)


def _calls(app, ids):
    adapter = app.url_map.bind("localhost")
    for rule in _rules(app):
        missing = [name for name in rule.arguments if name not in ids]
        assert not missing, f"{rule.rule}: add {missing} to the sweep's objects"
        values = {name: ids[name] for name in rule.arguments}
        for method in sorted(rule.methods & set(METHODS)):
            yield rule, method, adapter.build(rule.endpoint, values, method=method)


def _call(client, method, url):
    return client.open(url, method=method, data={}, follow_redirects=False)


def test_back_office_has_routes_to_sweep(app):
    assert "backoffice.dashboard" in {rule.endpoint for rule in _rules(app)}


def test_anonymous_visitors_are_sent_to_log_in(app, client, db, objects):
    before = table_rows()
    failures = []
    for _rule, method, url in _calls(app, objects):
        response = _call(client, method, url)
        if response.status_code not in (302, 303, 401):
            failures.append(f"{method} {url} answered {response.status_code} to an anonymous visitor")
        elif response.status_code != 401 and PREFIX in response.headers["Location"].split("?")[0]:
            failures.append(f"{method} {url} redirected an anonymous visitor into the back office")
    assert failures == []
    assert table_rows() == before


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_customers_and_producers_get_403(app, client, db, objects, role):
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)
    before = table_rows()
    failures = [f"{method} {url} answered {response.status_code}"
                for _rule, method, url in _calls(app, objects)
                if (response := _call(client, method, url)).status_code != 403]
    assert failures == []
    assert table_rows() == before


def test_staff_get_403_on_admin_pages_while_the_other_pages_open(app, client, db, objects):
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    failures = []
    for rule, method, url in _calls(app, objects):
        if not rule.endpoint.startswith(ADMIN_ONLY_PREFIXES):
            continue
        before = table_rows()
        response = _call(client, method, url)
        if response.status_code != 403:
            failures.append(f"{method} {url} answered {response.status_code} to staff (admin only)")
        if table_rows() != before:
            failures.append(f"{method} {url} changed the database for staff (admin only)")
    assert failures == []
    # ... and every other GET page opens for staff.
    for rule, method, url in _calls(app, objects):
        if method == "GET" and not rule.endpoint.startswith(ADMIN_ONLY_PREFIXES):
            response = _call(client, method, url)
            if response.status_code in (401, 403) or response.status_code >= 500:
                failures.append(f"GET {url} answered {response.status_code} to staff")
    assert failures == []


def test_every_get_page_opens_for_an_admin(app, client, db, objects):
    admin = make_staff(role="admin")
    db.session.commit()
    log_in_as(client, admin)
    failures = [f"GET {url} answered {response.status_code} to an admin"
                for _rule, method, url in _calls(app, objects)
                if method == "GET"
                and ((response := _call(client, method, url)).status_code in (401, 403, 404)
                     or response.status_code >= 500)]
    assert failures == []
