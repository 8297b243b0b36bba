"""The consumer journey with the keyboard alone: every step is reached with Tab and used with Enter, Space,
the arrow keys or typing; the mouse is never used and nothing is clicked or focused by script."""

from __future__ import annotations

import re

from tests.e2e.browser import loads, words_in

MAX_TABS = 250


def tab_to(page, locator, *, what: str) -> None:
    """Press Tab until ``locator`` has the keyboard focus (fails if it is never reached)."""
    target = locator.element_handle()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("el => el === document.activeElement", target):
            # An outline or shadow on the element or on its ::after (the stretched link of a card draws it there).
            visible = page.evaluate("""el => [getComputedStyle(el), getComputedStyle(el, '::after')].some(
                style => style.outlineStyle !== 'none' || (style.boxShadow && style.boxShadow !== 'none'))""", target)
            assert visible, f"{what} has no visible focus indicator"
            return
    raise AssertionError(f"{what} cannot be reached with Tab")


def test_consumer_journey_with_the_keyboard_only(live_server, page, shots):
    w = words_in("nl")
    page.goto(live_server("/"))

    # The first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    shots(page, "skip-link", full_page=False)

    search = page.get_by_role("search").get_by_role("searchbox")
    tab_to(page, search, what="the search box")
    page.keyboard.type("kerst")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/producten\?q=kerst"))

    tab_to(page, page.get_by_role("link", name=w["to_packages"]), what="the link to the packages found")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/pakketten\?q=kerst"))
    tab_to(page, page.locator(".grid-cards .card__title a").first, what="the first package")
    with loads(page):
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name=re.compile(w["add"])).first, what="the add-to-cart button")
    with loads(page):
        page.keyboard.press("Enter")

    tab_to(page, page.get_by_role("link", name=re.compile(w["cart"])).first, what="the cart link")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/winkelmand"))
    tab_to(page, page.get_by_role("link", name=w["checkout"]), what="the checkout button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/afrekenen"))

    for label, value, exact in ((w["email"], "kim.declercq@voorbeeld.be", False), (w["name"], "Kim De Clercq", True),
                                (w["phone"], "0470 99 88 77", False)):
        tab_to(page, page.get_by_label(label, exact=exact), what=f"the field {label}")
        page.keyboard.type(value)
    pickup = page.get_by_label(w["pickup"])
    delivery = page.get_by_label(w["delivery"])
    # In a radio group Tab stops once: on the checked choice, or on the first when none is checked yet.
    tab_to(page, delivery if delivery.is_checked() else pickup, what="the delivery choice")
    page.keyboard.press("ArrowUp" if delivery.is_checked() else "Space")
    assert pickup.is_checked()
    shots(page, "checkout-by-keyboard", full_page=False)
    tab_to(page, page.get_by_role("button", name=w["next"]), what="the continue button")
    with loads(page):
        page.keyboard.press("Enter")

    tab_to(page, page.get_by_label(w["terms"]), what="the terms checkbox")
    page.keyboard.press("Space")
    assert page.get_by_label(w["terms"]).is_checked()
    tab_to(page, page.locator("form button[type=submit]").last, what="the pay button")
    with loads(page):
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name=re.compile(w["pay_demo"])), what="the demo pay button")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/bestelling/"))
    number = page.get_by_role("heading", level=1).inner_text().strip()
    shots(page, "confirmation", full_page=False)
    assert live_server.sql("select status from orders where number = ?", number) == [("paid",)]
    assert page.js_errors == []
