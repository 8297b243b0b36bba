"""Issue 14's targets read from a run's results: met, missed, or not measured."""

from __future__ import annotations

from bench.targets import evaluate


def _results(products_p50_at_100x: float) -> dict:
    def block(scale: int, p50: float) -> dict:
        return {"db": "sqlite", "scale": scale, "products": 2477 * scale, "rows": [
            {"key": "products", "rps": 1200.0, "p50_ms": p50, "p99_ms": 19.0, "ceiling_pct": 60.0,
             "queries_first": 7, "uncached_p50_ms": None},
            {"key": "add_to_cart", "rps": 400.0, "p50_ms": 30.0, "p99_ms": 90.0, "ceiling_pct": 20.0},
        ]}

    return {"ceiling": {"rps": 2000.0}, "pages": [block(1, 5.0), block(100, products_p50_at_100x)],
            "orders": [{"db": "sqlite", "mode": "paced", "webhook": {"p99_ms": 80.0}, "place": {"p99_ms": 300.0},
                        "books": {"oversold_units": 0}},
                       {"db": "sqlite", "mode": "saturation", "webhook": {"p99_ms": 5000.0},
                        "place": {"p99_ms": 7000.0}, "books": {"oversold_units": 2}}],
            "lighthouse": [{"page": "products", "path": "/producten", "lcp_ms": 1400, "cls": 0.0, "tbt_ms": 0,
                            "performance": 96, "accessibility": 100, "dom_size": 2681, "dom_size_score": 0}]}


def _met(checks: list[dict]) -> dict[str, bool | None]:
    return {check["target"]: check["met"] for check in checks}


def test_targets_report_met_missed_and_unmeasured():
    met = _met(evaluate(_results(products_p50_at_100x=9.0)))

    assert met["products: share of the ceiling (sqlite 1x)"] is True
    assert met["products: p99 (sqlite 1x)"] is True
    assert met["products: SQL queries, first visit (sqlite 1x)"] is False
    assert met["products: uncached p50, one visitor (sqlite 1x)"] is False  # no request completed: not met
    assert met["add to cart: share of the ceiling (sqlite 1x)"] is False
    assert met["products: p50 at 100x / p50 at 1x (sqlite)"] is True
    assert met["webhook: p99 (paced buyers, sqlite)"] is True
    assert met["placing an order: p99 (paced buyers, sqlite)"] is False
    assert met["units oversold (paced buyers, sqlite)"] is True
    assert met["units oversold (saturation buyers, sqlite)"] is False
    assert met["Lighthouse performance: products"] is True
    assert met["Lighthouse DOM-size audit: products"] is False


def test_products_page_more_than_twice_as_slow_at_100x_misses_its_target():
    checks = {c["target"]: c for c in evaluate(_results(products_p50_at_100x=10.5))}

    assert checks["products: p50 at 100x / p50 at 1x (sqlite)"]["value"] == 2.1
    assert checks["products: p50 at 100x / p50 at 1x (sqlite)"]["met"] is False


def test_order_latency_targets_apply_to_the_paced_buyers_only():
    names = [check["target"] for check in evaluate(_results(products_p50_at_100x=9.0))]

    assert [n for n in names if n.startswith(("webhook", "placing"))] == [
        "webhook: p99 (paced buyers, sqlite)", "placing an order: p99 (paced buyers, sqlite)"]
