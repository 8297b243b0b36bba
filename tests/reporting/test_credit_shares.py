"""The one rule that takes a credit note off the producers (shop.reporting.credit_shares), on plain holdings."""

from __future__ import annotations

from shop.reporting.credit_shares import SHOP, Credit, Shortage, take_credit

LINDE, BAERT = 1, 2
CHEESE, GIN, JAM = 10, 11, 12


def _holdings():
    """Linde: 3 cheeses 1350 (6 %) and a gin 3000 (21 %); Baert: 2 jams 1200 (6 %); the shop: a fee of 695 split
    over the goods' rates as 269 (6 %) and 426 (21 %). Invoice: 6 %: 2819, 21 %: 3426, total 6245."""
    return {(LINDE, CHEESE, 6): [3, 1350], (LINDE, GIN, 21): [1, 3000], (BAERT, JAM, 6): [2, 1200],
            (SHOP, 0, 6): [0, 269], (SHOP, 0, 21): [0, 426]}


def test_a_partial_credit_is_shared_at_each_rate_by_everything_the_order_paid_for_the_fee_too():
    holdings = _holdings()

    taken = take_credit(holdings, Credit(gross_by_rate=((6, 500), (21, 300)), total_cents=800, closes_invoice=False))

    # 6 %: 500 over 1350 : 1200 : 269 -> 239.4 / 212.8 / 47.7 -> 239 / 213 / 48; 21 %: 300 over 3000 : 426
    # -> 262.7 / 37.3 -> 263 / 37. Units stay.
    assert taken == {(LINDE, CHEESE, 6): (0, -239), (BAERT, JAM, 6): (0, -213), (SHOP, 0, 6): (0, -48),
                     (LINDE, GIN, 21): (0, -263), (SHOP, 0, 21): (0, -37)}
    assert sum(cents for _units, cents in taken.values()) == -800
    assert holdings[(LINDE, CHEESE, 6)] == [3, 1350 - 239]


def test_the_credit_that_closes_the_invoice_takes_everything_that_is_left_units_too():
    holdings = _holdings()
    take_credit(holdings, Credit(gross_by_rate=((6, 500),), total_cents=500, closes_invoice=False))

    taken = take_credit(holdings, Credit(gross_by_rate=((6, 2319), (21, 3426)), total_cents=5745,
                                         closes_invoice=True))

    assert all(held == [0, 0] for held in holdings.values())
    assert taken[(LINDE, CHEESE, 6)][0] == -3 and taken[(BAERT, JAM, 6)][0] == -2
    assert sum(cents for _units, cents in taken.values()) == -5745


def test_a_shortage_credit_comes_off_the_producer_that_could_not_deliver_only():
    holdings = _holdings()

    taken = take_credit(holdings, Credit(gross_by_rate=((6, 450),), total_cents=450, closes_invoice=False,
                                         shortage=Shortage(LINDE, CHEESE, 6, 1)))

    assert taken == {(LINDE, CHEESE, 6): (-1, -450)}
    assert holdings[(BAERT, JAM, 6)] == [2, 1200]


def test_a_credit_at_a_rate_nothing_is_left_at_falls_on_what_is_left_at_any_rate():
    holdings = {(LINDE, CHEESE, 6): [3, 0], (LINDE, GIN, 21): [1, 3000], (BAERT, JAM, 6): [2, 0]}

    taken = take_credit(holdings, Credit(gross_by_rate=((6, 100),), total_cents=100, closes_invoice=False))

    assert taken == {(LINDE, GIN, 21): (0, -100)}
