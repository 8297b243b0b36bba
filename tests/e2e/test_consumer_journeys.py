"""The consumer's journey in a real browser: find a gift package by searching and filtering, add it and two loose
products, check out (a gift delivered at home, or pickup), pay (demo page or Stripe Checkout), see the
confirmation. Also on a phone-sized viewport and in French."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import loads, new_page, start_server, stop_server, words_in
from tests.fakes.stripe_server import WEBHOOK_SECRET, FakeStripe


def _add_first_product(page, words, query: str) -> str:
    """Search the shop for ``query`` and put the first orderable product of the results in the cart."""
    search = page.get_by_role("search").get_by_role("searchbox")
    search.fill(query)
    search.press("Enter")
    page.wait_for_url(re.compile(r"/producten\?"))
    button = page.locator(".product-grid .card-add__button").first
    name = button.locator(".visually-hidden").inner_text().lstrip(": ").strip()
    with loads(page):
        button.click()
    return name


def consumer_journey(page, server, shots, *, words, method: str, payment: str, fake: FakeStripe | None = None,
                     language: str | None = None):
    w = words
    page.goto(server("/"))
    if language:
        with loads(page):
            page.get_by_role("link", name=language).click()
    shots(page, "home")

    # 1. Find a Christmas package: search, then narrow the packages to those available now.
    search = page.get_by_role("search").get_by_role("searchbox")
    search.fill("kerst")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/producten\?q=kerst"))
    shots(page, "search-results")
    page.get_by_role("link", name=w["to_packages"]).click()
    page.wait_for_url(re.compile(r"/pakketten\?q=kerst"))
    toggle = page.locator("details.filters-toggle")
    if toggle.count() and not toggle.evaluate("d => d.open"):
        page.get_by_text(w["filters"]).click()
    page.get_by_label(w["only_available"]).check()
    page.get_by_role("button", name=w["show_packages"]).click()
    page.wait_for_url(re.compile(r"beschikbaar=1"))
    shots(page, "packages-filtered")
    card = page.locator(".grid-cards .card").first
    package_name = card.locator(".card__title").inner_text().strip()
    card.locator(".card__title a").click()
    with loads(page):
        page.get_by_role("button", name=re.compile(w["add"])).first.click()
    shots(page, "package-added")

    # 2. Two loose products through the search box.
    product_names = [_add_first_product(page, w, "kaas"), _add_first_product(page, w, "appel")]

    # 3. The cart holds the three lines.
    with loads(page):
        page.get_by_role("link", name=re.compile(w["cart"])).first.click()
    cart_text = page.locator("main").inner_text()
    for name in [package_name, *product_names]:
        assert name in cart_text
    shots(page, "cart")
    page.get_by_role("link", name=w["checkout"]).click()

    # 4. Checkout.
    page.get_by_label(w["email"]).fill("lotte.verhaeghe@voorbeeld.be")
    page.get_by_label(w["name"], exact=True).fill("Lotte Verhaeghe")
    page.get_by_label(w["phone"]).fill("0470 11 22 33")
    if method == "delivery":
        page.get_by_label(w["delivery"]).check()
        page.get_by_label(w["recipient"]).fill("Oma Verhaeghe")
        page.get_by_label(w["street"], exact=True).fill("Korenmarkt 10")
        page.get_by_label(w["postcode"], exact=True).fill("9000")
        page.get_by_label(w["city"], exact=True).fill("Gent")
        page.get_by_label(w["gift"]).check()
        page.get_by_label(w["message"]).fill("Zalige kerst, oma! Veel liefs van Lotte")
    else:
        page.get_by_label(w["pickup"]).check()
    shots(page, "checkout")
    with loads(page):
        page.get_by_role("button", name=w["next"]).click()
    shots(page, "review")
    page.get_by_label(w["terms"]).check()
    page.locator("form button[type=submit]").last.click()

    # 5. Pay.
    if payment == "demo":
        page.wait_for_url(re.compile(r"/betalen/demo/|/demo"))
        shots(page, "demo-payment")
        page.get_by_role("button", name=re.compile(w["pay_demo"])).click()
    else:
        page.wait_for_url(re.compile(r"^" + re.escape(fake.url) + r"/pay/"))
        shots(page, "stripe-checkout")
        page.get_by_role("button", name="Pay").click()

    # 6. The confirmation.
    page.wait_for_url(re.compile(r"/bestelling/"))
    number = page.get_by_role("heading", level=1).inner_text().strip()
    assert re.fullmatch(r"LOV-\d{4}-\d{6}", number)
    shots(page, "confirmation")
    status, shipment_method, gift_message = server.sql(
        "select o.status, s.method, s.gift_message from orders o join shipments s on s.order_id = o.id "
        "where o.number = ?", number)[0]
    assert status == "paid"
    assert shipment_method == method
    if method == "delivery":
        assert gift_message == "Zalige kerst, oma! Veel liefs van Lotte"
    lines = set(server.sql(
        "select l.name, l.package_id is not null from order_lines l join orders o on o.id = l.order_id "
        "where o.number = ?", number))
    assert lines == {(package_name, 1), *((name, 0) for name in product_names)}
    assert page.js_errors == []
    return number


def test_gift_delivered_at_home_paid_on_the_demo_page(live_server, page, shots):
    consumer_journey(page, live_server, shots, words=words_in("nl"), method="delivery", payment="demo")


@pytest.fixture
def stripe_server(tmp_path, seeded_template):
    fake = FakeStripe().start()
    server = start_server(tmp_path, seeded_template, {
        "STRIPE_SECRET_KEY": "sk_test_e2e", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": fake.url})
    fake.webhook_url = server("/stripe/webhook")
    yield server, fake
    stop_server(server)
    fake.stop()


def test_pickup_paid_through_stripe_checkout(stripe_server, page, shots):
    server, fake = stripe_server
    number = consumer_journey(page, server, shots, words=words_in("nl"), method="pickup", payment="stripe", fake=fake)
    assert len(fake.session_requests()) == 1
    assert server.sql("select count(*) from stripe_events")[0][0] == 1  # the webhook arrived and was recorded
    assert server.sql("select payment_intent_id from orders where number = ?", number)[0][0].startswith("pi_")


def test_the_same_journey_on_a_phone(live_server, browser, shots):
    page = new_page(browser, viewport=(390, 844), is_mobile=True, device_scale_factor=2)
    try:
        consumer_journey(page, live_server, shots, words=words_in("nl"), method="delivery", payment="demo")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the confirmation page scrolls sideways on a phone ({width}px)"
    finally:
        page.context.close()


def test_the_same_journey_in_french(live_server, page, shots):
    number = consumer_journey(page, live_server, shots, words=words_in("fr"), method="delivery", payment="demo",
                              language="Français")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert live_server.sql("select locale from orders where number = ?", number)[0][0] == "fr"
