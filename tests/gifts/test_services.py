"""A gift list's second upload, and ordering it: one order, a shipment per recipient, all or nothing."""

import pytest
from sqlalchemy import func, select, update

from shop.catalog.models import Product
from shop.core.clock import shop_now
from shop.extensions import db
from shop.gifts import services
from shop.gifts.models import GiftOrder, GiftOrderStatus
from shop.inventory.models import StockMovement
from shop.orders.lifecycle import transition
from shop.orders.models import Order, OrderStatus
from shop.scheduling.days import delivery_days
from shop.scheduling.models import Slot, SlotBooking, SlotKind
from shop.scheduling.services import bookings_of, delivery_slots, release_slots, set_capacity
from tests.gifts.conftest import row


def test_a_second_upload_shows_what_changed_and_waits_for_confirmation(gift_shop):
    gift = services.get_or_create_draft(gift_shop["company"])
    services.receive_upload(gift, [row(name="An"), row(name="Bo"), row(name="Cas")])

    staged = services.receive_upload(gift, [row(name="An"), row(name="Bo", street="Kouter 2"), row(name="Dirk")])
    changes = services.pending_changes(gift)

    assert staged and [r.name for r in gift.recipients] == ["An", "Bo", "Cas"]
    assert [r["name"] for r in changes.added] == ["Dirk"]
    assert [r["name"] for r in changes.removed] == ["Cas"]
    assert [(old["street"], new["street"], names) for old, new, names in changes.changed] == [
        ("Veldstraat 1", "Kouter 2", ["street"])]
    assert changes.unchanged == 1

    services.confirm_upload(gift)

    assert [(r.name, r.street) for r in gift.recipients] == [("An", "Veldstraat 1"), ("Bo", "Kouter 2"),
                                                             ("Dirk", "Veldstraat 1")]
    assert gift.pending_rows == []


def test_a_discarded_upload_keeps_the_list(gift_shop):
    gift = services.get_or_create_draft(gift_shop["company"])
    services.receive_upload(gift, [row(name="An")])
    services.receive_upload(gift, [row(name="Bo")])

    services.discard_upload(gift)

    assert [r.name for r in gift.recipients] == ["An"] and gift.pending_rows == []


def test_only_a_company_has_a_gift_list(db):
    from tests.factories import make_user

    with pytest.raises(services.NotACompany):
        services.get_or_create_draft(make_user("consument@voorbeeld.be"))


def test_two_first_visits_at_once_make_one_draft_for_both(gift_shop, monkeypatch):
    # Both visits looked for the company's draft and found none, and each made one: two drafts of one user (the
    # list page showed the newest; the other blocked a cancelled list from becoming the draft again).
    company = gift_shop["company"]
    look_up = services.get_draft
    calls = []

    def none_found_then_the_other_visit_makes_one(user):
        found = look_up(user)
        calls.append(1)
        if len(calls) == 1:
            db.session.add(GiftOrder(user_id=user.id))
            db.session.commit()  # the other visit's request, done
        return found

    monkeypatch.setattr(services, "get_draft", none_found_then_the_other_visit_makes_one)

    gift = services.get_or_create_draft(company)
    db.session.commit()

    monkeypatch.undo()
    assert db.session.scalars(select(GiftOrder.id)).all() == [gift.id]
    assert gift.status == GiftOrderStatus.DRAFT and gift.user_id == company.id


def _movements() -> list[tuple[int, int]]:
    return sorted(db.session.execute(select(StockMovement.product_id, func.sum(StockMovement.delta))
                                     .where(StockMovement.reason == "order")
                                     .group_by(StockMovement.product_id)).all())


