"""POST /stripe/webhook: signed events from the fake Stripe, verified by the real SDK, drive the lifecycle."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from shop.invoicing.queries import get_invoice_of
from shop.orders import notifications
from shop.orders.models import Order, OrderStatus, OrderTransition, PaymentProvider, Refund
from shop.outbox.models import OutboxMessage
from shop.payments.models import StripeEvent
from tests.factories import SUCCESS_URL, make_refund, place, start_stripe_checkout
from tests.helpers import send_stripe_event


@pytest.fixture
def told(monkeypatch):
    """Orders for which the customer was told about a payment after cancellation."""
    calls = []
    monkeypatch.setattr(notifications, "payment_after_cancellation", lambda order: calls.append(order.number))
    return calls


def _reload(db, *objects):
    db.session.expire_all()
    for obj in objects:
        db.session.refresh(obj)


def _statuses(db, order):
    return [(t.from_status, t.to_status, t.actor) for t in
            db.session.query(OrderTransition).filter_by(order_id=order.id).order_by(OrderTransition.id)]


@pytest.fixture
def pending(stripe_config, db, cheese):
    order = place((cheese, 2))
    start_stripe_checkout(order)
    return order


def test_bad_signature_answers_400_and_changes_nothing(client, db, stripe_config, pending):
    session = stripe_config.complete_session(pending.payment_session_id)
    event = stripe_config.event("checkout.session.completed", session)

    forged = stripe_config.post_event(client, event, secret="whsec_not_ours")
    unsigned = stripe_config.post_event(client, event, signature="")

    assert (forged.status_code, unsigned.status_code) == (400, 400)
    _reload(db, pending)
    assert pending.status == OrderStatus.PENDING_PAYMENT
    assert db.session.query(StripeEvent).count() == 0


def test_completed_paid_makes_the_order_paid(client, db, stripe_config, pending):
    session = stripe_config.complete_session(pending.payment_session_id)

    event, response = send_stripe_event(client, stripe_config, "checkout.session.completed", session)

    assert (response.status_code, response.json) == (200, {"status": "paid"})
    _reload(db, pending)
    assert (pending.status, pending.payment_status) == (OrderStatus.PAID, "paid")
    assert pending.payment_intent_id == session["payment_intent"]
    assert _statuses(db, pending)[-1] == (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, "stripe")
    assert db.session.get(StripeEvent, event["id"]).order_id == pending.id


def test_confirmation_is_drawn_after_the_answer_is_sent(app, db, stripe_config, pending):
    # A client that leaves the response open, as a server does until it has written the answer.
    client = FlaskClient(app, app.response_class, use_cookies=True)
    session = stripe_config.complete_session(pending.payment_session_id)

    event, response = send_stripe_event(client, stripe_config, "checkout.session.completed", session)

    assert (response.status_code, response.json) == (200, {"status": "paid"})
    db.session.expire_all()
    [queued] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_confirmed"))
    assert (queued.renderer, queued.body_text) == ("order_mail", "")  # queued as data: the answer did not wait
    response.close()  # the server has sent the answer
    db.session.expire_all()
    [drawn] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_confirmed"))
    assert drawn.renderer == ""
    invoice = get_invoice_of(db.session.get(Order, pending.id))
    assert f"Bestelnummer: {pending.number}" in drawn.body_text
    assert f"De factuur {invoice.number} zit als pdf in de bijlage." in drawn.body_text
    assert [attachment.filename for attachment in drawn.attachments] == [f"factuur-{invoice.number}.pdf"]


def test_duplicate_event_is_processed_once(client, db, stripe_config, pending):
    session = stripe_config.complete_session(pending.payment_session_id)
    event = stripe_config.event("checkout.session.completed", session)

    first = stripe_config.post_event(client, event)
    second = stripe_config.post_event(client, event)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json == {"status": "already processed"}
    assert len(_statuses(db, pending)) == 2  # placed, paid
    assert db.session.query(StripeEvent).count() == 1


def test_a_duplicate_event_makes_no_failed_statement(client, db, stripe_config, pending):
    # Stripe sends an event again when an answer was late or lost: an ordinary case, which must not show up as an
    # error in the database's log (PostgreSQL logs each refused INSERT) nor be told apart by a failed statement.
    from sqlalchemy import event as sa_event

    session = stripe_config.complete_session(pending.payment_session_id)
    event = stripe_config.event("checkout.session.completed", session)
    assert stripe_config.post_event(client, event).status_code == 200
    failures = []
    listener = lambda context: failures.append(context.original_exception)  # noqa: E731
    sa_event.listen(db.engine, "handle_error", listener)
    try:
        second = stripe_config.post_event(client, event)
    finally:
        sa_event.remove(db.engine, "handle_error", listener)

    assert second.json == {"status": "already processed"}
    assert failures == []


def test_unknown_event_type_answers_200(client, db, stripe_config, pending):
    event, response = send_stripe_event(client, stripe_config, "customer.created", {"id": "cus_1", "object": "customer"})

    assert (response.status_code, response.json) == (200, {"status": "ignored"})
    _reload(db, pending)
    assert pending.status == OrderStatus.PENDING_PAYMENT


def test_async_payment_processing_then_succeeded(client, db, stripe_config, pending):
    completed = stripe_config.complete_session(pending.payment_session_id, paid=False)
    _, response = send_stripe_event(client, stripe_config, "checkout.session.completed", completed)
    assert response.json == {"status": "processing"}
    _reload(db, pending)
    assert (pending.status, pending.payment_status) == (OrderStatus.PENDING_PAYMENT, "processing")

    settled = stripe_config.settle_async(pending.payment_session_id, succeeded=True)
    _, response = send_stripe_event(client, stripe_config, "checkout.session.async_payment_succeeded", settled)

    assert response.json == {"status": "paid"}
    _reload(db, pending)
    assert (pending.status, pending.payment_status) == (OrderStatus.PAID, "paid")


def test_async_payment_failed_cancels_and_returns_stock(client, db, stripe_config, pending, cheese):
    stripe_config.complete_session(pending.payment_session_id, paid=False)
    failed = stripe_config.settle_async(pending.payment_session_id, succeeded=False)

    _, response = send_stripe_event(client, stripe_config, "checkout.session.async_payment_failed", failed)

    assert response.json == {"status": "failed"}
    _reload(db, pending, cheese)
    assert (pending.status, pending.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "failed", 10)


def test_expired_cancels_and_returns_stock_once(client, db, stripe_config, pending, cheese):
    assert cheese.stock == 8
    expired = stripe_config.expire(pending.payment_session_id)

    send_stripe_event(client, stripe_config, "checkout.session.expired", expired)
    _, again = send_stripe_event(client, stripe_config, "checkout.session.expired", expired)  # a second event id

    assert again.status_code == 200
    _reload(db, pending, cheese)
    assert (pending.status, pending.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "expired", 10)
    assert pending.stock_returned is True


def test_expired_after_paid_changes_nothing(client, db, stripe_config, pending, cheese):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)

    _, response = send_stripe_event(client, stripe_config, "checkout.session.expired", {**paid, "status": "expired"})

    assert response.status_code == 200
    _reload(db, pending, cheese)
    assert (pending.status, cheese.stock) == (OrderStatus.PAID, 8)


def test_payment_after_expiry_is_flagged_refunded_and_told(client, db, stripe_config, pending, cheese, told):
    # Given the order expired while an async payment was still on its way
    stripe_config.complete_session(pending.payment_session_id, paid=False)
    session = stripe_config.settle_async(pending.payment_session_id, succeeded=True)
    send_stripe_event(client, stripe_config, "checkout.session.expired", {**session, "status": "expired"})

    # When the payment succeeds after all (twice: Stripe may send it again under a new id)
    _, response = send_stripe_event(client, stripe_config, "checkout.session.async_payment_succeeded", session)
    send_stripe_event(client, stripe_config, "checkout.session.completed", session)

    # Then the money is refunded once, the order stays cancelled, staff and customer know
    assert response.status_code == 200
    _reload(db, pending, cheese)
    assert pending.status == OrderStatus.CANCELLED
    assert pending.needs_attention is True
    assert pending.attention_note.startswith(f"Betaling ontvangen (stripe) voor bestelling {pending.number}")
    assert pending.refunded_cents == 2500 == pending.total_cents
    assert stripe_config.charge_for_session(pending.payment_session_id)["amount_refunded"] == 2500
    assert len(stripe_config.refunds) == 1
    assert told == [pending.number]
    assert cheese.stock == 10


def test_the_automatic_refund_goes_out_after_the_answer(app, client, db, stripe_config, pending, told):
    stripe_config.complete_session(pending.payment_session_id, paid=False)
    session = stripe_config.settle_async(pending.payment_session_id, succeeded=True)
    send_stripe_event(client, stripe_config, "checkout.session.expired", {**session, "status": "expired"})
    open_client = FlaskClient(app, app.response_class, use_cookies=True)  # leaves the response open, as a server

    _, answer = send_stripe_event(open_client, stripe_config, "checkout.session.async_payment_succeeded", session)

    assert (answer.status_code, answer.json) == (200, {"status": "paid"})
    assert stripe_config.refunds == {}  # Stripe had its answer before the shop asked it for the refund
    answer.close()  # the server has sent the answer
    _reload(db, pending)
    assert [refund.status for refund in pending.refunds] == ["succeeded"]
    assert stripe_config.charge_for_session(pending.payment_session_id)["amount_refunded"] == 2500


def test_an_automatic_refund_stripe_cannot_take_now_stays_requested_until_reconcile(
        app, client, db, stripe_config, pending, told):
    stripe_config.complete_session(pending.payment_session_id, paid=False)
    session = stripe_config.settle_async(pending.payment_session_id, succeeded=True)
    send_stripe_event(client, stripe_config, "checkout.session.expired", {**session, "status": "expired"})
    event = stripe_config.event("checkout.session.async_payment_succeeded", session)
    stripe_config.fail_next(status=500)  # the automatic refund cannot be sent now

    answer = stripe_config.post_event(client, event)

    assert (answer.status_code, answer.json) == (200, {"status": "paid"})
    _reload(db, pending)
    assert (pending.needs_attention, pending.refunded_cents) == (True, 2500)
    assert [refund.status for refund in pending.refunds] == ["requested"]
    assert stripe_config.refunds == {}
    assert told == [pending.number]

    result = app.test_cli_runner().invoke(args=["reconcile"])

    assert result.exit_code == 0, result.output
    _reload(db, pending)
    assert [refund.status for refund in pending.refunds] == ["succeeded"]
    assert stripe_config.charge_for_session(pending.payment_session_id)["amount_refunded"] == 2500
    assert len(stripe_config.refunds) == 1


def test_charge_refunded_records_a_dashboard_refund(client, db, stripe_config, pending):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    refund = stripe_config.dashboard_refund(pending.payment_session_id, 700)

    _, response = send_stripe_event(client, stripe_config, "charge.refunded",
                        stripe_config.charge_for_session(pending.payment_session_id))
    send_stripe_event(client, stripe_config, "charge.refunded", stripe_config.charge_for_session(pending.payment_session_id))

    assert response.json == {"status": "refund recorded"}
    _reload(db, pending)
    assert pending.refunded_cents == 700
    assert [(r.amount_cents, r.provider_refund_id, r.status) for r in db.session.query(Refund)] == [
        (700, refund["id"], "succeeded")]


def test_charge_refunded_without_the_refund_list_asks_stripe_for_it(client, db, stripe_config, pending):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    first = stripe_config.dashboard_refund(pending.payment_session_id, 300)
    second = stripe_config.dashboard_refund(pending.payment_session_id, 200)

    _, response = send_stripe_event(client, stripe_config, "charge.refunded",
                        stripe_config.charge_for_session(pending.payment_session_id, with_refunds=False))

    assert response.status_code == 200
    _reload(db, pending)
    assert pending.refunded_cents == 500
    assert sorted((r.amount_cents, r.provider_refund_id) for r in db.session.query(Refund)) == [
        (200, second["id"]), (300, first["id"])]
    listed = [r for r in stripe_config.requests if r["method"] == "GET" and r["path"] == "/v1/refunds"]
    assert listed[0]["params"] == {"payment_intent": pending.payment_intent_id, "limit": "100"}


def test_charge_refunded_asks_stripe_before_writing_anything(client, db, stripe_config, pending):
    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    stripe_config.dashboard_refund(pending.payment_session_id, 300)
    engine, order_id, list_refunds = db.engine, pending.id, stripe_config.list_refunds

    def list_while_another_request_writes_the_order(params):
        with engine.begin() as connection:  # would wait for (and on SQLite fail on) a lock of ours
            connection.execute(update(Order).where(Order.id == order_id).values(attention_note="tegelijk"))
        return list_refunds(params)

    stripe_config.list_refunds = list_while_another_request_writes_the_order

    _, response = send_stripe_event(client, stripe_config, "charge.refunded",
                        stripe_config.charge_for_session(pending.payment_session_id, with_refunds=False))

    assert (response.status_code, response.json) == (200, {"status": "refund recorded"})
    _reload(db, pending)
    assert (pending.refunded_cents, pending.attention_note) == (300, "tegelijk")


def test_charge_refunded_matches_the_shops_own_refund(client, db, stripe_config, pending):

    paid = stripe_config.complete_session(pending.payment_session_id)
    send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    _reload(db, pending)
    own = make_refund(pending, 1000, reason="een kaas te weinig")

    send_stripe_event(client, stripe_config, "charge.refunded", stripe_config.charge_for_session(pending.payment_session_id))

    _reload(db, pending)
    assert pending.refunded_cents == 1000
    assert [(r.id, r.amount_cents, r.reason) for r in db.session.query(Refund)] == [(own.id, 1000, "een kaas te weinig")]


# -- which order an event is about

def _nothing_recorded(db, order, cheese, status=OrderStatus.PENDING_PAYMENT, stock=8):
    _reload(db, order, cheese)
    assert (order.status, cheese.stock, order.needs_attention) == (status, stock, False)
    assert db.session.query(StripeEvent).count() == 0


@pytest.mark.parametrize("type_", ["checkout.session.completed", "checkout.session.expired"])
def test_event_for_a_session_the_shop_does_not_know_changes_nothing(client, db, stripe_config, pending, cheese,
                                                                     type_):
    # Another session (not the one recorded on the order) naming the order in its metadata and reference: the
    # order has a session of its own, so it adopts no other
    session = stripe_config.complete_session(pending.payment_session_id)
    stranger = {**session, "id": "cs_test_someone_elses", "status": "expired" if "expired" in type_ else "complete"}

    _, response = send_stripe_event(client, stripe_config, type_, stranger)

    assert (response.status_code, response.json) == (200, {"status": "unknown order"})
    _nothing_recorded(db, pending, cheese)
    assert pending.payment_session_id == session["id"]


def _unrecorded_session(order):
    """A session Stripe made for ``order`` whose id the shop never recorded (a crash or a time-out between
    Stripe's answer and the commit): returns its id."""
    from shop.payments.gateway import StripeGateway
    from shop.payments.services import checkout_request

    return StripeGateway().start_checkout(checkout_request(order, success_url=SUCCESS_URL)).id


@pytest.fixture
def unrecorded(stripe_config, db, cheese):
    order = place((cheese, 2))
    return order, _unrecorded_session(order)


def test_a_session_never_recorded_is_adopted_by_its_order_when_id_and_number_match(client, db, stripe_config,
                                                                                   unrecorded, cheese):
    order, session_id = unrecorded
    assert (order.payment_session_id, order.payment_provider) == (None, "stripe")  # known at placing
    expired = stripe_config.expire(session_id)

    _, response = send_stripe_event(client, stripe_config, "checkout.session.expired", expired)

    assert (response.status_code, response.json) == (200, {"status": "expired"})
    _reload(db, order, cheese)
    assert (order.status, order.payment_status, cheese.stock) == (OrderStatus.CANCELLED, "expired", 10)
    assert (order.payment_session_id, order.payment_provider) == (session_id, "stripe")


@pytest.mark.parametrize("metadata", [
    {"order_number": "{number}"},  # the number alone
    {"order_id": "{id}"},  # the id alone
    {"order_id": "{id}", "order_number": "LOV-2000-000001"},  # another order's number
    {"order_id": "999999", "order_number": "{number}"},  # another order's id
    {},  # only the client_reference_id
])
def test_an_unknown_session_is_not_adopted_unless_its_metadata_names_the_order_exactly(
        client, db, stripe_config, unrecorded, cheese, metadata):
    order, session_id = unrecorded
    expired = stripe_config.expire(session_id)
    expired["metadata"] = {key: value.format(id=order.id, number=order.number) for key, value in metadata.items()}
    assert expired["client_reference_id"] == order.number

    _, response = send_stripe_event(client, stripe_config, "checkout.session.expired", expired)

    assert response.json == {"status": "unknown order"}
    _nothing_recorded(db, order, cheese)
    assert order.payment_session_id is None


# -- what was paid

@pytest.mark.parametrize(("amount_total", "currency", "charged"), [
    (2499, "eur", "24,99 EUR"),
    (250000, "eur", "2500,00 EUR"),
    (2500, "usd", "25,00 USD"),
    (None, "eur", "een onbekend bedrag"),
    (2500, None, "25,00 ?"),
])
@pytest.mark.parametrize("type_", ["checkout.session.completed", "checkout.session.async_payment_succeeded"])
def test_a_payment_of_another_amount_or_currency_is_flagged_not_paid(client, db, stripe_config, pending, cheese,
                                                                      type_, amount_total, currency, charged):
    session = {**stripe_config.complete_session(pending.payment_session_id), "amount_total": amount_total,
               "currency": currency}

    _, response = send_stripe_event(client, stripe_config, type_, session)
    send_stripe_event(client, stripe_config, type_, session)  # again, under another event id

    assert (response.status_code, response.json) == (200, {"status": "amount_mismatch"})
    _reload(db, pending, cheese)
    assert (pending.status, pending.payment_status, pending.paid_at, cheese.stock) == (
        OrderStatus.PENDING_PAYMENT, "unpaid", None, 8)
    assert pending.needs_attention is True
    assert pending.attention_note == (
        f"Betaalsessie {pending.payment_session_id} (betaling {session['payment_intent']}) is betaald met "
        f"{charged}, maar bestelling {pending.number} kost 25,00 EUR: niet als betaald geboekt. Kijk de betaling na.")
    assert db.session.query(Refund).count() == 0


def test_the_exact_amount_in_upper_case_euro_pays(client, db, stripe_config, pending):
    session = {**stripe_config.complete_session(pending.payment_session_id), "currency": "EUR"}

    _, response = send_stripe_event(client, stripe_config, "checkout.session.completed", session)

    assert response.json == {"status": "paid"}
    _reload(db, pending)
    assert (pending.status, pending.needs_attention) == (OrderStatus.PAID, False)


# -- what is an event

def _post_raw(client, fake, payload: str):
    return client.post("/stripe/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": fake.sign(payload)})


