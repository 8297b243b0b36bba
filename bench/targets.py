"""Issue 14's targets, checked against a run's results: reported met or missed, never asserted."""

from __future__ import annotations

CATALOGUE_PAGES = ("home", "products", "filtered", "product", "packages", "package", "producers")


def _row(block: dict, key: str) -> dict | None:
    return next((row for row in block["rows"] if row["key"] == key), None)


def _check(name: str, value, target: str, met: bool | None) -> dict:
    return {"target": name, "value": value, "wanted": target, "met": met}


def evaluate(results: dict) -> list[dict]:
    """One line per target and database/scale it applies to; ``met`` is None where the run did not measure it."""
    checks: list[dict] = []
    by_db: dict[str, dict[int, dict]] = {}
    for block in results.get("pages", []):
        by_db.setdefault(block["db"], {})[block["scale"]] = block
        where = f"{block['db']} {block['scale']}x"
        ceiling = (block.get("ceiling") or results.get("ceiling") or {}).get("rps")
        for key in CATALOGUE_PAGES:
            row = _row(block, key)
            if row is None:
                continue
            if row.get("rps") is not None and ceiling:
                share = row.get("ceiling_pct")
                checks.append(_check(f"{key}: share of the ceiling ({where})", share, "≥ 50 %",
                                     share is not None and share >= 50))
            if row.get("p99_ms") is not None or row.get("rps") is not None:
                checks.append(_check(f"{key}: p99 ({where})", row.get("p99_ms"), "< 20 ms",
                                     row.get("p99_ms") is not None and row["p99_ms"] < 20))
            if "uncached_p50_ms" in row:
                value = row["uncached_p50_ms"]
                checks.append(_check(f"{key}: uncached p50, one visitor ({where})", value, "< 25 ms",
                                     value is not None and value < 25))
            if row.get("queries_first") is not None:
                checks.append(_check(f"{key}: SQL queries, first visit ({where})", row["queries_first"], "≤ 6",
                                     row["queries_first"] <= 6))
        search = _row(block, "search")
        if search and (search.get("rps") is not None):
            checks.append(_check(f"search: p99 ({where})", search.get("p99_ms"), "< 50 ms",
                                 search.get("p99_ms") is not None and search["p99_ms"] < 50))
        cart = _row(block, "add_to_cart")
        if cart and cart.get("rps") is not None and ceiling:
            checks.append(_check(f"add to cart: share of the ceiling ({where})", cart.get("ceiling_pct"), "≥ 25 %",
                                 (cart.get("ceiling_pct") or 0) >= 25))
    for db, scales in by_db.items():
        small, large = scales.get(1), scales.get(100)
        if small and large:
            p1, p100 = (_row(small, "products") or {}).get("p50_ms"), (_row(large, "products") or {}).get("p50_ms")
            if p1 and p100:
                checks.append(_check(f"products: p50 at 100x / p50 at 1x ({db})", round(p100 / p1, 2), "≤ 2",
                                     p100 <= 2 * p1))
    for block in results.get("orders", []):
        # The latency targets are for 50 buyers who are people: the paced run. The saturation run (no pause) is
        # the server's ceiling for this path; its latencies are queueing, reported but not held to the targets.
        mode = block.get("mode", "saturation")
        if mode == "paced":
            where = f"paced buyers, {block['db']}"
            checks.append(_check(f"webhook: p99 ({where})", block["webhook"]["p99_ms"], "< 100 ms",
                                 block["webhook"]["p99_ms"] is not None and block["webhook"]["p99_ms"] < 100))
            checks.append(_check(f"placing an order: p99 ({where})", block["place"]["p99_ms"], "< 250 ms",
                                 block["place"]["p99_ms"] is not None and block["place"]["p99_ms"] < 250))
        checks.append(_check(f"units oversold ({mode} buyers, {block['db']})", block["books"]["oversold_units"], "0",
                             block["books"]["oversold_units"] == 0))
    for row in results.get("lighthouse") or []:
        if "error" in row:
            continue
        page = row["page"]
        checks += [
            _check(f"Lighthouse LCP: {page}", row["lcp_ms"], "< 1,500 ms", row["lcp_ms"] < 1500),
            _check(f"Lighthouse CLS: {page}", row["cls"], "< 0.05", row["cls"] < 0.05),
            _check(f"Lighthouse performance: {page}", row["performance"], "≥ 95", (row["performance"] or 0) >= 95),
            _check(f"Lighthouse accessibility: {page}", row["accessibility"], "100", row["accessibility"] == 100),
        ]
        if row.get("path") == "/producten" and row.get("dom_size_score") is not None:
            checks.append(_check(f"Lighthouse DOM-size audit: {page}", row.get("dom_size"), "audit passed",
                                 row["dom_size_score"] >= 0.9))
    return checks
