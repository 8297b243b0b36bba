"""The authorisation sweep: every /portaal route, every method, with another producer's ids.

The routes are read from ``app.url_map``, so routes added later are covered without editing this file.
Each URL parameter is filled by name from PARAMETER_IDS:

    product_id          -> a product (producer B's in the sweep, A's own in the control)
    image_id            -> a product photo
    line_id, order_line_id -> an order line of a paid order holding the producer's product
    order_list_id       -> a weekly ProducerOrderList
    shortage_id         -> a ShortageReport
    producer_id         -> the producer itself
    any other int name  -> producer B's product id (and the test says so in UNMAPPED_PARAMETERS' message)

Routes with several parameters are called with every mix of A's own and B's ids (A's product with B's
photo, ...) except all-own. Every call must answer 404 (or 403), and the database must be exactly as before
(all rows of all tables). Anonymous visitors are sent to log in (302; 401 while no login view is set);
customers, staff and admins get 403.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from shop.catalog.models import ProductImage
from shop.orders.lifecycle import transition
from shop.orders.models import OrderLine, OrderStatus
from shop.supply.models import ProducerOrderList, ShortageReport
from tests.factories import log_in_as, make_order, make_producer, make_product, make_user
from tests.helpers import table_rows

PORTAL_PREFIX = "/portaal"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DENIED = (403, 404)


def _objects_of(producer, name: str) -> dict[str, int]:
    """One object of every kind that a portal URL can name, belonging to ``producer``."""
    product = make_product(f"Product van {name}", producer=producer, stock=20)
    image = ProductImage(product_id=product.id, path="static/img/placeholder.svg", alt="foto", position=0)
    second_image = ProductImage(product_id=product.id, path="static/img/placeholder.svg", alt="foto 2", position=1)
    order = make_order((product, 2))
    transition(order, OrderStatus.PAID)
    line_id = order.lines[0].id
    order_list = ProducerOrderList(producer_id=producer.id, week_start=date(2026, 11, 23),
                                   deliver_by=date(2026, 11, 26), lines=[])
    shortage = ShortageReport(order_line_id=line_id, product_id=product.id, producer_id=producer.id, quantity=1)
    from shop.extensions import db

    db.session.add_all([image, second_image, order_list, shortage])
    db.session.flush()
    ids = {
        "product_id": product.id,
        "image_id": image.id,
        "line_id": line_id,
        "order_line_id": line_id,
        "order_list_id": order_list.id,
        "shortage_id": shortage.id,
        "producer_id": producer.id,
    }
    assert db.session.scalar(select(OrderLine.product_id).where(OrderLine.id == line_id)) == product.id
    return ids


@pytest.fixture
def two_producers(db, client):
    a = make_producer("Hoeve A")
    b = make_producer("Hoeve B")
    own = _objects_of(a, "A")
    other = _objects_of(b, "B")
    user_a = make_user(role="producer", producer=a)
    make_user(role="producer", producer=b)
    db.session.commit()
    return {"user": user_a, "own": own, "other": other}


def _portal_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith(PORTAL_PREFIX)), key=lambda r: r.rule)


def _diff(before, after) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _call(client, method: str, url: str):
    # An empty form and no file: a view must refuse the object before it looks at the input.
    return client.open(url, method=method, data={}, follow_redirects=False)


def _values(rule, own, other, mix):
    values, unmapped = {}, []
    for name, use_other in zip(sorted(rule.arguments), mix, strict=True):
        source = other if use_other else own
        if name not in source:
            unmapped.append(name)
        values[name] = source.get(name, source["product_id"])
    return values, unmapped


def _non_int_arguments(rule) -> list[str]:
    return [name for name, converter in rule._converters.items() if not isinstance(converter, IntegerConverter)]


def test_portal_has_routes_to_sweep(app):
    endpoints = {rule.endpoint for rule in _portal_rules(app)}
    assert {"portal.dashboard", "portal.quick_edit", "portal.csv", "portal.csv_export", "portal.csv_confirm"} <= endpoints


def test_another_producers_ids_answer_404_and_change_nothing(app, client, db, two_producers):
    log_in_as(client, two_producers["user"])
    own, other = two_producers["own"], two_producers["other"]
    before = table_rows()
    failures, exercised = [], 0
    for rule in _portal_rules(app):
        if not rule.arguments:
            continue
        if _non_int_arguments(rule):
            failures.append(f"{rule.rule}: cannot exercise parameters {_non_int_arguments(rule)} (not <int:>); "
                            "add them to the sweep's mapping")
            continue
        adapter = app.url_map.bind("localhost")
        for mix in itertools.product((False, True), repeat=len(rule.arguments)):
            if not any(mix):
                continue
            values, unmapped = _values(rule, own, other, mix)
            if unmapped:
                failures.append(f"{rule.rule}: parameter(s) {unmapped} not in the sweep's mapping; filled with "
                                "producer B's product id. Add the object kind to _objects_of/PARAMETER_IDS.")
            for method in sorted(rule.methods & set(METHODS)):
                url = adapter.build(rule.endpoint, values, method=method)
                response = _call(client, method, url)
                exercised += 1
                if response.status_code not in DENIED:
                    failures.append(f"{method} {url} ({rule.endpoint}, B's ids for "
                                    f"{[n for n, o in zip(sorted(rule.arguments), mix, strict=True) if o]}) "
                                    f"answered {response.status_code}, expected 404/403")
                changed = _diff(before, table_rows())
                if changed:
                    failures.append(f"{method} {url} changed tables {changed}")
                    before = table_rows()
    assert exercised > 0
    assert failures == []


def test_own_ids_are_not_404_so_the_sweep_is_meaningful(app, client, db, two_producers):
    """Control: the same GET routes with A's own ids answer, so a 404 above is the guard, not a bad id."""
    log_in_as(client, two_producers["user"])
    adapter = app.url_map.bind("localhost")
    failures = []
    for rule in _portal_rules(app):
        if not rule.arguments or "GET" not in rule.methods or _non_int_arguments(rule):
            continue
        values, _ = _values(rule, two_producers["own"], two_producers["other"], [False] * len(rule.arguments))
        url = adapter.build(rule.endpoint, values, method="GET")
        response = _call(client, "GET", url)
        if response.status_code in (403, 404) or response.status_code >= 500:
            failures.append(f"GET {url} with A's own ids answered {response.status_code}")
    assert failures == []


