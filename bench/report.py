"""The bench's results as JSON, a Markdown table and a plot of latency against catalogue size."""

from __future__ import annotations

import json
from pathlib import Path

COLUMNS = ("page", "req/s", "p50 ms", "p99 ms", "% of ceiling", "gzip: req/s, % of ceiling",
           "uncached p50 / p99 ms, one visitor", "uncached, all visitors at once: req/s, p50 ms", "HTML KB raw / gz",
           "queries (first / repeat)")


def _cell(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


ORDER_STEPS = ("product", "add", "checkout", "details", "review", "place", "webhook")


def _mode(block: dict) -> str:
    """The row's name: paced with its think time, or saturation (no pause)."""
    mode = block.get("mode", "saturation")
    think = block.get("think_s") or [0, 0]
    if mode == "paced" and think[1]:
        return f"paced ({think[0]:g}–{think[1]:g} s between steps)"
    return f"{mode} (no pause)"


def orders_markdown(blocks: list[dict]) -> list[str]:
    """Per database, one row per order mode (paced, saturation): the arrival rate achieved, place and webhook
    p50/p99, the outcome; then every step's p99 per mode."""
    lines: list[str] = []
    by_db: dict[str, list[dict]] = {}
    for block in blocks:
        by_db.setdefault(block["db"], []).append(block)
    for db, modes in by_db.items():
        first = modes[0]
        lines.append(f"## Orders through payment ({db}): {first['buyers']} buyers, "
                     f"{len(first['packages']['slugs'])} packages sharing {first['packages']['shared_components']} "
                     f"of {first['packages']['components']} components")
        lines.append("")
        lines.append("Paced: buyers pause between steps like shoppers, with stock enough that nothing sells out; "
                     "the targets apply to this row. Saturation: no pause, little stock (buyers race for the last "
                     "units); its latencies are mostly queueing behind the other buyers' requests.")
        lines.append("")
        lines.append("| mode | seconds | orders paid | orders/s | requests/s | place p50 / p99 ms | "
                     "webhook p50 / p99 ms | stock per component | sold out at placing | checkout refused | "
                     "units oversold | failures |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for block in modes:
            place, hook, books = block["place"], block["webhook"], block["books"]
            lines.append(f"| {_mode(block)} | {_cell(block.get('seconds'))} | {block['orders_paid']} | "
                         f"{_cell(block['orders_per_s'], 2)} | {_cell(block.get('requests_per_s'))} | "
                         f"{_cell(place['p50_ms'])} / {_cell(place['p99_ms'])} | {_cell(hook['p50_ms'])} / "
                         f"{_cell(hook['p99_ms'])} | {_cell(block['packages'].get('stock_per_component'))} | "
                         f"{block['sold_out_at_place']} | {block.get('checkout_refused', 0)} | "
                         f"{books['oversold_units']} | {block['failure_count']} |")
        lines.append("")
        if any(block.get("steps") for block in modes):
            lines.append("p99 of each step, ms (product page, add to cart, checkout page, details posted, review, "
                         "place, webhook):")
            lines.append("")
            lines.append("| mode | " + " | ".join(ORDER_STEPS) + " |")
            lines.append("|---|" + "---:|" * len(ORDER_STEPS))
            for block in modes:
                steps = block.get("steps") or {}
                lines.append(f"| {_mode(block)} | "
                             + " | ".join(_cell((steps.get(step) or {}).get("p99_ms")) for step in ORDER_STEPS)
                             + " |")
            lines.append("")
    return lines


def markdown(results: dict) -> str:
    lines = ["# Benchmark results", ""]
    machine = results["machine"]
    lines.append(f"Taken {results['started']} on {machine['cpu']} ({machine['nproc']} cores, {machine['ram_gb']} GB "
                 f"RAM), {machine['os']}; Python {machine['python']}, {machine['wrk']}, gunicorn "
                 f"{machine['gunicorn']} with {results['settings']['workers']} sync workers; wrk "
                 f"{results['settings']['connections']} connections, median of {results['settings']['runs']} × "
                 f"{results['settings']['seconds']} s. Load average at the start: {machine['load_average']}.")
    lines.append("")
    if results.get("ceiling"):
        c = results["ceiling"]
        lines.append(f"**Ceiling** (bare WSGI app returning the products page's bytes, same gunicorn settings), "
                     f"first measured: {_cell(c['rps'])} req/s, p50 {_cell(c['p50_ms'], 2)} ms, p99 "
                     f"{_cell(c['p99_ms'], 2)} ms. It is measured again before each database and size; each table's "
                     f"shares are of its own. Uncached, one visitor: one request at a time, each a combination "
                     f"nobody asked before (the target's figure); all visitors at once: "
                     f"{results['settings']['connections']} connections asking only new combinations.")
        lines.append("")
    for block in results.get("pages", []):
        lines.append(f"## {block['db']}, {block['scale']}× catalogue ({block['products']:,} products)")
        lines.append("")
        if block.get("ceiling"):
            c = block["ceiling"]
            packed = c.get("gzip") or {}
            lines.append(f"Ceiling measured just before these pages: {_cell(c['rps'])} req/s (p50 "
                         f"{_cell(c['p50_ms'], 2)} ms, p99 {_cell(c['p99_ms'], 2)} ms); gzipped, as a browser asks: "
                         f"{_cell(packed.get('rps'))} req/s.")
            lines.append("")
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append("|---|" + "---:|" * (len(COLUMNS) - 1))
        for row in block["rows"]:
            size = (f"{_cell(row.get('raw_kb'))} / {_cell(row.get('gzip_kb'))}" if row.get("raw_kb") is not None
                    else "–")
            queries = f"{_cell(row.get('queries_first'))} / {_cell(row.get('queries_repeat'))}"
            packed = (f"{_cell(row.get('gzip_rps'))}, {_cell(row.get('gzip_ceiling_pct'))} %"
                      if row.get("gzip_rps") is not None else "–")
            alone = (f"{_cell(row.get('uncached_p50_ms'), 2)} / {_cell(row.get('uncached_p99_ms'), 2)}"
                     if "uncached_p50_ms" in row else "–")
            busy = (f"{_cell(row.get('uncached_busy_rps'))}, {_cell(row.get('uncached_busy_p50_ms'), 2)}"
                    if row.get("uncached_busy_rps") is not None else "–")
            lines.append(f"| {row['label']} | {_cell(row.get('rps'))} | {_cell(row.get('p50_ms'), 2)} | "
                         f"{_cell(row.get('p99_ms'), 2)} | {_cell(row.get('ceiling_pct'))} | {packed} | {alone} | "
                         f"{busy} | {size} | {queries} |")
        lines.append("")
    lines += orders_markdown(results.get("orders", []))
    if results.get("lighthouse"):
        lines.append("## Lighthouse 12.2.3 (mobile)")
        lines.append("")
        lines.append("| page | LCP ms | CLS | TBT ms | performance | accessibility | DOM elements |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for row in results["lighthouse"]:
            if "error" in row:
                lines.append(f"| {row['page']} | failed: {row['error'][:80]} | | | | | |")
                continue
            lines.append(f"| {row['page']} | {_cell(row['lcp_ms'])} | {row['cls']} | {_cell(row['tbt_ms'])} | "
                         f"{_cell(row['performance'])} | {_cell(row['accessibility'])} | {_cell(row['dom_size'])} |")
        lines.append("")
    if results.get("targets"):
        met = sum(1 for t in results["targets"] if t["met"])
        lines.append(f"## Targets (issue 14; reported, never asserted): {met} of {len(results['targets'])} met")
        lines.append("")
        lines.append("| target | measured | wanted | met |")
        lines.append("|---|---:|---:|:---:|")
        for t in results["targets"]:
            mark = "yes" if t["met"] else "–" if t["met"] is None else "**no**"
            lines.append(f"| {t['target']} | {_cell(t['value'])} | {t['wanted']} | {mark} |")
        lines.append("")
    if results.get("error"):
        lines.append(f"**The run stopped early:** {results['error']}")
        lines.append("")
    if results.get("plot"):
        lines.append(f"![Latency against catalogue size]({results['plot']})")
        lines.append("")
    return "\n".join(lines)


def plot(results: dict, path: Path) -> bool:
    """The products page and the search against catalogue size, per database: p50 and p99 served from the page
    cache (left), and p50 uncached, the first visit of a combination (right); False when there is only one size or
    matplotlib is missing (pip install -e '.[bench]')."""
    cached: dict[tuple[str, str, str], list[tuple[int, float]]] = {}
    uncached: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for block in results.get("pages", []):
        for row in block["rows"]:
            if row["key"] not in ("products", "search"):
                continue
            if row.get("p50_ms") is not None:
                for stat in ("p50_ms", "p99_ms"):
                    cached.setdefault((block["db"], row["key"], stat), []).append((block["scale"], row[stat]))
            if row.get("uncached_p50_ms") is not None:
                uncached.setdefault((block["db"], row["key"]), []).append((block["scale"], row["uncached_p50_ms"]))
    if not any(len(points) > 1 for points in [*cached.values(), *uncached.values()]):
        return False
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import LogLocator, ScalarFormatter
    except ImportError:
        return False
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    for (db, key, stat), points in sorted(cached.items()):
        points.sort()
        left.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                  linestyle="-" if stat == "p50_ms" else "--", label=f"{key} {stat.removesuffix('_ms')} ({db})")
    for (db, key), points in sorted(uncached.items()):
        points.sort()
        right.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{key} p50 ({db})")
    scales = sorted({scale for points in [*cached.values(), *uncached.values()] for scale, _ in points})
    for axis, title in ((left, "from the page cache"), (right, "uncached (a new combination each request)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(scales, labels=[f"{scale}×" for scale in scales])
        axis.xaxis.set_minor_locator(LogLocator(subs=()))
        # Labelled ticks at 1, 2 and 5 of every decade: a range inside one decade still reads in milliseconds.
        axis.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.yaxis.set_major_formatter(ScalarFormatter())
        axis.yaxis.set_minor_locator(LogLocator(subs=()))
        axis.set_xlabel("catalogue size (× the demo catalogue)")
        axis.set_title(title)
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(fontsize="small")
    left.set_ylabel("latency (ms) under wrk, 16 connections")
    figure.suptitle("Products page and search: latency against catalogue size")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def write(results: dict, folder: Path) -> tuple[Path, Path]:
    from bench.targets import evaluate

    folder.mkdir(parents=True, exist_ok=True)
    results["targets"] = evaluate(results)
    if plot(results, folder / "latency-vs-size.png"):
        results["plot"] = "latency-vs-size.png"
    json_path, md_path = folder / "latest.json", folder / "latest.md"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
