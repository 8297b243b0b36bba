"""Issue 5's "done when", from the seeded demo: a staff member logs in through the log-in form and, using only the
back-office pages, takes paid orders through to completed (pickup and shipping), cancels and refunds others,
prints the fulfilment documents, composes a package that then sells in the shop, and downloads every report.

Each test seeds the real demo (``shop.demo.seed.seed``, with its ten demo orders) into the empty test
database; the ``db`` fixture empties it again afterwards. The demo orders are placed "now", so pickup days, order
numbers and report periods are read from the seeded database, never written down here.

Every action is the form the page rendered (parsed from its HTML), posted back with what a person types.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from shop.accounts.models import User
from shop.catalog.models import Producer, Product, ProductStatus
from shop.core.clock import shop_today
from shop.core.money import format_eur
from shop.demo.seed import DEFAULT_SEED, DEMO_USERS, seed
from shop.extensions import limiter
from shop.inventory.models import MovementReason, StockMovement
from shop.invoicing.models import CreditNote, Invoice
from shop.orders.models import DeliveryMethod, Order, OrderLine, OrderStatus, OrderTransition, Refund
from shop.outbox.models import OutboxMessage
from shop.packages.models import Package, PackageComponent

S = OrderStatus
STAFF_EMAIL, STAFF_PASSWORD = next((email, password) for email, password, _role, _name in DEMO_USERS
                                   if email == "personeel@lekkeroostvlaams.be")


# --- the pages as a browser sees them --------------------------------------------------------------------------


@dataclass
class Form:
    """One <form> of a page: where it posts, the values it submits as rendered, and its tick boxes."""

    action: str
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)  # hidden/text inputs, textareas, selected options
    checkboxes: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, value, checked)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons: (name, value)

    def value(self, name: str) -> str:
        return (self.values.get(name) or [""])[0]

    def data(self, **typed) -> dict[str, object]:
        """What the browser posts: the rendered values, the ticked boxes, then what the person typed or ticked."""
        data: dict[str, object] = {name: values if len(values) > 1 else values[0]
                                   for name, values in self.values.items()}
        for name, value, checked in self.checkboxes:
            if checked:
                data.setdefault(name, value)
        data.update(typed)
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                form.checkboxes.append((name, a.get("value", "on"), "checked" in a))
            elif kind in ("submit", "button"):
                form.buttons.append((name, a.get("value", "")))
            elif kind != "file":
                form.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "button" and name:
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                form.values[self._select] = [value]
                self._select_chosen = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.values.setdefault(self._textarea, []).append("".join(self._text).lstrip("\n"))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form.values[self._select] = [self._select_first]
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_on(html: str, action: str, **hidden: str) -> Form:
    """The one form of the page that posts to ``action`` (with these hidden values, e.g. to_status)."""
    found = [form for form in forms_of(html)
             if form.action.split("#")[0] == action and all(form.value(k) == v for k, v in hidden.items())]
    assert len(found) == 1, f"expected one form to {action} {hidden}, found {len(found)}"
    return found[0]


def _plain(text: str) -> str:
    # Babel puts a non-breaking space after the euro sign.
    return text.replace("\xa0", " ").replace("\u202f", " ")


def page(response) -> str:
    return _plain(response.get_data(as_text=True))


def follow(client, response, expected_location: str | None = None) -> str:
    """A 303 after a POST, followed as a browser does; the HTML of the page it lands on."""
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    if expected_location is not None:
        assert location.split("#")[0] == expected_location
    landed = client.get(location)
    assert landed.status_code == 200
    return page(landed)


def result_count(html: str) -> str:
    """The order list's summary ("1 bestelling", "4 bestellingen")."""
    return re.search(r'<p class="result-summary" role="status">\s*([^<·]*?)\s*[<·]', html).group(1)


def page_amount(cents: int) -> str:
    """An amount as the (Dutch) pages show it: "€ 21,78"."""
    return _plain(format_eur(cents, "nl_BE"))