def test_ordering_makes_one_order_with_a_shipment_per_recipient_and_takes_the_stock(gift_shop, first_day):
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An", item="kerstpakket", quantity="2", company="Anker"),
                                   row(name="Bo", item="pralines", quantity="3", message="<b>Proost</b>"),
                                   row(name="Cas", item="Kerstpakket", postcode="9050", city="Gentbrugge")])

    order = services.place_gift_order(gift, by=company)

    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert [(s.recipient_name, s.postcode, s.scheduled_date, s.gift_message, s.fee_cents) for s in order.shipments] == [
        ("An, Anker", "9000", first_day, "Fijne feesten!", 695),
        ("Bo", "9000", first_day, "<b>Proost</b>", 695),
        ("Cas", "9050", first_day, "Fijne feesten!", 695)]
    assert [[(line.name, line.quantity, line.total_cents) for line in s.lines] for s in order.shipments] == [
        [("Kerstpakket", 2, 7000)], [("Pralines", 3, 4500)], [("Kerstpakket", 1, 3500)]]
    assert (order.goods_cents, order.delivery_fee_cents, order.total_cents) == (15000, 2085, 17085)
    assert (order.company_name, order.vat_number, order.status) == ("Brouwerij Het Anker Gent bv", "BE0123456749",
                                                                   OrderStatus.PENDING_PAYMENT)
    kaas, jenever, pralines = gift_shop["kaas"], gift_shop["jenever"], gift_shop["pralines"]
    assert _movements() == sorted([(kaas.id, -3), (jenever.id, -3), (pralines.id, -3)])
    assert (kaas.stock, jenever.stock, pralines.stock) == (17, 17, 47)
    assert gift.status == GiftOrderStatus.PLACED and gift.order_id == order.id
    assert [r.shipment_id for r in gift.recipients] == [s.id for s in order.shipments]


def _buyer(order) -> dict:
    """What an order records of its buyer, whichever way it was placed."""
    first = order.transitions[0]
    return dict(user_id=order.user_id, email=order.email, name=order.name, phone=order.phone,
                company=(order.company_name, order.vat_number, order.billing_street, order.billing_postcode,
                         order.billing_city, order.peppol_id, order.purchase_order),
                provider=order.payment_provider.value, status=order.status, token=len(order.status_token) >= 40,
                terms=order.terms_accepted_at is not None,
                first=(first.from_status, first.to_status, first.by_user_id, first.actor, first.note))


def test_a_gift_order_is_the_company_s_with_its_profile_details_like_a_company_s_checkout(gift_shop, first_day):
    from tests.factories import make_company_order_data, make_order

    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An", item="pralines", quantity="1")])

    order = services.place_gift_order(gift, by=company)
    at_checkout = make_order((gift_shop["pralines"], 1), by=company, data=make_company_order_data(
        email=company.email, name=company.name, phone=""))

    assert _buyer(order) == dict(
        user_id=company.id, email=company.email, name="Els Bedrijf", phone="",
        company=("Brouwerij Het Anker Gent bv", "BE0123456749", "Korenmarkt 1", "9000", "Gent", "0208:0123456749", ""),
        provider="demo", status=OrderStatus.PENDING_PAYMENT, token=True, terms=True,
        first=(None, OrderStatus.PENDING_PAYMENT, company.id, "customer", "bedrijfsgeschenken: 1 ontvangers"))
    assert _buyer(at_checkout) == _buyer(order) | dict(
        first=(None, OrderStatus.PENDING_PAYMENT, company.id, "customer", ""))
    assert order.status_token != at_checkout.status_token


def test_a_list_with_a_wrong_row_orders_nothing(gift_shop):
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(), row(name="Bo", postcode="12")])

    with pytest.raises(services.ListNotReady, match="1 rijen"):
        services.place_gift_order(gift, by=company)


def test_a_package_that_ran_out_after_checking_orders_nothing(gift_shop):
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An", item="pralines", quantity="2"),
                                   row(name="Bo", item="kerstpakket", quantity="2")])
    db.session.commit()
    jenever = db.session.get(Product, gift_shop["jenever"].id)
    # Another buyer takes the jenever after this session read it (the figure it holds is now stale).
    db.session.execute(update(Product).where(Product.id == jenever.id).values(stock=1)
                       .execution_options(synchronize_session=False))

    with pytest.raises(services.GiftOutOfStock, match="Oude graanjenever"):
        services.place_gift_order(gift, by=company)
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert _movements() == []
    assert db.session.get(Product, gift_shop["pralines"].id).stock == 50
    assert services.get_draft(company).status == GiftOrderStatus.DRAFT


