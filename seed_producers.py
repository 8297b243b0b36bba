"""Fill the configured database (SHOP_DATABASE_URL) with the demo catalogue.

    python seed_producers.py [--seed N] [--reset] [--if-empty] [--scale N]

The schema must exist (`flask --app shop db upgrade`). Deterministic for a given --seed (default 2026).
Without --reset it refuses to touch a database that already has a catalogue (exit code 1);
--if-empty skips quietly in that case (exit code 0), which `make run` uses.
--scale N makes the catalogue N times as large (copies of every product, for the benchmark in bench/).
On PostgreSQL the planner's statistics are updated after the load (VACUUM ANALYZE; autovacuum may be off or late).
The logic lives in shop/demo/seed.py.
"""

from __future__ import annotations

import argparse
import sys

from shop import create_app
from shop.demo.seed import DEFAULT_SEED, DatabaseNotEmpty, refresh_planner_statistics, seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill the configured database with the demo catalogue.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--reset", action="store_true",
                        help="empty every table first (all data, also orders and users; never alembic_version)")
    parser.add_argument("--if-empty", action="store_true", help="seed only when there are no producers yet")
    parser.add_argument("--scale", type=int, default=1,
                        help="make the catalogue N times as large, with copies of every product (default 1)")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be 1 or more")

    app = create_app()
    with app.app_context():
        out = lambda line: print(line, flush=True)  # noqa: E731
        try:
            counts = seed(seed=args.seed, reset=args.reset, if_empty=args.if_empty, scale=args.scale, out=out)
        except DatabaseNotEmpty as refusal:
            print(f"Refused: {refusal}", file=sys.stderr)
            return 1
        if not counts.get("skipped"):
            refresh_planner_statistics(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
