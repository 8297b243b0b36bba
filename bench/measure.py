"""The pure parts of the bench: reading wrk's output, medians of runs, ratios to the ceiling, sizes.

No I/O here, so tests/bench can check them without a server.
"""

from __future__ import annotations

import gzip
import json
import statistics
from dataclasses import asdict, dataclass

MARKER = "BENCH_JSON "


class WrkOutputError(ValueError):
    """wrk's output holds no BENCH_JSON line (the run failed, or the report script was not loaded)."""


@dataclass(frozen=True)
class Run:
    """One wrk run: requests per second, latency percentiles in milliseconds, errors of any kind."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_2xx_3xx: int


def parse_wrk(output: str) -> Run:
    """The run that wrk reported through bench/lua/report.lua's ``done`` (the last BENCH_JSON line)."""
    lines = [line[len(MARKER):] for line in output.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise WrkOutputError(f"no {MARKER.strip()} line in wrk's output:\n{output[-2000:]}")
    data = json.loads(lines[-1])
    seconds = data["duration_us"] / 1e6
    latency = data["latency_us"]
    errors = data["errors"]
    return Run(
        requests=data["requests"],
        seconds=round(seconds, 3),
        rps=round(data["requests"] / seconds, 1) if seconds > 0 else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        non_2xx_3xx=errors["status"],
    )


def median(values: list[float]) -> float:
    """The median (the mean of the middle two for an even count); ValueError for no values."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile of ``values`` (``percent`` in 0..100); ValueError for no values."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))  # ceil(n * p / 100), at least 1
    return float(ordered[int(rank) - 1])


def summarise(runs: list[Run]) -> dict:
    """The medians over ``runs`` of requests/s, p50 and p99 (each its own median), errors summed. Runs in which
    no request completed have no latency: p50/p99 are None when no run completed any."""
    timed = [r for r in runs if r.requests]
    return {
        "rps": round(median([r.rps for r in runs]), 1),
        "p50_ms": round(median([r.p50_ms for r in timed]), 2) if timed else None,
        "p99_ms": round(median([r.p99_ms for r in timed]), 2) if timed else None,
        "runs": len(runs),
        "errors": sum(r.errors for r in runs),
        "non_2xx_3xx": sum(r.non_2xx_3xx for r in runs),
        "each": [asdict(r) for r in runs],
    }


def ratio_percent(rps: float, ceiling_rps: float) -> float | None:
    """A page's requests/s as a percentage of the ceiling's, rounded to 0.1 (None without a ceiling)."""
    if not ceiling_rps:
        return None
    return round(100 * rps / ceiling_rps, 1)


def html_sizes(body: bytes) -> dict:
    """A page's size in KB (1,000 bytes): raw, and gzip-compressed at level 6 (what a server typically sends)."""
    return {"raw_kb": round(len(body) / 1000, 1), "gzip_kb": round(len(gzip.compress(body, 6)) / 1000, 1)}


def oversold_units(stock_rows: list[tuple[int, int]]) -> int:
    """Units sold that were not there, from (stock, sum of movements) per product: the stock figures below zero,
    and any figure its movements do not explain."""
    return sum(max(0, -stock) + abs(stock - moved) for stock, moved in stock_rows)