def _booked(day) -> int:
    return delivery_slots([day])[0].booked


def test_ordering_books_one_parcel_per_shipment_on_its_day(gift_shop, first_day):
    # One parcel a day: the second recipient without a date goes to the next delivery day.
    second = delivery_days()[1]
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An"), row(name="Bo"), row(name="Cas",
                                                                       desired_date=second.strftime("%d/%m/%Y"))])
    set_capacity(SlotKind.DELIVERY, first_day, None, 1, by=None)
    set_capacity(SlotKind.DELIVERY, second, None, 3, by=None)

    order = services.place_gift_order(gift, by=company)

    assert [s.scheduled_date for s in order.shipments] == [first_day, second, second]
    assert [(b.slot.day, b.shipment_id, b.units) for b in bookings_of(order.id)] == [
        (first_day, order.shipments[0].id, 1), (second, order.shipments[1].id, 1), (second, order.shipments[2].id, 1)]
    assert (_booked(first_day), _booked(second)) == (1, 2)


def test_a_day_that_filled_after_checking_orders_nothing(gift_shop, first_day):
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An"), row(name="Bo")])
    set_capacity(SlotKind.DELIVERY, first_day, None, 3, by=None)
    db.session.commit()
    slot = db.session.scalar(select(Slot).where(Slot.kind == SlotKind.DELIVERY, Slot.day == first_day))
    # Another buyer takes two parcels of the day after this session read it (the room it holds is now stale).
    db.session.execute(update(Slot).where(Slot.id == slot.id).values(booked=2)
                       .execution_options(synchronize_session=False))

    with pytest.raises(services.DayFull, match="intussen volzet"):
        services.place_gift_order(gift, by=company)
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert _movements() == []
    assert db.session.scalar(select(func.count()).select_from(SlotBooking)) == 0
    assert _booked(first_day) == 0
    assert db.session.get(Product, gift_shop["pralines"].id).stock == 50
    assert services.get_draft(company).status == GiftOrderStatus.DRAFT


def test_cancelling_a_gift_order_frees_all_its_parcels_exactly_once(gift_shop, first_day):
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An"), row(name="Bo"), row(name="Cas")])
    order = services.place_gift_order(gift, by=company)
    db.session.commit()
    assert _booked(first_day) == 3

    transition(order, OrderStatus.CANCELLED, actor="system", note="verlopen")

    assert release_slots(order.id) == 0
    assert _booked(first_day) == 0
    assert [b.released_at is not None for b in bookings_of(order.id)] == [True, True, True]


def _quoted_gift_list(app, gift_shop):
    """A company's gift list for An and Bo, ordered and turned into a quote (committed): (company, list, order)."""
    from shop.orders.quotes import make_quote

    app.config["SHOP_SETTINGS"] = {**app.config.get("SHOP_SETTINGS", {}), "quote_min_cents": 1000}
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An"), row(name="Bo")])
    order = services.place_gift_order(gift, by=company)
    make_quote(order, now=shop_now(), by=company)
    db.session.commit()
    return company, gift, order


def test_a_gift_list_whose_quote_is_declined_is_a_draft_again_with_its_recipients(app, gift_shop):
    from shop.orders.quotes import decline_quote

    company, gift, order = _quoted_gift_list(app, gift_shop)

    decline_quote(order, today=shop_now().date(), by=company)
    db.session.commit()

    assert order.status == OrderStatus.CANCELLED
    draft = services.get_draft(company)
    assert draft is not None and draft.id == gift.id and draft.order_id is None
    assert [(r.name, r.shipment_id) for r in draft.recipients] == [("An", None), ("Bo", None)]


def test_a_paid_gift_order_cancelled_by_staff_leaves_its_list_placed(gift_shop):
    from shop.payments.services import payment_succeeded

    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An")])
    order = services.place_gift_order(gift, by=company)
    payment_succeeded(order, payment_intent_id="pi_gift", actor="test")
    db.session.commit()

    transition(order, OrderStatus.CANCELLED, actor="staff", note="op vraag van de klant")
    db.session.commit()

    assert gift.status == GiftOrderStatus.PLACED and gift.order_id == order.id
    assert services.get_draft(company) is None


