"""The database connection dropping in the middle of the work: while an order is placed, while a payment
webhook is handled, while mails are delivered. Each time the connection is really killed on the server
(pg_terminate_backend on this test run's own database, never the shared server itself), and afterwards nothing is
half done: the work is rolled back and done once when asked again.

PostgreSQL only (SHOP_TEST_DATABASE_URL names a PostgreSQL server: CI's second pass): SQLite has no server
connection to lose.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from shop.cart.models import CartLine
from shop.catalog.models import Product
from shop.core.supervisor import run_supervised
from shop.extensions import db as _db
from shop.invoicing.models import Invoice
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxMessage, OutboxStatus
from shop.outbox.services import enqueue
from shop.scheduling.days import pickup_days
from tests.factories import make_order_cart, make_product, place, start_stripe_checkout
from tests.helpers import send_stripe_event


@pytest.fixture
def postgres(app):
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: a connection to lose (CI's second pass)")
    admin = create_engine(_db.engine.url, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@contextmanager
def dropping(admin, target, name: str):
    """While the block runs, ``target.name`` kills the database connection of the session that calls it (after
    doing its own work), as a server restart or a network cut would."""
    original = getattr(target, name)

    def drop_then(*args, **kwargs):
        result = original(*args, **kwargs)
        pid = _db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return result

    setattr(target, name, drop_then)
    try:
        yield
    finally:
        setattr(target, name, original)


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_connection_dropping_while_an_order_is_placed_leaves_nothing_and_the_retry_places_it_once(
        client, db, postgres, errors_answered):
    import shop.cart.services as cart_services

    cheese = make_product("Oude Brugge", price_cents=1250, stock=10)
    cart = make_order_cart((cheese, 2))
    db.session.commit()
    cheese_id = cheese.id
    client.set_cookie("lov_cart", cart.token)
    form = {"email": "an@voorbeeld.be", "name": "An Peeters", "phone": "", "method": "pickup",
            "pickup_date": pickup_days()[0].isoformat()}
    assert client.post("/afrekenen", data=form).status_code == 303

    # The stock is taken and the cart emptied in the transaction; then the connection dies before the commit.
    with dropping(postgres, cart_services, "clear_cart"):
        failed = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})

    assert failed.status_code == 503
    assert "betaal niet opnieuw" in failed.get_data(as_text=True)
    _db.session.remove()
    assert (_count(Order), _db.session.get(Product, cheese_id).stock, _count(CartLine)) == (0, 10, 1)

    retried = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})

    assert retried.status_code == 303
    _db.session.remove()
    assert (_count(Order), _db.session.get(Product, cheese_id).stock) == (1, 8)


def test_the_connection_dropping_during_a_payment_webhook_answers_503_and_stripes_retry_pays_once(
        client, db, postgres, stripe_config, errors_answered):
    import shop.payments.services as payment_services

    cheese = make_product("Oude Brugge", price_cents=1250, stock=10)
    order = place((cheese, 2))
    start_stripe_checkout(order)
    order_id = order.id
    paid = stripe_config.complete_session(order.payment_session_id)

    with dropping(postgres, payment_services, "transition"):
        event, failed = send_stripe_event(client, stripe_config, "checkout.session.completed", paid)
    assert failed.status_code >= 500  # Stripe retries a 5xx
    _db.session.remove()
    assert _db.session.get(Order, order_id).status == OrderStatus.PENDING_PAYMENT

    again = stripe_config.post_event(client, event)
    twice = stripe_config.post_event(client, event)

    assert again.status_code == 200 and twice.json == {"status": "already processed"}
    _db.session.remove()
    assert _db.session.get(Order, order_id).status == OrderStatus.PAID
    assert _count(Invoice, Invoice.order_id == order_id) == 1
    assert _count(OutboxMessage, OutboxMessage.kind == "order_confirmed", OutboxMessage.order_id == order_id) == 1


def test_the_connection_dropping_during_mail_delivery_sends_every_mail_once(app, db, postgres):
    import shop.outbox.worker as worker

    for number in range(3):
        enqueue(kind="test", to=f"klant{number}@voorbeeld.be", subject=f"Bericht {number}", text="tekst")
    db.session.commit()
    mail_dir = Path(app.config["MAIL_DIR"])
    before = set(mail_dir.glob("*.eml")) if mail_dir.exists() else set()

    # The first mail is written, then the connection dies before its "sent" is committed: the worker's loop
    # survives, and the next run starts over on a fresh connection.
    with dropping(postgres, worker, "_write_file"):
        stats = run_supervised(lambda: bool(worker.deliver_pending()), name="test worker", interval=0.01,
                               max_backoff=0.01, max_runs=1)
    assert stats.failures == 1
    run_supervised(lambda: bool(worker.deliver_pending()), name="test worker", interval=0.01, max_runs=2)

    _db.session.remove()
    assert _count(OutboxMessage, OutboxMessage.status == OutboxStatus.SENT) == 3
    written = sorted(path.name for path in set(mail_dir.glob("*.eml")) - before)
    # The mail being written when the connection died is written again (at least once: SMTP has no
    # transaction with the database); every other mail exactly once.
    message_ids = [name.split("-", 2)[1] for name in written]  # <time>-<message id>-<kind>.eml
    assert len(set(message_ids)) == 3 and len(written) <= 4