def euro(cents: int) -> str:
    """An amount as the CSV files and the refund form write it: "1234,50"."""
    return f"{cents // 100},{cents % 100:02d}"


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


# --- the seeded demo and the staff member --------------------------------------------------------------------


@pytest.fixture
def demo(db):
    """The demo seed (catalogue, users and the ten demo orders) in the empty test database."""
    limiter.reset()  # the log-in form is rate-limited per address and account; other tests may have used it
    seed(seed=DEFAULT_SEED, out=lambda line: None)
    db.session.remove()
    yield db
    limiter.reset()


@pytest.fixture
def staff(demo, client) -> User:
    """The seeded staff member, logged in through the real log-in form."""
    form = form_on(page(client.get("/inloggen")), "/inloggen")
    response = client.post("/inloggen", data=form.data(email=STAFF_EMAIL, password=STAFF_PASSWORD))
    assert response.status_code == 303
    assert response.headers["Location"] == "/beheer/"
    html = page(client.get("/beheer/"))
    assert "Je bent ingelogd." in html
    return demo.session.scalars(select(User).where(User.email == STAFF_EMAIL)).one()


@contextmanager
def another_visitor(app) -> Iterator[FlaskClient]:
    """A second browser (its own cookies) in its own app context: the test's requests share the test's app
    context, where Flask-Login and the cart cache the user and cart they loaded last (``g``)."""
    with app.app_context():
        yield app.test_client()


def demo_orders(db) -> list[Order]:
    """The ten demo orders in the order shop.demo.orders placed them (FATES)."""
    orders = db.session.scalars(select(Order).order_by(Order.id)).all()
    assert [o.status.value for o in orders] == [
        "paid", "paid", "paid", "in_preparation", "in_preparation", "ready_for_pickup", "completed",
        "pending_payment", "cancelled", "paid"]
    return orders


def reload(db, order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def find_order(client, number: str) -> str:
    """Search the order list by number, as staff do; the URL of the one order found."""
    html = page(client.get("/beheer/bestellingen", query_string={"q": number}))
    assert result_count(html) == "1 bestelling"
    links = re.findall(r'<a href="(/beheer/bestellingen/\d+)">' + re.escape(number) + "</a>", html)
    assert len(links) == 1
    return links[0]


def transitions_by(db, order_id: int, user: User) -> list[tuple[str, str, int | None, str]]:
    return [(t.from_status.value, t.to_status.value, t.by_user_id, t.actor) for t in db.session.scalars(
        select(OrderTransition).where(OrderTransition.order_id == order_id, OrderTransition.by_user_id == user.id)
        .order_by(OrderTransition.id))]


def mails_of(db, order_id: int) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.order_id == order_id).order_by(OutboxMessage.id)).all()


def stock_of(db, product_ids) -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(Product.id, Product.stock).where(Product.id.in_(list(product_ids)))).all())


def move_on(client, url: str, to: OrderStatus, expected: OrderStatus, **typed) -> str:
    """Press the page's button (form) for ``to``; the order page it comes back to."""
    html = page(client.get(url))
    form = form_on(html, f"{url}/status", to_status=to.value)
    assert form.value("expected_status") == expected.value
    return follow(client, client.post(form.action, data=form.data(**typed)), url)


def next_steps(html: str, url: str) -> list[str]:
    return sorted(form.value("to_status") for form in forms_of(html) if form.action == f"{url}/status")


# --- orders: fulfil, cancel, refund, print ----------------------------------------------------------------------


