"""The bench's Markdown report: every figure a run measured is in its table."""

from __future__ import annotations

from bench.report import markdown


def _results() -> dict:
    row = {"key": "products", "label": "products `/producten`", "rps": 5000.0, "p50_ms": 2.5, "p99_ms": 4.5,
           "ceiling_pct": 50.0, "gzip_rps": 6100.0, "gzip_ceiling_pct": 55.5, "uncached_p50_ms": 21.25,
           "uncached_p99_ms": 30.5, "uncached_busy_rps": 81.0, "uncached_busy_p50_ms": 190.0, "raw_kb": 40.1,
           "gzip_kb": 6.4, "queries_first": 6, "queries_repeat": 0}
    return {
        "started": "2026-12-07T05:00:00+00:00",
        "machine": {"cpu": "AMD EPYC", "nproc": 2, "ram_gb": 23.5, "os": "Linux", "python": "3.11", "wrk": "wrk 4.1",
                    "gunicorn": "27", "load_average": [0.1, 0.1, 0.1]},
        "settings": {"workers": 5, "connections": 16, "runs": 3, "seconds": 3},
        "ceiling": {"rps": 10000.0, "p50_ms": 1.3, "p99_ms": 2.5},
        "pages": [{"db": "sqlite", "scale": 1, "products": 2477, "rows": [row],
                   "ceiling": {"rps": 10000.0, "p50_ms": 1.3, "p99_ms": 2.5, "gzip": {"rps": 11000.0}}}],
    }


def test_each_block_says_its_own_ceiling_plain_and_gzipped():
    text = markdown(_results())
    assert "Ceiling measured just before these pages: 10,000.0 req/s" in text
    assert "gzipped, as a browser asks: 11,000.0 req/s" in text


def test_a_row_shows_the_gzipped_and_both_uncached_figures():
    line = next(line for line in markdown(_results()).splitlines() if line.startswith("| products"))
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[5:8] == ["6,100.0, 55.5 %", "21.25 / 30.50", "81.0, 190.00"]


def test_a_run_without_the_new_figures_still_reports():
    results = _results()
    row = results["pages"][0]["rows"][0]
    for key in ("gzip_rps", "gzip_ceiling_pct", "uncached_p50_ms", "uncached_p99_ms", "uncached_busy_rps",
                "uncached_busy_p50_ms"):
        del row[key]
    del results["pages"][0]["ceiling"]
    line = next(line for line in markdown(results).splitlines() if line.startswith("| products"))
    assert [cell.strip() for cell in line.strip("|").split("|")][5:8] == ["–", "–", "–"]
