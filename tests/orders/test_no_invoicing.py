"""Orders lie below invoicing (pyproject.toml, [tool.importlinter]) and know nothing of it.

import-linter does not see imports under TYPE_CHECKING (exclude_type_checking_imports), nor a relationship
named by a string, so this reads the code of shop/orders itself: no import of shop.invoicing (under
TYPE_CHECKING or in a function either), no name, attribute or string that says "invoice" ("Invoice",
``order.invoice``, ``relationship("Invoice")``). Comments and docstrings may describe who hooks in.
Invoicing reaches orders through their hooks (lifecycle.add_effect, notifications.add_attachments and
add_mail_context, customers.add_export_entry); an order's invoice is read in shop.invoicing.queries.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ORDERS = Path(__file__).resolve().parents[2] / "shop" / "orders"
WORD = "invoic"


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes (module, classes, functions)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.add(id(body[0].value))
    return found


def mentions(source: str, word: str = WORD) -> list[str]:
    """What in the code (not comments or docstrings) says ``word``: imports, names, attributes, strings."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            texts = [alias.name for alias in node.names] + [alias.asname or "" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            texts = [node.module or ""] + [alias.name for alias in node.names] + [a.asname or "" for a in node.names]
        elif isinstance(node, ast.Name):
            texts = [node.id]
        elif isinstance(node, ast.Attribute):
            texts = [node.attr]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            texts = [node.name]
        elif isinstance(node, ast.arg):
            texts = [node.arg]
        elif isinstance(node, ast.keyword):
            texts = [node.arg or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            texts = [node.value]
        else:
            continue
        found += [f"line {node.lineno}: {text}" for text in texts if word in text.lower()]
    return found


@pytest.mark.parametrize("path", sorted(ORDERS.rglob("*.py")), ids=lambda path: path.name)
def test_orders_code_never_refers_to_invoicing(path):
    assert mentions(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("code", [
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop.invoicing.models import Invoice\n",
    "def f():\n    import shop.invoicing.services\n",
    'invoice = relationship("Invoice", uselist=False)\n',
    "x = order.invoice\n",
    "options(selectinload(Order.invoice))\n",
    'entry = {"invoice": None}\n',
])
def test_the_check_sees_every_kind_of_reference(code):
    assert mentions(code)


def test_the_check_leaves_comments_and_docstrings_alone():
    assert mentions('"""The invoice comes later."""\n# invoicing hooks in\nx = 1\n') == []
