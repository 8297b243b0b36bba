"""Orders lie below invoicing (pyproject.toml, [tool.importlinter]) and know nothing of it.

import-linter does not see imports under TYPE_CHECKING (exclude_type_checking_imports), nor a relationship
named by a string, so this reads the code of shop/orders itself: no import of shop.invoicing (under
TYPE_CHECKING or in a function either), no name, attribute or string that says "invoice" ("Invoice",
``order.invoice``, ``relationship("Invoice")``). Comments and docstrings may describe who hooks in.
Invoicing reaches orders through their hooks (lifecycle.add_effect, notifications.add_attachments and
add_mail_context, customers.add_export_entry); an order's invoice is read in shop.invoicing.queries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import code_texts

ORDERS = Path(__file__).resolve().parents[2] / "shop" / "orders"
WORD = "invoic"


def mentions(source: str, word: str = WORD) -> list[str]:
    """What in the code (not comments or docstrings) says ``word``: imports, names, attributes, strings."""
    return [f"line {t.line}: {t.text}" for t in code_texts(source) if word in t.text.lower()]


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
