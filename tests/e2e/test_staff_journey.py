"""The staff member's journey in a real browser: find the paid order, print its pick list (A4, as PDF), take it
through to completed, and refund another order in part."""

from __future__ import annotations

import re

from tests.e2e.browser import DEMO_STAFF, loads, log_in


def _open_order(page, search: str) -> None:
    page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Bestellingen").click()
    page.get_by_label("Zoek", exact=True).fill(search)
    page.get_by_label("Status", exact=True).select_option(label="Betaald")
    with loads(page):
        page.get_by_role("button", name="Filteren").click()
    page.locator("table a[href*='/beheer/bestellingen/']").first.click()
    page.wait_for_url(re.compile(r"/beheer/bestellingen/\d+$"))


def test_staff_prints_a_pick_list_completes_an_order_and_refunds_another(live_server, page, shots, tmp_path):
    # Two paid pickup orders of the seeded demo.
    (first_number, first_name), (second_number, _) = live_server.sql(
        "select o.number, o.name from orders o join shipments s on s.order_id = o.id "
        "where o.status = 'paid' and s.method = 'pickup' order by o.id limit 2")

    log_in(page, live_server, *DEMO_STAFF)
    page.wait_for_url(re.compile(r"/beheer/$"))
    shots(page, "dashboard")

    # Find the paid order.
    _open_order(page, first_name)
    assert page.get_by_role("heading", level=1).inner_text().find(first_number) >= 0
    shots(page, "order")

    # Its pick list, printed on A4 (the print stylesheet hides the menu) and as the shop's own PDF.
    page.locator(".backoffice-main").get_by_role("link", name="Picklijst").click()
    page.wait_for_url(re.compile(r"/beheer/picklijst\?order="))
    assert first_number in page.locator("main").inner_text()
    shots(page, "pick-list")
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Beheer").is_visible()
    shots(page, "pick-list-print")
    printed = tmp_path / "picklijst.pdf"
    page.pdf(path=str(printed), format="A4", print_background=True)
    assert printed.read_bytes().startswith(b"%PDF")
    page.emulate_media(media="screen")
    pdf = page.request.get(page.get_by_role("link", name="Download als PDF").get_attribute("href")
                           .replace("/beheer", live_server("/beheer"), 1))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    page.go_back()
    page.wait_for_url(re.compile(r"/beheer/bestellingen/\d+$"))

    # Through to completed, one allowed step at a time.
    for button in ("In voorbereiding nemen", "Markeer als klaar om af te halen", "Markeer als afgerond"):
        with loads(page):
            page.get_by_role("button", name=button).click()
        assert page.locator(".flash").first.is_visible()
    shots(page, "completed")
    assert live_server.sql("select status from orders where number = ?", first_number) == [("completed",)]
    assert live_server.sql(
        "select count(*) from order_transitions t join orders o on o.id = t.order_id "
        "where o.number = ? and t.actor = ?", first_number, DEMO_STAFF[0]) == [(3,)]
    assert live_server.sql(
        "select count(*) from outbox_messages m join orders o on o.id = m.order_id "
        "where o.number = ? and m.kind = 'order_ready_for_pickup'", first_number) == [(1,)]

    # Refund part of another order.
    _open_order(page, second_number)  # by its number this time
    page.get_by_label("Bedrag", exact=True).fill("5,00")
    page.get_by_label("Reden", exact=True).fill("Een pot confituur was gebarsten.")
    # An impatient double click: the busy state ignores the second submit (and the server would refuse it).
    with loads(page):
        page.get_by_role("button", name="Terugbetalen").dblclick()
    shots(page, "refunded")
    assert live_server.sql("select refunded_cents, status from orders where number = ?", second_number) == [(500, "paid")]
    assert live_server.sql(
        "select r.amount_cents, r.reason from refunds r join orders o on o.id = r.order_id where o.number = ?",
        second_number) == [(500, "Een pot confituur was gebarsten.")]
    assert page.js_errors == []