def _every_call(app, ids):
    adapter = app.url_map.bind("localhost")
    for rule in _portal_rules(app):
        values = {name: ids.get(name, ids["product_id"]) for name in rule.arguments}
        for method in sorted(rule.methods & set(METHODS)):
            yield method, adapter.build(rule.endpoint, values, method=method)


def test_anonymous_visitors_are_sent_to_log_in(app, client, db, two_producers):
    before = table_rows()
    failures = []
    for method, url in _every_call(app, two_producers["own"]):
        response = _call(client, method, url)
        if response.status_code not in (302, 303, 401):
            failures.append(f"{method} {url} answered {response.status_code} to an anonymous visitor")
        elif response.status_code in (302, 303) and PORTAL_PREFIX in response.headers["Location"].split("?")[0]:
            failures.append(f"{method} {url} redirected an anonymous visitor into the portal")
    assert failures == []
    assert _diff(before, table_rows()) == []


@pytest.mark.parametrize("role", ["customer", "staff", "admin"])
def test_other_roles_get_403(app, client, db, two_producers, role):
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)
    before = table_rows()
    failures = []
    for method, url in _every_call(app, two_producers["own"]):
        response = _call(client, method, url)
        if response.status_code != 403:
            failures.append(f"{method} {url} answered {response.status_code} to a {role}")
    assert failures == []
    assert _diff(before, table_rows()) == []
