"""The bench's arithmetic: wrk's report line, medians of runs, ratios to the ceiling, sizes, oversold units."""

from __future__ import annotations

import gzip

import pytest

from bench.measure import (
    Run,
    WrkOutputError,
    html_sizes,
    median,
    oversold_units,
    parse_wrk,
    percentile,
    ratio_percent,
    summarise,
)
from bench.orders import choices
from bench.pages import deep_page_number

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8111/producten
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   95.12ms   20.01ms 310.44ms   71.00%
  1603 requests in 10.02s, 216.41MB read
Requests/sec:    160.02
Transfer/sec:     21.60MB
BENCH_JSON {"requests":1603,"duration_us":10020000,"bytes":226920000,"errors":{"connect":0,"read":1,"write":0,"status":3,"timeout":2},"latency_us":{"p50":91250,"p90":120400,"p99":201800,"max":310440,"mean":95120.0}}
"""


def _run(rps: float, p50: float, p99: float, requests: int = 100) -> Run:
    return Run(requests=requests, seconds=1.0, rps=rps, p50_ms=p50, p90_ms=p50, p99_ms=p99, max_ms=p99, errors=0,
               non_2xx_3xx=0)


def test_parse_wrk_reads_the_report_line():
    run = parse_wrk(WRK_OUTPUT)

    assert run == Run(requests=1603, seconds=10.02, rps=160.0, p50_ms=91.25, p90_ms=120.4, p99_ms=201.8,
                      max_ms=310.44, errors=3, non_2xx_3xx=3)


def test_parse_wrk_without_a_report_line_says_so():
    with pytest.raises(WrkOutputError, match="no BENCH_JSON line"):
        parse_wrk("unable to connect to 127.0.0.1:8111 Connection refused\n")


def test_median_of_odd_and_even_counts():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))

    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([7.0], 99) == 7.0


def test_summarise_takes_each_figure_s_own_median():
    runs = [_run(100, 10, 50), _run(120, 12, 40), _run(90, 30, 90)]

    summary = summarise(runs)

    assert (summary["rps"], summary["p50_ms"], summary["p99_ms"], summary["runs"]) == (100.0, 12.0, 50.0, 3)


def test_summarise_without_a_completed_request_has_no_latency():
    summary = summarise([_run(0.0, 0.0, 0.0, requests=0)])

    assert (summary["rps"], summary["p50_ms"], summary["p99_ms"]) == (0.0, None, None)


def test_ratio_to_the_ceiling_in_percent():
    assert ratio_percent(16.0, 2133.0) == 0.8
    assert ratio_percent(1066.5, 2133.0) == 50.0
    assert ratio_percent(10.0, 0.0) is None


def test_html_sizes_raw_and_gzipped_in_kb():
    body = b"<li>kaas</li>" * 1000

    assert html_sizes(body) == {"raw_kb": 13.0, "gzip_kb": round(len(gzip.compress(body, 6)) / 1000, 1)}


def test_oversold_units_counts_negative_stock_and_stock_its_movements_do_not_explain():
    assert oversold_units([(5, 5), (0, 0)]) == 0
    assert oversold_units([(-2, -2), (3, 5)]) == 4


def test_deep_page_is_the_last_page_the_pagination_links_to():
    html = '<a href="/producten?pagina=2">2</a> <a href="/producten?categorie=kaas&amp;pagina=104">104</a>'

    assert deep_page_number(html) == 104
    assert deep_page_number("<p>one page</p>") == 1


def test_a_buyer_chooses_among_the_options_that_are_not_disabled():
    html = ('<select id="pickup_time" name="pickup_time"><option value="">Kies</option>'
            '<option value="10:00" disabled>10:00 (volzet)</option><option selected value="11:00">11:00</option>'
            '<option value="12:00">12:00</option></select><select name="other"><option value="x"></select>')

    assert choices(html, "pickup_time") == ["11:00", "12:00"]
    assert choices(html, "pickup_date") == []
