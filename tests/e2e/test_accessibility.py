"""axe-core (vendored: tests/e2e/vendor/VERSIONS) on the shop's main pages: no violation of impact serious or
critical. The consumer journey by keyboard alone is in test_keyboard.py."""

from __future__ import annotations

import json
import re

from tests.e2e.browser import DEMO_PRODUCER, DEMO_STAFF, E2E_DIR, loads, log_in, new_page

AXE = E2E_DIR / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; the serious and critical violations, shortened for a report."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {resultTypes: ['violations']})""")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in BLOCKING
    ]


def test_main_pages_have_no_serious_or_critical_violations(live_server, browser, shots):
    # axe is injected as a script; the shop's Content-Security-Policy would rightly refuse it, so it is bypassed
    # for this browser context only.
    page = new_page(browser, bypass_csp=True)
    report: dict[str, list[dict]] = {}
    try:
        def scan(name: str, path: str | None = None, status: int = 200) -> None:
            if path:
                response = page.goto(live_server(path))
                assert response.status == status, f"{path} answered {response.status}"
            report[name] = axe_violations(page)
            shots(page, name)

        scan("home", "/")
        scan("products", "/producten")
        with loads(page):
            page.locator(".product-grid .card__title a").first.click()
        scan("product")
        page.goto(live_server("/pakketten"))
        with loads(page):
            page.locator(".grid-cards .card__title a").first.click()
        scan("package")
        with loads(page):
            page.get_by_role("button", name=re.compile("In winkelmand")).first.click()
        scan("cart", "/winkelmand")
        scan("checkout", "/afrekenen")
        # The checkout with its error messages shown (an empty form sent).
        with loads(page):
            page.get_by_role("button", name="Verder naar het overzicht").click()
        scan("checkout-errors")
        scan("not-found", "/bestaat-niet", status=404)

        log_in(page, live_server, *DEMO_PRODUCER)
        scan("portal-dashboard", "/portaal/")
        page.context.clear_cookies()
        log_in(page, live_server, *DEMO_STAFF)
        scan("backoffice-dashboard", "/beheer/")
        scan("backoffice-orders", "/beheer/bestellingen")
        with loads(page):
            page.locator("table a[href*='/beheer/bestellingen/']").first.click()
        scan("backoffice-order")
    finally:
        page.context.close()
    failing = {name: violations for name, violations in report.items() if violations}
    assert failing == {}, json.dumps(failing, indent=2)
