"""Companies ordering their gift lists at the same moment never overbook a delivery day: each list is ordered
whole or not at all (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select

from shop.accounts.models import User
from shop.catalog.models import Product
from shop.extensions import db as _db
from shop.gifts import services
from shop.gifts.models import GiftOrder, GiftOrderStatus
from shop.orders.models import Order, Shipment
from shop.scheduling.models import SlotBooking, SlotKind
from shop.scheduling.services import delivery_slots, set_capacity
from tests.factories import make_company_customer
from tests.gifts.conftest import row
from tests.helpers import race

COMPANIES = 6


def test_companies_racing_for_the_last_parcels_of_a_day_order_whole_lists_within_its_capacity(app, db, gift_shop,
                                                                                              first_day):
    # Room for 5 parcels; every company sends 2 recipients on that day: at most two lists fit.
    set_capacity(SlotKind.DELIVERY, first_day, None, 5, by=None)
    wanted = first_day.strftime("%d/%m/%Y")
    user_ids = []
    for n in range(COMPANIES):
        company = make_company_customer(f"inkoop{n}@bedrijf.be")
        gift = services.get_or_create_draft(company)
        services.receive_upload(gift, [row(name=f"An {n}", desired_date=wanted),
                                       row(name=f"Bo {n}", desired_date=wanted)])
        user_ids.append(company.id)
    _db.session.commit()

    def order_list(user_id: int):
        def step() -> str:
            user = _db.session.get(User, user_id)
            services.place_gift_order(services.get_draft(user), by=user)
            return "ordered"
        return step

    results = race(app, [order_list(user_id) for user_id in user_ids],
                   outcomes={services.DayFull: "refused", services.ListNotReady: "refused"})

    _db.session.expire_all()
    assert sorted(results) == ["ordered"] * 2 + ["refused"] * (COMPANIES - 2)
    assert delivery_slots([first_day])[0].booked == 4
    assert _db.session.scalar(select(func.count()).select_from(Order)) == 2
    assert _db.session.scalar(select(func.count()).select_from(Shipment)) == 4
    assert _db.session.scalar(select(func.count()).select_from(SlotBooking)) == 4
    assert _db.session.get(Product, gift_shop["pralines"].id).stock == 50 - 4
    drafts = [services.get_draft(_db.session.get(User, user_id)) for user_id in user_ids]
    assert sorted(draft is None for draft in drafts) == [False] * (COMPANIES - 2) + [True] * 2
    assert all(draft.status == GiftOrderStatus.DRAFT and len(draft.recipients) == 2 for draft in drafts if draft)


def test_first_visits_of_one_company_at_once_make_one_draft_for_all(app, db, gift_shop):
    user_id = gift_shop["company"].id
    _db.session.commit()

    def visit() -> str:
        return str(services.get_or_create_draft(_db.session.get(User, user_id)).id)

    results = race(app, [visit] * 4)

    draft_ids = _db.session.scalars(select(GiftOrder.id)).all()
    assert len(draft_ids) == 1 and results == [str(draft_ids[0])] * 4