def test_an_unpaid_gift_order_cancelled_after_a_new_list_was_started_leaves_the_new_draft_alone(gift_shop):
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An")])
    order = services.place_gift_order(gift, by=company)
    db.session.commit()
    newer = services.get_or_create_draft(company)
    services.receive_upload(newer, [row(name="Cas")])
    db.session.commit()

    transition(order, OrderStatus.CANCELLED, actor="system", note="betaalsessie verlopen")
    db.session.commit()

    assert gift.status == GiftOrderStatus.PLACED
    assert services.get_draft(company).id == newer.id


def test_an_unpaid_gift_order_cancelled_after_the_list_page_was_opened_again_is_the_draft_again(gift_shop):
    # The empty draft that opening the page made (nothing of the company's in it) kept the cancelled list from
    # being the draft again: its recipients were lost to the company.
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An")])
    order = services.place_gift_order(gift, by=company)
    db.session.commit()
    opened = services.get_or_create_draft(company)  # the list page opened again
    db.session.commit()
    assert opened.id != gift.id

    transition(order, OrderStatus.CANCELLED, actor="system", note="betaalsessie verlopen")
    db.session.commit()

    draft = services.get_draft(company)
    assert (draft.id, draft.order_id, [r.name for r in draft.recipients]) == (gift.id, None, ["An"])
    assert db.session.scalars(select(GiftOrder.id)).all() == [gift.id]


def test_an_unpaid_gift_order_cancelled_while_the_page_makes_a_draft_is_the_draft_again(gift_shop, monkeypatch):
    # The cancellation found no other draft, then the list page (opened at that moment) stored an empty one:
    # with one draft per user, making the cancelled list the draft too failed the whole cancellation.
    company = gift_shop["company"]
    gift = services.get_or_create_draft(company)
    services.receive_upload(gift, [row(name="An")])
    order = services.place_gift_order(gift, by=company)
    db.session.commit()
    look_up = services._hold_draft_of
    calls = []

    def none_found_then_the_page_makes_one(user_id):
        found = look_up(user_id)
        calls.append(1)
        if len(calls) == 1:
            db.session.add(GiftOrder(user_id=user_id))
            db.session.commit()  # the page's request, done
        return found

    monkeypatch.setattr(services, "_hold_draft_of", none_found_then_the_page_makes_one)

    transition(order, OrderStatus.CANCELLED, actor="system", note="betaalsessie verlopen")
    db.session.commit()

    monkeypatch.undo()
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert db.session.get(Product, gift_shop["pralines"].id).stock == 50
    draft = services.get_draft(company)
    assert (draft.id, [r.name for r in draft.recipients]) == (gift.id, ["An"])
    assert db.session.scalars(select(GiftOrder.id)).all() == [gift.id]


def test_a_quoted_gift_list_holds_its_parcels_until_the_quote_expires_then_frees_them_once(app, gift_shop, first_day):
    from datetime import datetime, time, timedelta

    from shop.core.clock import SHOP_TIMEZONE
    from shop.payments.transfers import expire_quotes_and_transfers

    company, gift, order = _quoted_gift_list(app, gift_shop)
    last_evening = datetime.combine(order.quote_valid_until, time(23, 0), tzinfo=SHOP_TIMEZONE)

    on_last_day = expire_quotes_and_transfers(last_evening)
    held = _booked(first_day)
    first = expire_quotes_and_transfers(last_evening + timedelta(hours=2))
    again = expire_quotes_and_transfers(last_evening + timedelta(days=1))

    assert (on_last_day.quotes, held) == ([], 2)
    assert (first.quotes, again.quotes) == ([order.number], [])
    db.session.expire_all()
    assert _booked(first_day) == 0
    assert [b.released_at is not None for b in bookings_of(order.id)] == [True, True]
    assert db.session.get(Product, gift_shop["pralines"].id).stock == 50
