"""The producer's journey in a real browser: log in, lower a product's stock, upload a photo; the shop shows both."""

from __future__ import annotations

import re

from PIL import Image

from tests.e2e.browser import DEMO_PRODUCER, loads, log_in, new_page


def test_producer_lowers_stock_and_adds_a_photo_and_the_shop_shows_it(live_server, page, browser, shots, tmp_path):
    log_in(page, live_server, *DEMO_PRODUCER)
    page.wait_for_url(re.compile(r"/portaal/"))
    shots(page, "portal-dashboard")

    # One of the demo producer's products that is in the shop with more than 3 in stock.
    (product_id, slug, name, stock_before, images_before), = live_server.sql(
        "select p.id, p.slug, p.name, p.stock, (select count(*) from product_images i where i.product_id = p.id) "
        "from products p join users u on u.producer_id = p.producer_id where u.email = ? "
        "and p.status = 'published' and p.stock > 5 order by p.name limit 1", DEMO_PRODUCER[0])
    page.get_by_role("link", name="Mijn producten").first.click()
    page.get_by_label("Zoek in mijn producten").fill(name)
    with loads(page):
        page.get_by_role("main").get_by_role("button", name="Zoeken").click()
    shots(page, "my-products")
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile(rf"/portaal/producten/{product_id}$"))

    # Lower the stock to 3.
    page.get_by_label("Voorraad", exact=True).fill("3")
    with loads(page):
        page.get_by_role("button", name="Opslaan").click()
    assert page.locator(".flash, .notice").first.is_visible()
    shots(page, "stock-saved")
    assert live_server.sql("select stock from products where id = ?", product_id) == [(3,)]
    (delta, reason), = live_server.sql(
        "select delta, reason from stock_movements where product_id = ? order by id desc limit 1", product_id)
    assert (delta, reason) == (3 - stock_before, "producer_edit")

    # Upload a photo taken with a phone (a JPEG).
    photo = tmp_path / "kaas.jpg"
    Image.new("RGB", (1200, 900), (230, 190, 90)).save(photo, "JPEG", quality=85)
    page.get_by_label("Foto", exact=True).set_input_files(str(photo))
    page.get_by_label("Korte beschrijving van de foto").fill("Een wiel kaas op de plank")
    with loads(page):
        page.get_by_role("button", name="Foto toevoegen").click()
    shots(page, "photo-added")
    assert live_server.sql("select count(*) from product_images where product_id = ?", product_id) == [(images_before + 1,)]

    # A shopper sees the new stock and the photo.
    shopper = new_page(browser)
    try:
        shopper.goto(live_server(f"/producten/{slug}"))
        assert "Nog 3 beschikbaar" in shopper.locator("main").inner_text()
        photo_alt = shopper.get_by_alt_text("Een wiel kaas op de plank")
        assert photo_alt.count() >= 1
        assert photo_alt.first.evaluate("img => img.complete && img.naturalWidth > 0")
        shots(shopper, "shop-shows-change")
        assert shopper.js_errors == [] and page.js_errors == []
    finally:
        shopper.context.close()
