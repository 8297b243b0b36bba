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

SHOP = Path(__file__).resolve().parents[2] / "shop"
ACCOUNTS = SHOP / "accounts"


def _catalog_models() -> set[str]:
    """The class names defined in shop/catalog/models.py (read, not imported)."""
    tree = ast.parse((SHOP / "catalog" / "models.py").read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


MODELS = _catalog_models()
MODEL_WORD = re.compile(r"\b(" + "|".join(sorted(MODELS)) + r")\b")


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.add(id(body[0].value))
    return found


def references(source: str) -> list[str]:
    """What in the code (not comments or docstrings) reaches into the catalog."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name.startswith("shop.catalog")]
            names = [a.asname or a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.startswith("shop.catalog") or (node.level and module.split(".")[-1:] == ["catalog"]) \
                    or (module == "shop" and any(a.name == "catalog" for a in node.names)):
                found.append(f"line {node.lineno}: from {module} import")
            names = [a.asname or a.name for a in node.names]
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            if node.attr == "producer":
                found.append(f"line {node.lineno}: .producer")
            names = [node.attr]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [f"line {node.lineno}: {node.value!r}" for _ in MODEL_WORD.findall(node.value)[:1]]
            continue
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if name in MODELS]
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
