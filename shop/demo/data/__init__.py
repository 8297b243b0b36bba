"""Reference data for the demo catalogue (see SOURCES.md): CSV and JSON files plus their readers.

Everything the seed reads lives in this folder; nothing outside the project is read at run time.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent


def read_csv(name: str) -> list[dict[str, str]]:
    """The rows of one of the bundled CSV files, as dicts keyed by the header."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_json(name: str) -> Any:
    """One of the bundled JSON files (objects keep the order of the file)."""
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


Texts = tuple[str, str, str]
"""One text in Dutch, French and English: (nl, fr, en)."""


def texts(record: dict[str, str]) -> Texts:
    """A ``{"nl": ..., "fr": ..., "en": ...}`` record as (nl, fr, en); KeyError when a language is missing."""
    return (record["nl"], record["fr"], record["en"])
