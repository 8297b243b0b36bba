"""The success page and Stripe's webhook (sent more than once) racing for the same payment: one transition."""

from __future__ import annotations

import threading

from shop.orders.models import OrderStatus, OrderTransition
from shop.payments.models import StripeEvent
from tests.factories import place, start_stripe_checkout


def test_success_page_and_webhooks_racing_pay_the_order_once(app, db, stripe_config, cheese):
    order = place((cheese, 2))
    session_id = start_stripe_checkout(order)
    paid = stripe_config.complete_session(session_id)
    events = [stripe_config.event("checkout.session.completed", paid) for _ in range(6)]
    events.append(events[0])  # and one exact duplicate
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def webhook(event):
        client = app.test_client()
        barrier.wait()
        statuses.append(stripe_config.post_event(client, event).status_code)

    def success_page():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.get(f"/afrekenen/bevestiging?session_id={session_id}").status_code)

    threads = [threading.Thread(target=webhook, args=(event,)) for event in events]
    threads += [threading.Thread(target=success_page) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    db.session.expire_all()
    db.session.refresh(order)
    # The webhooks answer 200; so do the success pages, in browsers that did not place the order (a thank-you
    # page without the order), yet each of them may settle the payment.
    assert sorted(statuses) == [200] * 12
    assert order.status == OrderStatus.PAID
    assert db.session.query(OrderTransition).filter_by(order_id=order.id, to_status=OrderStatus.PAID).count() == 1
    assert db.session.query(StripeEvent).count() == 6
