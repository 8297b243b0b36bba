"""Purchase lists per producer and period: units to deliver with shortages applied, and e-mailing them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shop.catalog.models import Producer
from shop.core.audit import AuditEntry
from shop.outbox.models import OutboxMessage
from shop.supply.models import ShortageReport, ShortageStatus
from shop.supply.purchase_lists import (
    PurchaseListError,
    build_purchase_list,
    build_purchase_lists,
    default_period,
    send_purchase_list,
    times_sent,
)
from tests.factories import make_package, make_paid_order, make_producer, make_product, make_staff, make_user
from tests.helpers import race

START, END = date(2026, 12, 21), date(2026, 12, 27)


def _on_day(order, day):
    order.shipments[0].scheduled_date = day
    return order


@pytest.fixture
def week(db):
    """In the week: 2 × package (2 kaas + 1 jenever) + 1 kaas on the 22nd, 3 confituur on the 24th (1 refunded),
    the first order's package has 1 kaas substituted by Brugse kaas. Outside: 5 kaas on the 28th."""
    aalter = make_producer("Hoeve Aalter", email="info@hoeve-aalter.be")
    baal = make_producer("Brouwerij Baal")
    brugge = make_producer("Kaasmakerij Brugge", email="")
    kaas = make_product("Hoevekaas", producer=aalter, unit="500 g", stock=20)
    confituur = make_product("Aardbeienconfituur", producer=aalter, unit="350 g", stock=20)
    jenever = make_product("Graanjenever", producer=baal, unit="50 cl", stock=20)
    brugse = make_product("Brugse kaas", producer=brugge, unit="500 g", stock=20)
    package = make_package([(kaas, 2), (jenever, 1)], name="Kerstpakket")
    first = _on_day(make_paid_order((package, 2), (kaas, 1)), date(2026, 12, 22))
    second = _on_day(make_paid_order((confituur, 3)), date(2026, 12, 24))
    later = _on_day(make_paid_order((kaas, 5)), date(2026, 12, 28))
    package_line = next(line for line in first.lines if line.package_id)
    db.session.add_all([
        ShortageReport(order_line_id=package_line.id, product_id=kaas.id, producer_id=aalter.id, quantity=1,
                       status=ShortageStatus.SUBSTITUTED, substitute_product_id=brugse.id,
                       substitute_producer_id=brugge.id, substitute_name="Brugse kaas", substitute_quantity=1),
        ShortageReport(order_line_id=second.lines[0].id, product_id=confituur.id, producer_id=aalter.id,
                       quantity=1, status=ShortageStatus.REFUNDED),
    ])
    db.session.commit()
    return dict(aalter=aalter, baal=baal, brugge=brugge, first=first, second=second, later=later)


def test_default_period_is_the_coming_seven_days():
    assert default_period(date(2026, 12, 21)) == (date(2026, 12, 21), date(2026, 12, 27))


def test_lists_per_producer_count_components_and_resolved_shortages(week):
    lists = build_purchase_lists(START, END)

    assert [(p.producer.name, [(line.name, line.unit, line.quantity) for line in p.lines]) for p in lists] == [
        ("Brouwerij Baal", [("Graanjenever", "50 cl", 2)]),
        ("Hoeve Aalter", [("Aardbeienconfituur", "350 g", 2), ("Hoevekaas", "500 g", 4)]),
        ("Kaasmakerij Brugge", [("Brugse kaas", "500 g", 1)]),
    ]
    kaas = lists[1].lines[1]
    assert kaas.days == [date(2026, 12, 22)]
    assert kaas.orders == [week["first"].number]
    assert lists[1].total == 6


def test_a_producer_without_orders_in_the_period_has_an_empty_list(week):
    purchase = build_purchase_list(week["aalter"], date(2026, 12, 25), date(2026, 12, 27))

    assert purchase.lines == [] and purchase.total == 0


def test_sending_queues_one_dutch_mail_per_recipient_with_the_pdf(week, db):
    staff = make_staff()
    user = make_user("boer@hoeve-aalter.be", role="producer", producer=week["aalter"], locale="fr")
    db.session.commit()

    result = send_purchase_list(week["aalter"], START, END, seen_count=0, by=staff)
    db.session.commit()

    assert (result.number, result.addresses) == (1, [user.email])  # active users first (recipients_for)
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "producer_purchase_list")).all()
    assert len(mails) == 1
    mail = mails[0]
    assert mail.to_address == "boer@hoeve-aalter.be"
    assert mail.subject == "Inkooplijst 21/12/2026 – 27/12/2026: Hoeve Aalter"
    assert "4 × Hoevekaas (500 g)" in mail.body_text and "Dag Hoeve Aalter," in mail.body_text
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("inkooplijst-" + week["aalter"].slug + "-2026-12-21-2026-12-27.pdf", "application/pdf")]
    assert mail.attachments[0].data.startswith(b"%PDF")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "purchase_list.send")).one()
    assert (entry.by_user_id, entry.subject_type, entry.subject_id) == (staff.id, "producer", week["aalter"].id)
    assert times_sent(week["aalter"].id, START, END) == 1


def test_a_replayed_send_queues_nothing_and_a_new_send_queues_again(week, db):
    send_purchase_list(week["aalter"], START, END, seen_count=0)
    db.session.commit()

    with pytest.raises(PurchaseListError, match="al verstuurd"):
        send_purchase_list(week["aalter"], START, END, seen_count=0)
    db.session.rollback()
    again = send_purchase_list(week["aalter"], START, END, seen_count=1)
    db.session.commit()

    assert again.number == 2
    keys = db.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.kind == "producer_purchase_list")).all()
    assert len(keys) == 2 and len(set(keys)) == 2


def test_sending_to_a_producer_without_e_mail_is_refused(week, db):
    with pytest.raises(PurchaseListError, match="geen e-mailadres"):
        send_purchase_list(week["brugge"], START, END, seen_count=0)


def test_sending_an_empty_list_is_refused(week):
    with pytest.raises(PurchaseListError, match="niets te leveren"):
        send_purchase_list(week["aalter"], date(2026, 12, 25), date(2026, 12, 27), seen_count=0)


def test_two_staff_sending_at_once_queue_the_list_once(app, week, db):
    """Each thread has its own app context, session and commit; the dedupe key lets one of them through."""
    producer_id = week["aalter"].id

    def send() -> str:
        with app.test_request_context():
            send_purchase_list(db.session.get(Producer, producer_id), START, END, seen_count=0)
        return "sent"

    outcomes = race(app, [send, send], outcomes={PurchaseListError: "refused"})

    assert sorted(outcomes) == ["refused", "sent"]
    assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "producer_purchase_list")).all()) == 1
    assert times_sent(producer_id, START, END) == 1