def test_staff_fulfil_cancel_refund_and_print_the_demo_orders(client, demo, staff):
    db = demo
    orders = demo_orders(db)
    pickup, cancelled_later, gift, delivery = orders[0], orders[1], orders[2], orders[9]
    assert [o.shipments[0].method for o in (pickup, cancelled_later, gift, delivery)] == [
        DeliveryMethod.PICKUP, DeliveryMethod.PICKUP, DeliveryMethod.DELIVERY, DeliveryMethod.DELIVERY]
    assert gift.shipments[0].is_gift and not delivery.shipments[0].is_gift
    ids = {name: o.id for name, o in
           [("pickup", pickup), ("cancel", cancelled_later), ("gift", gift), ("delivery", delivery)]}
    numbers = {name: db.session.get(Order, order_id).number for name, order_id in ids.items()}
    all_orders = {o.id: (o.number, o.status, o.shipments[0].scheduled_date) for o in orders}

    # --- print: the pick list of the pickup order's day, as a page and a PDF ---------------------------------
    day = pickup.shipments[0].scheduled_date
    to_pick = sorted(number for number, status, scheduled in all_orders.values()
                     if scheduled == day and status in (S.PAID, S.IN_PREPARATION))
    response = client.get(f"/beheer/picklijst?dag={day.isoformat()}")
    html = page(response)
    assert response.status_code == 200
    assert f"{len(to_pick)} bestelling{'en' if len(to_pick) != 1 else ''}." in html
    assert [number for number, _status, _day in all_orders.values() if number in html] == to_pick
    pdf = client.get(f"/beheer/picklijst/pdf?dag={day.isoformat()}")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'inline; filename="picklijst-{day.isoformat()}.pdf"'
    assert pdf.get_data().startswith(b"%PDF")

    # ... and of a selection made in the order list (tick two orders, "Picklijst van selectie")
    list_html = page(client.get("/beheer/bestellingen?status=paid"))
    assert result_count(list_html) == "4 bestellingen"
    bulk = form_on(list_html, "/beheer/bestellingen/selectie")
    assert ("action", "pick_list") in bulk.buttons
    assert {value for name, value, _checked in bulk.checkboxes if name == "order"} == {
        str(ids["pickup"]), str(ids["cancel"]), str(ids["gift"]), str(ids["delivery"])}
    response = client.post(bulk.action, data=bulk.data(order=[str(ids["pickup"]), str(ids["gift"])],
                                                       action="pick_list"))
    assert response.status_code == 303
    selection_url = response.headers["Location"]
    assert selection_url == f"/beheer/picklijst?order={ids['pickup']}&order={ids['gift']}"
    html = page(client.get(selection_url))
    assert "Picklijst selectie van 2 bestellingen" in html
    assert "2 bestellingen." in html
    assert numbers["pickup"] in html and numbers["gift"] in html
    assert numbers["cancel"] not in html and numbers["delivery"] not in html
    for line in db.session.get(Order, ids["pickup"]).lines + db.session.get(Order, ids["gift"]).lines:
        assert escape(line.name) in html
    assert f'href="{selection_url.replace("/picklijst?", "/picklijst/pdf?").replace("&", "&amp;")}"' in html
    pdf = client.get(selection_url.replace("/picklijst?", "/picklijst/pdf?"))
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")

    # --- print: a packing slip, and the gift order's slip and gift card -------------------------------------
    response = client.get(f"/beheer/bestellingen/{ids['delivery']}/pakbon")
    html = page(response)
    assert response.status_code == 200
    assert f"Pakbon {numbers['delivery']}" in html
    assert all(escape(line.name) in html for line in db.session.get(Order, ids["delivery"]).lines)
    assert "Wenskaart" not in html
    html = page(client.get(f"/beheer/bestellingen/{ids['gift']}/pakbon"))
    assert f"Pakbon {numbers['gift']}" in html
    assert f'href="/beheer/bestellingen/{ids["gift"]}/wenskaart"' in html
    response = client.get(f"/beheer/bestellingen/{ids['gift']}/wenskaart")
    html = page(response)
    assert response.status_code == 200
    assert f"Wenskaart {numbers['gift']}" in html
    assert "Jan Peeters" in html and "Gelukkige verjaardag! Geniet ervan. Liefs, Marie" in html
    assert "Van Marie Dubois" in html
    card = client.get(f"/beheer/bestellingen/{ids['gift']}/wenskaart/pdf")
    assert card.status_code == 200 and card.headers["Content-Type"] == "application/pdf"
    assert card.get_data().startswith(b"%PDF")
    assert client.get(f"/beheer/bestellingen/{ids['delivery']}/wenskaart").status_code == 404

    # --- a paid pickup order: in preparation -> ready for pickup -> completed --------------------------------
    url = find_order(client, numbers["pickup"])
    assert url == f"/beheer/bestellingen/{ids['pickup']}"
    html = page(client.get(url))
    assert next_steps(html, url) == ["in_preparation"]
    html = move_on(client, url, S.IN_PREPARATION, S.PAID)
    assert f"Bestelling {numbers['pickup']}: In voorbereiding." in html
    assert next_steps(html, url) == ["ready_for_pickup"]  # never "shipped" for a pickup
    html = move_on(client, url, S.READY_FOR_PICKUP, S.IN_PREPARATION)
    assert f"Bestelling {numbers['pickup']}: Klaar om af te halen." in html
    assert next_steps(html, url) == ["completed"]
    html = move_on(client, url, S.COMPLETED, S.READY_FOR_PICKUP)
    assert f"Bestelling {numbers['pickup']}: Afgerond." in html
    assert next_steps(html, url) == []
    assert "Deze bestelling heeft geen volgende stap meer." in html

    order = reload(db, ids["pickup"])
    assert order.status == S.COMPLETED
    assert transitions_by(db, order.id, staff) == [
        ("paid", "in_preparation", staff.id, STAFF_EMAIL),
        ("in_preparation", "ready_for_pickup", staff.id, STAFF_EMAIL),
        ("ready_for_pickup", "completed", staff.id, STAFF_EMAIL),
    ]
    mails = mails_of(db, order.id)
    assert [(m.kind, m.dedupe_key, m.to_address) for m in mails] == [
        ("order_confirmed", f"order-confirmed:{order.id}", order.email),
        ("order_ready_for_pickup", f"order-ready-for-pickup:{order.id}", order.email),
    ]
    assert mails[1].subject == f"Je bestelling {order.number} ligt klaar"

    # a replayed "ready" form changes nothing and says why
    stale = client.post(f"{url}/status", data={"to_status": "ready_for_pickup", "expected_status": "in_preparation"})
    assert "Deze bestelling is intussen gewijzigd (nu: afgerond)." in follow(client, stale, url)
    assert len(transitions_by(db, order.id, staff)) == 3

    # --- a paid delivery order: in preparation -> shipped (tracking reference) -> completed -----------------
    url = find_order(client, numbers["delivery"])
    move_on(client, url, S.IN_PREPARATION, S.PAID)
    html = page(client.get(url))
    assert next_steps(html, url) == ["shipped"]  # never "ready for pickup" for a delivery
    # without a tracking reference the form comes back with the message
    ship = form_on(html, f"{url}/status", to_status="shipped")
    refused = client.post(ship.action, data=ship.data(tracking_reference="  "))
    assert refused.status_code == 422
    assert "Geef het zendingsnummer op." in page(refused)
    assert reload(db, ids["delivery"]).status == S.IN_PREPARATION
    html = move_on(client, url, S.SHIPPED, S.IN_PREPARATION, tracking_reference=" BPOST-3SLOV0001234 ")
    assert f"Bestelling {numbers['delivery']}: Verzonden." in html
    assert "BPOST-3SLOV0001234" in html
    html = move_on(client, url, S.COMPLETED, S.SHIPPED)
    assert f"Bestelling {numbers['delivery']}: Afgerond." in html

    order = reload(db, ids["delivery"])
    assert order.status == S.COMPLETED
    assert order.shipments[0].tracking_reference == "BPOST-3SLOV0001234"
    assert transitions_by(db, order.id, staff) == [
        ("paid", "in_preparation", staff.id, STAFF_EMAIL),
        ("in_preparation", "shipped", staff.id, STAFF_EMAIL),
        ("shipped", "completed", staff.id, STAFF_EMAIL),
    ]
    mails = mails_of(db, order.id)
    assert [(m.kind, m.to_address) for m in mails] == [("order_confirmed", order.email), ("order_shipped", order.email)]
    assert mails[1].subject == f"Je bestelling {order.number} is onderweg"
    assert "Zendingsnummer: BPOST-3SLOV0001234" in mails[1].body_text
    assert "BPOST-3SLOV0001234" in mails[1].body_html

    # --- cancel another paid order with a reason: stock back once, refunded in full, customer told ----------
    order = reload(db, ids["cancel"])
    total = order.total_cents
    held = {line.product_id: line.quantity for line in order.lines if line.product_id is not None}
    for line in order.lines:
        for component in line.components:
            held[component.product_id] = held.get(component.product_id, 0) + component.quantity * line.quantity
    before = stock_of(db, held)
    movements_before = db.session.scalar(select(func.count()).select_from(StockMovement))

    url = find_order(client, numbers["cancel"])
    html = page(client.get(url))
    assert f"De voorraad gaat terug, {page_amount(total)} wordt terugbetaald" in html
    cancel = form_on(html, f"{url}/annuleren")
    assert cancel.value("expected_status") == "paid"
    confirm = next(value for name, value, _checked in cancel.checkboxes if name == "confirm")
    # without the tick box nothing happens
    refused = client.post(cancel.action, data=cancel.data(reason="Klant kan niet komen afhalen"))
    assert refused.status_code == 422
    assert "Vink aan dat je de bestelling wilt annuleren." in page(refused)
    assert reload(db, ids["cancel"]).status == S.PAID
    cancel_data = cancel.data(reason="Klant kan niet komen afhalen", confirm=confirm)
    html = follow(client, client.post(cancel.action, data=cancel_data), url)
    amount = page_amount(total)
    assert (f"Bestelling {numbers['cancel']} is geannuleerd; {amount} wordt terugbetaald. "
            "De klant kreeg een e-mail.") in html
    assert f"{amount} van {amount}" in html  # "Terugbetaald: € x van € x"
    assert "Het volledige bedrag is terugbetaald." in html

    order = reload(db, ids["cancel"])
    assert order.status == S.CANCELLED and order.stock_returned
    assert order.refunded_cents == total
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount_cents, r.status, r.by_user_id, r.reason) for r in refunds] == [
        (total, "succeeded", staff.id, "Klant kan niet komen afhalen")]
    assert transitions_by(db, order.id, staff) == [("paid", "cancelled", staff.id, STAFF_EMAIL)]
    assert stock_of(db, held) == {pid: before[pid] + quantity for pid, quantity in held.items()}
    returned = db.session.execute(
        select(StockMovement.product_id, StockMovement.delta, StockMovement.by_user_id)
        .where(StockMovement.reason == MovementReason.CANCEL, StockMovement.note == "Klant kan niet komen afhalen")
        .order_by(StockMovement.product_id)).all()
    assert [tuple(row) for row in returned] == [(pid, held[pid], staff.id) for pid in sorted(held)]
    mails = mails_of(db, order.id)
    assert [(m.kind, m.to_address) for m in mails] == [
        ("order_confirmed", order.email), ("order_cancelled", order.email), ("credit_note_issued", order.email)]
    assert mails[1].subject == f"Je bestelling {order.number} is geannuleerd"
    assert f"We betalen {amount} terug" in _plain(mails[1].body_text)

    # the same form again (a double click, the back button): nothing twice
    replay = client.post(cancel.action, data=cancel_data)
    assert "Deze bestelling is intussen gewijzigd (nu: geannuleerd)." in follow(client, replay, url)
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == movements_before + len(held)
    assert reload(db, ids["cancel"]).refunded_cents == total
    assert db.session.scalar(select(func.count()).select_from(Refund).where(Refund.order_id == ids["cancel"])) == 1
    assert len(mails_of(db, ids["cancel"])) == 3

    # --- a partial refund of € 5,00 on another paid order; the replayed form refunds nothing more -----------
    url = find_order(client, numbers["gift"])
    html = page(client.get(url))
    refund = form_on(html, f"{url}/terugbetalen")
    assert re.fullmatch(r"[0-9a-f]{32}", refund.value("request_key"))
    gift_total = reload(db, ids["gift"]).total_cents
    assert refund.value("amount") == euro(gift_total)  # what is left, by default
    refund_data = refund.data(amount="5,00", reason="Fles beschadigd geleverd")
    html = follow(client, client.post(refund.action, data=refund_data), url)
    assert "€ 5,00 terugbetaald. De klant kreeg een e-mail." in html
    assert f"€ 5,00 van {page_amount(gift_total)}" in html
    order = reload(db, ids["gift"])
    assert order.status == S.PAID  # a partial refund does not cancel
    assert order.refunded_cents == 500
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount_cents, r.status, r.by_user_id, r.request_key) for r in refunds] == [
        (500, "succeeded", staff.id, refund.value("request_key"))]
    mails = mails_of(db, order.id)
    credit_note = db.session.scalar(select(CreditNote).where(CreditNote.refund_id == refunds[0].id))
    assert [(m.kind, m.dedupe_key) for m in mails] == [
        ("order_confirmed", f"order-confirmed:{order.id}"), ("order_refunded", f"order-refunded:{refunds[0].id}"),
        ("credit_note_issued", f"credit-note:{credit_note.id}")]

    replay = client.post(refund.action, data=refund_data)
    html = follow(client, replay, url)
    assert "Deze terugbetaling is al uitgevoerd (€ 5,00). Er is niets opnieuw terugbetaald." in html
    assert reload(db, ids["gift"]).refunded_cents == 500
    assert db.session.scalar(select(func.count()).select_from(Refund).where(Refund.order_id == ids["gift"])) == 1
    assert len(mails_of(db, ids["gift"])) == 3
    # the page offers a fresh form for what is left
    fresh = form_on(html, f"{url}/terugbetalen")
    assert fresh.value("request_key") != refund.value("request_key")
    assert fresh.value("amount") == euro(gift_total - 500)

    # the orders nobody touched are as the seed left them
    untouched = {o.id: o.status for o in orders if o.id not in ids.values()}
    db.session.expire_all()
    assert {oid: db.session.get(Order, oid).status for oid in untouched} == untouched