def _event(type_="checkout.session.completed", **fields):
    event = {"id": "evt_test_1", "object": "event", "type": type_, "data": {"object": {"id": "cs_test_1"}}}
    event.update(fields)
    return event


def _with_object(type_, **fields):
    return _event(type_, data={"object": {"id": "cs_test_1", "object": "checkout.session", **fields}})


MALFORMED = {
    "a list": [],
    "an empty object": {},
    "null": None,
    "a number": 1,
    "a string": "evt_1",
    "a list of events": [_event()],
    "no id": {key: value for key, value in _event().items() if key != "id"},
    "an empty id": _event(id=""),
    "a numeric id": _event(id=1),
    "an id too long": _event(id="evt_" + "x" * 300),
    "no type": {key: value for key, value in _event().items() if key != "type"},
    "a list as type": _event(type=["checkout.session.completed"]),
    "no data": {key: value for key, value in _event().items() if key != "data"},
    "data without object": _event(data={}),
    "data as a list": _event(data=[{"object": {}}]),
    "an object that is a list": _event(data={"object": []}),
    "an ignored type without object": _event("customer.created", data={}),
    "a session without id": _event(data={"object": {"object": "checkout.session", "payment_status": "paid"}}),
    "a session with a numeric id": _event(data={"object": {"id": 7}}),
    "an amount as text": _with_object("checkout.session.completed", amount_total="2500", currency="eur"),
    "an amount as a boolean": _with_object("checkout.session.completed", amount_total=True, currency="eur"),
    "a currency as a number": _with_object("checkout.session.completed", amount_total=2500, currency=978),
    "a payment status as a list": _with_object("checkout.session.expired", payment_status=["unpaid"]),
    "metadata as a list": _with_object("checkout.session.expired", metadata=["order_id", "1"]),
    "a numeric order id in metadata": _with_object("checkout.session.expired", metadata={"order_id": 1}),
    "an intent as a number": _with_object("checkout.session.completed", payment_intent=12),
    "a charge refunded as text": _event("charge.refunded", data={"object": {"id": "ch_1", "amount_refunded": "7"}}),
    "refunds as a list": _event("charge.refunded", data={"object": {"id": "ch_1", "refunds": []}}),
    "a refund that is a number": _event("charge.refunded", data={"object": {"id": "ch_1", "refunds": {"data": [1]}}}),
    "a NUL in the id": _event(id="evt_\x00"),
    "a lone surrogate in a key": _event(data={"object": {"id": "cs_test_1", "\ud800": 1}}),
    "a lone surrogate in the currency": _with_object("checkout.session.completed", amount_total=2500, currency="\udfff"),
    "a negative amount": _with_object("checkout.session.completed", amount_total=-2500, currency="eur"),
    "an amount out of range": _with_object("checkout.session.completed", amount_total=2**63, currency="eur"),
    "an amount as a float": _with_object("checkout.session.completed", amount_total=2500.0, currency="eur"),
    "a refund without amount": _event("charge.refunded", data={"object": {
        "id": "ch_1", "payment_intent": "pi_1", "refunds": {"data": [{"id": "re_1"}], "has_more": False}}}),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_body_that_is_no_event_answers_400_and_changes_nothing(client, db, stripe_config, pending, cheese,
                                                                         body):
    response = stripe_config.post_event(client, body)

    assert (response.status_code, response.json) == (400, {"error": "malformed event"})
    _nothing_recorded(db, pending, cheese)


@pytest.mark.parametrize("payload", ["", "not json", "{", "[1, 2", "\u00e9\u00e9n"])
def test_a_signed_body_that_is_not_json_answers_400(client, db, stripe_config, pending, cheese, payload):
    response = _post_raw(client, stripe_config, payload)

    assert response.status_code == 400
    _nothing_recorded(db, pending, cheese)


def test_a_malformed_session_about_a_real_order_changes_nothing(client, db, stripe_config, pending, cheese):
    session = {**stripe_config.complete_session(pending.payment_session_id), "amount_total": "2500"}

    _, response = send_stripe_event(client, stripe_config, "checkout.session.completed", session)

    assert response.status_code == 400
    _nothing_recorded(db, pending, cheese)


def test_a_stripe_session_never_adopts_an_order_paid_by_transfer(client, db, stripe_config, unrecorded, cheese):
    order, session_id = unrecorded
    order.payment_provider = PaymentProvider.TRANSFER  # an accepted quote: paid by bank transfer only
    db.session.commit()
    paid = stripe_config.complete_session(session_id)

    _, response = send_stripe_event(client, stripe_config, "checkout.session.completed", paid)

    assert response.json == {"status": "unknown order"}
    _nothing_recorded(db, order, cheese)
    assert (order.payment_session_id, order.payment_provider) == (None, PaymentProvider.TRANSFER)
