"""Rules of the browser suite's own code, checked without a browser (so they hold where Chromium is absent too)."""

from __future__ import annotations

import ast
from pathlib import Path

E2E = Path(__file__).resolve().parent / "e2e"


def _bare_load_state_waits(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "wait_for_load_state" and not node.args and not node.keywords):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_journey_waits_for_a_navigation_with_wait_for_load_state():
    # After a click that loads a page, page.wait_for_load_state() returns at once (the old page has loaded), so the
    # next screenshot or read races the navigation: CI once hung 15 s on a screenshot taken while the refund's
    # redirect replaced the page. A navigation is awaited with `with loads(page): ...click()` (tests/e2e/browser.py).
    assert _bare_load_state_waits(E2E) == []


def test_the_rule_finds_the_racy_form(tmp_path):
    (tmp_path / "test_example.py").write_text(
        "def test(page):\n    page.click('a')\n    page.wait_for_load_state()\n    page.wait_for_load_state('load')\n")
    assert _bare_load_state_waits(tmp_path) == ["test_example.py:3"]