# --- a new package that sells, and the reports ------------------------------------------------------------------


def _two_products(db) -> list[Product]:
    """Two published products of two active producers with stock to spare, the first ones by id."""
    candidates = db.session.scalars(
        select(Product).join(Producer, Producer.id == Product.producer_id)
        .where(Product.status == ProductStatus.PUBLISHED, Producer.active.is_(True), Product.stock >= 5)
        .order_by(Product.id)
    ).all()
    first = candidates[0]
    second = next(p for p in candidates if p.producer_id != first.producer_id)
    return [first, second]


def test_staff_compose_a_package_that_sells_and_download_every_report(app, client, demo, staff):
    db = demo
    components = _two_products(db)
    component_ids = [p.id for p in components]
    names = {p.id: p.name for p in components}
    list_price = sum(p.price_cents for p in components)
    packages_before = db.session.scalar(select(func.count()).select_from(Package))

    # --- compose: create with a name and a price ----------------------------------------------------------
    html = page(client.get("/beheer/pakketten/nieuw"))
    new = form_on(html, "/beheer/pakketten/nieuw")
    response = client.post(new.action, data=new.data(name="Proefpakket van het personeel", price="24,95",
                                                     story="Samengesteld in het Groot Vleeshuis."))
    assert response.status_code == 303
    package = db.session.scalars(select(Package).where(Package.name == "Proefpakket van het personeel")).one()
    edit_url = f"/beheer/pakketten/{package.id}"
    html = follow(client, response, edit_url)
    assert "Pakket aangemaakt." in html
    assert (package.price_cents, package.active, package.slug) == (2495, False, "proefpakket-van-het-personeel")

    # --- add two published products through the picker --------------------------------------------------------
    for product in components:
        producer_name = db.session.get(Producer, product.producer_id).name
        html = page(client.get(edit_url, query_string={"zoek": f"{product.name} {producer_name}"}))
        add = form_on(html, f"{edit_url}/producten", product_id=str(product.id))
        assert add.value("quantity") == "1"
        html = follow(client, client.post(add.action, data=add.data()), edit_url)
        assert "Product toegevoegd aan het pakket." in html
    db.session.expire_all()
    assert sorted((c.product_id, c.quantity) for c in db.session.scalars(
        select(PackageComponent).where(PackageComponent.package_id == package.id))) == sorted(
        (pid, 1) for pid in component_ids)
    assert f"Losse prijs van de producten</dt><dd>{page_amount(list_price)}</dd>" in html
    margin = re.search(r"Marge \(prijs min losse prijs\)</dt>\s*<dd[^>]*>([^<]*)</dd>", html).group(1)
    assert margin == page_amount(2495 - list_price)

    # --- activate -----------------------------------------------------------------------------------------------
    activate = form_on(html, f"{edit_url}/activeren")
    html = follow(client, client.post(activate.action, data=activate.data()), edit_url)
    assert "Het pakket staat nu in de winkel." in html
    db.session.expire_all()
    assert db.session.get(Package, package.id).active is True
    assert db.session.scalar(select(func.count()).select_from(Package)) == packages_before + 1
    assert "Proefpakket van het personeel" in page(client.get("/beheer/pakketten?status=active"))

    # --- an anonymous shopper finds it, puts it in the cart and orders it -------------------------------------
    db.session.commit()  # end this session's read transaction: the shopper's requests write through their own
    before = stock_of(db, component_ids)
    with another_visitor(app) as shopper:
        html = page(shopper.get("/pakketten", query_string={"q": "Proefpakket personeel"}))
        assert 'href="/pakketten/proefpakket-van-het-personeel"' in html
        response = shopper.get("/pakketten/proefpakket-van-het-personeel")
        html = page(response)
        assert response.status_code == 200
        assert "Proefpakket van het personeel" in html and "€ 24,95" in html
        assert all(escape(name) in html for name in names.values())
        add = form_on(html, "/winkelmand/toevoegen", package_id=str(package.id))
        response = shopper.post(add.action, data=add.data())
        assert response.status_code == 303
        cart_html = page(shopper.get("/winkelmand"))
        assert "Proefpakket van het personeel" in cart_html and "€ 24,95" in cart_html

        checkout = form_on(page(shopper.get("/afrekenen")), "/afrekenen")
        assert checkout.value("pickup_date")  # the first possible pickup day, preselected
        response = shopper.post(checkout.action, data=checkout.data(
            email="proever@voorbeeld.be", name="Lien Proever", method="pickup"))
        assert response.status_code == 303 and response.headers["Location"].endswith("/afrekenen/overzicht")
        review = form_on(page(shopper.get("/afrekenen/overzicht")), "/afrekenen/overzicht")
        response = shopper.post(review.action, data=review.data(accept_terms="y"))
        assert response.status_code == 303
        pay_url = response.headers["Location"]
        pay = form_on(page(shopper.get(pay_url)), pay_url)
        response = shopper.post(pay.action, data=pay.data(action="pay"))
        assert response.status_code in (302, 303)
        status_html = page(shopper.get(response.headers["Location"]))
        assert "Betaald" in status_html and "Proefpakket van het personeel" in status_html

    db.session.expire_all()
    sold = db.session.scalars(select(Order).where(Order.email == "proever@voorbeeld.be")).one()
    assert sold.status == S.PAID
    assert [(line.package_id, line.quantity, line.total_cents) for line in sold.lines] == [(package.id, 1, 2495)]
    assert sorted((c.product_id, c.quantity) for c in sold.lines[0].components) == sorted(
        (pid, 1) for pid in component_ids)
    assert sum(c.share_cents for c in sold.lines[0].components) == 2495
    assert stock_of(db, component_ids) == {pid: before[pid] - 1 for pid in component_ids}
    taken = db.session.execute(
        select(StockMovement.product_id, StockMovement.delta)
        .where(StockMovement.reason == MovementReason.ORDER, StockMovement.product_id.in_(component_ids))
        .order_by(StockMovement.id.desc()).limit(2)).all()
    assert sorted(tuple(row) for row in taken) == sorted((pid, -1) for pid in component_ids)
    assert "Proefpakket van het personeel" in page(client.get(f"/beheer/bestellingen/{sold.id}"))

    # --- download every report as CSV for a period that contains today -------------------------------------------
    today = shop_today().isoformat()
    period = {"van": today, "tot": today, "formaat": "csv"}
    counted = db.session.scalars(select(Order).where(Order.paid_at.is_not(None), Order.status != S.CANCELLED)).all()
    assert sold in counted and len(counted) == 9  # eight paid demo orders and the new one

    response = client.get("/beheer/rapporten/verkoop-per-producent", query_string=period)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="verkoop-per-producent-{today}-{today}.csv"')
    rows = csv_rows(response)
    assert rows[0][:5] == ["Producent", "Producentnummer", "Bestellingen", "Aantal", "Bedrag incl. btw"]
    producer_rows = {row[1]: row for row in rows[1:-1]}
    assert {str(p.producer_id) for p in components} <= set(producer_rows)
    assert rows[-1][0] == "Totaal"
    assert rows[-1][4] == euro(sum(o.goods_cents for o in counted))
    units = sum(line.quantity * (sum(c.quantity for c in line.components) if line.package_id else 1)
                for order in counted for line in order.lines)
    assert rows[-1][3] == str(units)

    response = client.get("/beheer/rapporten/btw", query_string=period)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="btw-per-tarief-{today}-{today}.csv"'
    rows = csv_rows(response)
    assert rows[0][:4] == ["Btw-tarief", "Maatstaf gefactureerd", "Btw gefactureerd", "Totaal gefactureerd"]
    invoices = db.session.scalars(select(Invoice)).all()
    assert len(invoices) == 9
    totals = next(row for row in rows if row and row[0] == "Totaal")
    invoiced = euro(sum(i.total_cents for i in invoices))
    assert (totals[3], totals[6], totals[9]) == (invoiced, "0,00", invoiced)  # no credit notes: net = invoiced
    assert ["Facturen", "9"] in rows and ["Creditnota's", "0"] in rows
    per_rate = rows[1:rows.index(totals)]
    assert [row[0] for row in per_rate] == ["6 %", "21 %"]  # food and drink, and the demo orders' alcohol
    assert sum(int(row[3].replace(",", "")) for row in per_rate) == sum(i.total_cents for i in invoices)
    assert rows[-1] == ["Totaal terugbetaald", "", "0,00", "", "", ""]

    response = client.get("/beheer/rapporten/bestsellers", query_string=period)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="bestsellers-{today}-{today}.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["Rang", "Product", "Producent", "Aantal", "Omzet incl. btw"]
    blank = rows.index([])
    products = {row[1]: row for row in rows[1:blank]}
    assert set(names.values()) <= set(products)
    assert rows[blank + 1] == ["Rang", "Pakket", "", "Aantal", "Omzet incl. btw"]
    package_rows = {row[1]: row[2:] for row in rows[blank + 2:]}
    assert package_rows["Proefpakket van het personeel"] == ["", "1", "24,95"]
    sold_packages = db.session.scalar(
        select(func.count(func.distinct(OrderLine.package_id))).where(OrderLine.package_id.is_not(None),
                                                                      OrderLine.order_id.in_([o.id for o in counted])))
    assert len(package_rows) == sold_packages
