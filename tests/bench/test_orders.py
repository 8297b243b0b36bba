"""The orders stage's modes: think time parsed from the command line, paced buyers pausing between steps (a fake
clock, never a real wait), and the report's rows for the paced and the saturation run."""

from __future__ import annotations

import random
import threading

import pytest

from bench import orders
from bench.report import orders_markdown
from bench.run import order_seconds, parse_args


def test_think_time_is_min_max_seconds():
    assert orders.parse_think("1,3") == (1.0, 3.0)
    assert orders.parse_think("0, 0") == (0.0, 0.0)
    assert orders.parse_think("2") == (2.0, 2.0)


@pytest.mark.parametrize("value, message", [("3,1", "MIN <= MAX"), ("-1,2", "MIN <= MAX"), ("a,b", "MIN,MAX"),
                                            ("1,2,3", "MIN,MAX")])
def test_think_time_that_makes_no_sense_is_refused_with_a_clear_message(value, message):
    with pytest.raises(ValueError, match=message):
        orders.parse_think(value)


def test_order_options_default_to_both_modes_paced_three_to_eight_seconds():
    args = parse_args(["--only", "orders", "--seconds", "5"])

    assert (args.order_modes, args.think) == (["paced", "saturation"], (3.0, 8.0))
    assert order_seconds(args, "saturation") == 15
    # Six pauses of 5.5 s on average per purchase, three purchases per buyer.
    assert order_seconds(args, "paced") == 99


def test_a_paced_run_with_long_pauses_lasts_for_several_purchases_per_buyer():
    args = parse_args(["--only", "orders", "--seconds", "5", "--think", "4,8"])

    # Six pauses of 6 s on average per purchase, three purchases.
    assert order_seconds(args, "paced") == 108


def test_order_options_as_given():
    args = parse_args(["--order-modes", "saturation", "--think", "0,0", "--order-seconds", "20"])

    assert (args.order_modes, args.think) == (["saturation"], (0.0, 0.0))
    assert order_seconds(args, "paced") == order_seconds(args, "saturation") == 20


@pytest.mark.parametrize("argv", [["--order-modes", "relaxed"], ["--order-modes", ","], ["--think", "3,1"]])
def test_unknown_order_mode_or_bad_think_time_stops_the_bench(argv, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)

    assert "error" in capsys.readouterr().err


def test_a_pacer_sleeps_a_seeded_think_time_within_its_range():
    slept: list[float] = []
    pacer = orders.Pacer((1.0, 3.0), random.Random("think-7"), slept.append)

    for _ in range(50):
        pacer.pause()

    assert all(1.0 <= s <= 3.0 for s in slept) and len(set(slept)) == 50
    again: list[float] = []
    same = orders.Pacer((1.0, 3.0), random.Random("think-7"), again.append)
    for _ in range(50):
        same.pause()
    assert again == slept
    assert pacer.paused_s == pytest.approx(sum(slept))


def test_a_pacer_without_think_time_never_sleeps():
    slept: list[float] = []
    pacer = orders.Pacer((0.0, 0.0), random.Random(1), slept.append)

    pacer.pause()

    assert slept == [] and pacer.paused_s == 0


def _fake_buy(calls: list):
    """A purchase without a server: five pauses between its six steps, each step's time recorded, one order
    paid; every package is then sold out, which ends the buyer's run."""

    def buy(base, slug, stripe, rnd, tally, pacer):
        for step in orders.STEPS:
            if step not in ("product", "webhook"):
                pacer.pause()
            with tally.lock:
                tally.steps_ms[step].append(10.0)
                tally.statuses[200] += 1
        with tally.lock:
            tally.paid += 1
        calls.append(slug)
        return False

    return buy


