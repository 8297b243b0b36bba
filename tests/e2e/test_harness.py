"""The harness itself: a freshly seeded shop answers in the browser, and each test has its own database."""

from __future__ import annotations


def test_seeded_shop_opens_in_the_browser(live_server, page, shots):
    page.goto(live_server("/"))
    assert page.title().endswith("Lekker Oost-Vlaams")
    shots(page, "home")
    page.goto(live_server("/producten"))
    assert page.get_by_role("heading", level=1).count() == 1
    assert live_server.sql("select count(*) from products")[0][0] >= 2000
    assert page.js_errors == []
