"""Accounts lie below the catalog (pyproject.toml, [tool.importlinter]) and know nothing of its models.

A user keeps only ``users.producer_id`` (the foreign key and its CHECK stay); the producer itself is read in
shop.catalog.producer_queries (get_producer_of), and accounts name it through shop.accounts.producer_names,
which the catalog fills. import-linter now counts imports under TYPE_CHECKING too, but not a relationship
named by a string, so this reads the code of shop/accounts itself: no import of shop.catalog (also under
TYPE_CHECKING or in a function), no name, attribute or string naming one of the catalog's models, and no
``user.producer`` attribute. Comments and docstrings may describe who hooks in.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.helpers import code_texts

SHOP = Path(__file__).resolve().parents[2] / "shop"
ACCOUNTS = SHOP / "accounts"


def _catalog_models() -> set[str]:
    """The class names defined in shop/catalog/models.py (read, not imported)."""
    tree = ast.parse((SHOP / "catalog" / "models.py").read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


MODELS = _catalog_models()
MODEL_WORD = re.compile(r"\b(" + "|".join(sorted(MODELS)) + r")\b")


def _is_catalog(module: str) -> bool:
    parts = module.lstrip(".").split(".")
    return module.startswith("shop.catalog") or (module.startswith(".") and "catalog" in parts) \
        or module == "shop.catalog"


def references(source: str) -> list[str]:
    """What in the code (not comments or docstrings) reaches into the catalog."""
    found = []
    for t in code_texts(source):
        if t.kind == "module" and _is_catalog(t.text):
            found.append(f"line {t.line}: import {t.text}")
        elif t.kind == "attribute" and t.text == "producer":
            found.append(f"line {t.line}: .producer")
        elif t.kind in ("name", "attribute") and t.text in MODELS:
            found.append(f"line {t.line}: {t.text}")
        elif t.kind == "string" and MODEL_WORD.search(t.text):
            found.append(f"line {t.line}: {t.text!r}")
    return found


@pytest.mark.parametrize("path", sorted(ACCOUNTS.rglob("*.py")), ids=lambda path: path.name)
def test_accounts_code_never_refers_to_the_catalog(path):
    assert references(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("code", [
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop.catalog.models import Producer\n",
    "def f():\n    import shop.catalog.producer_queries\n",
    "from shop import catalog\n",
    "from ..catalog import models\n",
    'producer = relationship("Producer")\n',
    "name = user.producer.name\n",
    "options(joinedload(User.producer))\n",
])
def test_the_check_sees_every_kind_of_reference(code):
    assert references(code)


def test_the_check_leaves_comments_docstrings_and_the_column_alone():
    assert references('"""A Producer lives in shop.catalog."""\n# catalog hooks in\nx = user.producer_id\n') == []