def test_paced_buyers_pause_before_arriving_and_between_steps():
    slept: list[float] = []
    calls: list[str] = []

    result = orders.run_buyers("http://shop", ["kerstpakket", "proeverij"], None, buyers=1, seconds=3600,
                               think=(1.0, 3.0), mode="paced", sleep=slept.append, buy=_fake_buy(calls))

    # Two purchases (each sells its package out): before each a pause to arrive, within each five pauses; the first
    # arrival anywhere within one purchase's think time (six pauses of 2 s).
    assert sorted(calls) == ["kerstpakket", "proeverij"]
    assert len(slept) == 2 * 6 and 0.0 <= slept[0] <= 12.0 and all(1.0 <= s <= 3.0 for s in slept[1:])
    assert result["mean_pause_per_buyer_s"] == round(sum(slept), 1)
    assert (result["mode"], result["think_s"], result["orders_paid"], result["requests"]) == (
        "paced", [1.0, 3.0], 2, 14)
    assert result["steps"]["review"] == {"p50_ms": 10.0, "p99_ms": 10.0, "count": 2}
    assert result["place"] == result["steps"]["place"] and result["webhook"] == result["steps"]["webhook"]


def test_paced_buyers_first_arrive_spread_over_a_whole_purchase_not_in_one_wave():
    first: dict[int, float] = {}
    everyone = threading.Barrier(50, timeout=30)

    def buy(base, slug, stripe, rnd, tally, pacer):
        first.setdefault(id(pacer), pacer.paused_s)  # at its first purchase a buyer has paused only to arrive
        everyone.wait()
        return False  # sold out: each buyer's run ends after its first purchase

    orders.run_buyers("http://shop", ["kerstpakket"], None, buyers=50, seconds=60, think=(3.0, 8.0), mode="paced",
                      sleep=lambda seconds: None, buy=buy)

    # Six pauses of 5.5 s per purchase: the first arrivals spread over 0-33 s, about as many in each third of it.
    arrivals = list(first.values())
    assert len(arrivals) == 50 and 0.0 <= min(arrivals) and max(arrivals) <= 33.0
    thirds = [sum(1 for a in arrivals if low <= a < low + 11.0) for low in (0.0, 11.0, 22.0)]
    assert min(thirds) >= 10, thirds


def test_saturation_buyers_never_pause():
    slept: list[float] = []
    calls: list[str] = []

    result = orders.run_buyers("http://shop", ["kerstpakket", "proeverij"], None, buyers=2, seconds=3600,
                               think=(0.0, 0.0), sleep=slept.append, buy=_fake_buy(calls))

    assert slept == []
    assert result["mode"] == "saturation" and result["orders_paid"] == len(calls) >= 2


def _block(mode: str, think: list[float], place_p99: float) -> dict:
    steps = {step: {"p50_ms": 10.0, "p99_ms": 20.0, "count": 5} for step in orders.STEPS}
    steps["place"] = {"p50_ms": 40.0, "p99_ms": place_p99, "count": 5}
    return {"db": "sqlite", "mode": mode, "think_s": think, "buyers": 50, "seconds": 61.2, "orders_paid": 180,
            "orders_per_s": 2.94, "requests_per_s": 20.6, "sold_out_at_place": 0, "checkout_refused": 1,
            "place": steps["place"], "webhook": steps["webhook"], "steps": steps, "failure_count": 0,
            "packages": {"slugs": ["a"] * 10, "components": 45, "shared_components": 6, "stock_per_component": 40},
            "books": {"oversold_units": 0}}


def test_the_report_shows_the_paced_and_the_saturation_run_as_rows_of_their_own():
    text = "\n".join(orders_markdown([_block("paced", [1.0, 3.0], 120.0), _block("saturation", [0.0, 0.0], 6500.0)]))

    assert text.count("## Orders through payment (sqlite)") == 1
    assert "| paced (1–3 s between steps) | 61.2 | 180 | 2.94 | 20.6 | 40.0 / 120.0 | 10.0 / 20.0 |" in text
    assert "| saturation (no pause) | 61.2 | 180 | 2.94 | 20.6 | 40.0 / 6,500.0 |" in text
    assert "| mode | product | add | checkout | details | review | place | webhook |" in text
    assert "| paced (1–3 s between steps) | 20.0 | 20.0 | 20.0 | 20.0 | 20.0 | 120.0 | 20.0 |" in text
