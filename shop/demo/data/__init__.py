"""Reference data for the demo catalogue (see SOURCES.md): CSV files plus the texts the seed writes.

Everything the seed reads lives in this folder; nothing outside the project is read at run time.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


def read_csv(name: str) -> list[dict[str, str]]:
    """The rows of one of the bundled CSV files, as dicts keyed by the header."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
