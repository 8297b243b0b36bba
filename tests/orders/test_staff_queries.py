"""The back office's order reads: filter parsing (bad values reported and ignored) and the paginated list."""

from __future__ import annotations

from datetime import date

import pytest

from shop.invoicing.queries import get_invoice_of
from shop.orders.models import DeliveryMethod, OrderStatus
from shop.orders.staff_queries import get_order_for_staff, list_orders, parse_order_filters
from tests.factories import make_order, make_order_data, make_package, make_paid_order, make_producer, make_product
from tests.helpers import count_queries


def test_parse_valid_filters():
    filters = parse_order_filters({"status": "paid", "methode": "delivery", "van": "2026-12-01", "tot": "2026-12-24",
                                   "producent": "7", "q": "  Peeters ", "pagina": "3"})

    assert (filters.status, filters.method, filters.date_from, filters.date_to, filters.producer_id, filters.q,
            filters.page, filters.errors) == (OrderStatus.PAID, DeliveryMethod.DELIVERY, date(2026, 12, 1),
                                              date(2026, 12, 24), 7, "Peeters", 3, [])


@pytest.mark.parametrize("args, message", [
    ({"status": "verzonden"}, "Onbekende status; die filter is genegeerd."),
    ({"methode": "drone"}, "Onbekende leverwijze; die filter is genegeerd."),
    ({"van": "31-12-2026"}, "Van is geen geldige datum (JJJJ-MM-DD); die filter is genegeerd."),
    ({"tot": "2026-02-30"}, "Tot is geen geldige datum (JJJJ-MM-DD); die filter is genegeerd."),
    ({"van": "2026-12-24", "tot": "2026-12-01"}, "De begindatum ligt na de einddatum; de datums zijn genegeerd."),
    ({"producent": "abc"}, "Onbekende producent; die filter is genegeerd."),
    ({"producent": "-1"}, "Onbekende producent; die filter is genegeerd."),
    ({"pagina": "0"}, "Ongeldig paginanummer; pagina 1 wordt getoond."),
    ({"pagina": "twee"}, "Ongeldig paginanummer; pagina 1 wordt getoond."),
])
def test_bad_filter_values_are_reported_and_ignored(app, args, message):
    with app.test_request_context():
        filters = parse_order_filters(args)

    assert filters.errors == [message]
    assert (filters.status, filters.method, filters.date_from, filters.date_to, filters.producer_id, filters.page) == (
        None, None, None, None, None, 1)


def _numbers(page) -> list[str]:
    return [order.number for order in page.orders]


def test_list_filters_by_status_method_day_producer_and_search(db):
    from shop.scheduling.days import pickup_days

    day1, day2 = pickup_days()[0], pickup_days()[1]
    farm, other = make_producer("Hoeve De Linde"), make_producer("Brouwerij Ter Dolen")
    cheese = make_product("Kaas", producer=farm, stock=50)
    beer = make_product("Bier", producer=other, stock=50)
    package = make_package([(cheese, 1), (beer, 1)])
    loose = make_paid_order((cheese, 1), data=make_order_data(pickup_date=day1, name="Marie Claes"))
    in_package = make_order((package, 1), data=make_order_data(pickup_date=day2, email="jef@Voorbeeld.be"))
    beer_only = make_paid_order((beer, 1), data=make_order_data("delivery"))
    db.session.commit()

    def run(**args):
        return _numbers(list_orders(parse_order_filters(args)))

    newest_first = [beer_only.number, in_package.number, loose.number]
    assert run() == newest_first
    assert run(status="paid") == [beer_only.number, loose.number]
    assert run(methode="delivery") == [beer_only.number]
    assert run(methode="pickup", van=day2.isoformat(), tot=day2.isoformat()) == [in_package.number]
    assert run(van=day1.isoformat(), tot=day1.isoformat()) == [loose.number]
    assert run(producent=str(farm.id)) == [in_package.number, loose.number]
    assert run(producent=str(other.id)) == [beer_only.number, in_package.number]
    assert run(q="claes") == [loose.number]
    assert run(q="JEF@voorbeeld") == [in_package.number]
    assert run(q="VOORBEELD.BE") == newest_first
    assert run(q=loose.number[-4:]) == [loose.number]
    assert run(q="100%_") == []


def test_pagination_counts_everything_and_clamps_the_page(db):
    product = make_product(stock=100)
    orders = [make_order((product, 1)) for _ in range(5)]
    db.session.commit()

    page = list_orders(parse_order_filters({"pagina": "2"}), per_page=2)
    last = list_orders(parse_order_filters({"pagina": "9"}), per_page=2)

    assert (page.total, page.pages, page.page, _numbers(page)) == (5, 3, 2, [orders[2].number, orders[1].number])
    assert (last.page, _numbers(last)) == (3, [orders[0].number])


def test_list_uses_a_fixed_number_of_queries(db):
    product = make_product(stock=100)
    producer_id = product.producer_id

    def count_for(n: int) -> int:
        for _ in range(n):
            make_order((product, 1))
        db.session.commit()
        filters = parse_order_filters({"producent": str(producer_id), "q": "an@"})
        with count_queries(db.engine) as statements:
            page = list_orders(filters)
            for order in page.orders:
                _ = [s.method for s in order.shipments]
        return len(statements)

    assert count_for(1) == count_for(6) == 3


def test_order_for_staff_loads_everything_the_page_shows(db):
    product = make_product(stock=10)
    order_id = make_paid_order((make_package([(product, 2)]), 1)).id
    db.session.commit()
    db.session.expunge_all()

    loaded = get_order_for_staff(order_id)
    db.session.expunge(loaded)

    # Detached: every collection the page shows must already be loaded.
    assert [len(line.components) for line in loaded.lines] == [1]
    assert (len(loaded.shipments), len(loaded.transitions), loaded.refunds, loaded.notes) == (1, 2, [], [])
    assert get_invoice_of(loaded) is not None  # the page asks invoicing for it (orders do not know invoices)
    assert get_order_for_staff(999999) is None
