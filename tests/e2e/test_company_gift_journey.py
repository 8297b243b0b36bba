"""The company's gift journey in a real browser: a customer registers, confirms by mail and adds the company's
details; uploads a 50-recipient list (an Excel file with a title row) with three wrong rows (the upload button
shows it is busy until the list's page comes), sees the errors per row and column, fixes them in the table, orders
and pays once (demo payment page) and sees the order with its 50 shipments; staff open the order, mark two parcels
shipped with a tracking reference and print all gift cards."""

from __future__ import annotations

import csv
import email
import io
import re
from email import policy

from openpyxl import Workbook

from tests.e2e.browser import DEMO_STAFF, loads, log_in, new_page

EMAIL = "aankoop@brouwerij-de-leie.be"
PASSWORD = "Relatiegeschenken-2026!"
FIRST = ["An", "Bart", "Chris", "Dirk", "Els", "Fien", "Geert", "Hanne", "Ilse", "Jan"]
LAST = ["De Smet", "Peeters", "Claeys", "Goossens", "Wouters"]


def _cents(text: str) -> int:
    """"€ 1.234,50" as cents."""
    return int(re.sub(r"[^0-9]", "", text))


def _confirmation_link(server) -> str:
    server.flask("worker", "--once")
    mails = [email.message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in sorted((server.instance / "mail").glob("*.eml"))]
    (mail,) = [mail for mail in mails if mail["To"] == EMAIL]
    body = mail.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/account/bevestigen/\S+", body).group(0)


def _codes(page, server) -> tuple[str, str, int]:
    """(package code, product code, rows of the package): a package and a product of the template download that
    are in stock for the whole list (the product is none of the package's components)."""
    template = page.request.get(server("/bedrijfsgeschenken/sjabloon.csv"))
    assert template.ok
    text = template.body().decode("utf-8-sig", errors="replace")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    column = header.index("Beschikbare codes")
    codes = {row[column].strip() for row in rows if len(row) > column and row[column].strip()}
    package_code, package_room, package_id = next(
        (slug, room, pid) for slug, room, pid in server.sql(
            "select p.slug, min(pr.stock / c.quantity), p.id from packages p "
            "join package_components c on c.package_id = p.id join products pr on pr.id = c.product_id "
            "where p.active group by p.id order by 2 desc") if slug in codes)
    package_rows = min(package_room, 20)
    product_code = next(slug for (slug,) in server.sql(
        "select slug from products where stock >= ? and id not in "
        "(select product_id from package_components where package_id = ?) order by stock desc, id",
        50 - package_rows, package_id) if slug in codes)
    return package_code, product_code, package_rows


def _recipient_list(path, server, package_code: str, product_code: str, package_rows: int) -> dict:
    """An office's Excel list of 50 recipients at real Oost-Vlaanderen addresses (a title row above the header),
    three of them wrong: a town not at its postcode, a street without house number, an unknown code."""
    places = server.sql("select postcode, name, municipality_id from localities order by id limit 50")
    rows = []
    for index in range(50):
        postcode, town, _ = places[index % len(places)]
        rows.append([f"{FIRST[index % 10]} {LAST[index // 10]}", "Klant nv" if index % 3 else "",
                     f"Kerkstraat {index + 1}", postcode, town, "België",
                     f"Bedankt voor de fijne samenwerking, {FIRST[index % 10]}!" if index % 4 == 0 else "",
                     package_code if index < package_rows else product_code, 1, None])
    # row 7: a town of another municipality than its postcode's
    rows[6][4] = next(name for _, name, municipality in places if municipality != places[6][2])
    rows[19][2] = "Kerkstraat"                  # row 20: no house number
    rows[41][7] = "kerstpakket-bestaat-niet"    # row 42: a code the shop does not know
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Relatiegeschenken eindejaar 2026 — Brouwerij De Leie"])
    sheet.append([])
    sheet.append(["Naam", "Bedrijf", "Straat en nummer", "Postcode", "Gemeente", "Land", "Persoonlijke boodschap",
                  "Wat (code)", "Aantal", "Gewenste datum"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return {"town": rows[6], "street": rows[19], "item": rows[41], "right_town": places[6 % len(places)][1]}


def test_a_company_orders_gifts_for_50_recipients_and_staff_ship_them(live_server, browser, page, shots, tmp_path):
    server = live_server

    # 1. An account for the company: register, confirm through the mailed link, add the company's details.
    page.goto(server("/account/registreren"))
    page.get_by_label("Naam", exact=True).fill("Sofie Van Damme")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/registreren/verstuurd"))
    page.goto(_confirmation_link(server))
    page.wait_for_url(re.compile(r"/account$"))
    page.get_by_role("link", name="Bedrijfsgegevens toevoegen").click()
    page.get_by_label("Naam van het bedrijf").fill("Brouwerij De Leie bv")
    page.get_by_label("Btw-nummer").fill("BE 0123.456.749")
    page.get_by_label("Straat en huisnummer").fill("Leiekaai 12")
    page.get_by_label("Postcode").fill("9000")
    page.get_by_label("Gemeente").fill("Gent")
    page.get_by_role("button", name="Bewaar de bedrijfsgegevens").click()
    page.wait_for_url(re.compile(r"/account$"))
    shots(page, "account")

    # 2. The gift list: upload 50 recipients, three rows wrong.
    page.get_by_role("link", name="Bedrijfsgeschenken bestellen").click()
    page.wait_for_url(re.compile(r"/bedrijfsgeschenken$"))
    package_code, product_code, package_rows = _codes(page, server)
    wrong = _recipient_list(tmp_path / "relatiegeschenken.xlsx", server, package_code, product_code, package_rows)
    page.get_by_label("Lijst met ontvangers (.xlsx of .csv)").set_input_files(str(tmp_path / "relatiegeschenken.xlsx"))
    # A long list takes a while: the upload shows that it is busy (shop.js's busy state on the pressed button: a
    # turning mark and aria-busy) until the page with the list comes. What the button showed is noted in the
    # tab's sessionStorage, which the next page still reads.
    upload = page.get_by_role("button", name="Lijst opladen")
    upload.evaluate("""button => new MutationObserver(() => {
        if (button.getAttribute("aria-busy") === "true") {
            sessionStorage.setItem("upload-busy", JSON.stringify(
                [button.classList.contains("is-busy"), getComputedStyle(button, "::before").animationName]));
        }
    }).observe(button, {attributes: true})""")
    with loads(page):
        upload.click()
    assert page.evaluate("JSON.parse(sessionStorage.getItem('upload-busy'))") in ([True, "button-spin"],
                                                                                  [True, "none"])  # reduced motion
    assert page.locator(".flash").first.inner_text().strip().endswith("50 ontvangers gelezen.")
    assert page.get_by_role("heading", name="Ontvangers (50)").is_visible()
    summary = page.locator(".error-summary")
    assert summary.get_by_role("heading").inner_text() == "3 rijen moeten nog verbeterd worden"
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    assert [text.split(":")[0] for text in texts] == ["Rij 7, Gemeente", "Rij 20, Straat en nummer", "Rij 42, Wat"]
    assert f"“{wrong['town'][4]}” hoort niet bij postcode {wrong['town'][3]}" in texts[0]
    assert "Vul ook het huisnummer in" in texts[1]
    assert "We kennen geen pakket of product “kerstpakket-bestaat-niet”" in texts[2]
    # Each link leads to its cell in the table, marked invalid; the table shows the three wrong rows.
    for link in links.all():
        field = page.locator(link.get_attribute("href"))
        assert field.get_attribute("aria-invalid") == "true"
    assert page.locator(".gift-table tbody tr").count() == 3
    # The ten columns scroll inside their frame; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert "Verbeter eerst de rijen met een fout" in page.locator("main").inner_text()
    shots(page, "list-with-errors")

    # 3. Fix them in the table.
    links.nth(0).click()
    page.locator(links.nth(0).get_attribute("href")).fill(wrong["right_town"])
    page.locator(links.nth(1).get_attribute("href")).fill("Kerkstraat 20")
    page.locator(links.nth(2).get_attribute("href")).fill(product_code)
    with loads(page):
        page.get_by_role("button", name="Bewaar de tabel").click()
    assert page.locator(".flash").first.inner_text().strip().endswith("De lijst is bewaard.")
    assert page.locator(".error-summary").count() == 0
    assert page.get_by_role("heading", name="Ontvangers (50)").is_visible()
    order_section = page.locator("section", has=page.get_by_role("heading", name="Bestellen"))
    assert order_section.locator("dl div", has_text="Ontvangers").locator("dd").inner_text() == "50"
    page.get_by_label("Boodschap op elke wenskaart").fill("Fijne feestdagen en een smakelijk 2027! — Brouwerij De Leie")
    with loads(page):
        page.get_by_role("button", name="Bewaar de wenskaart").click()
    shots(page, "list-ready")
    list_total = _cents(order_section.locator("dl div", has_text="Totaal incl. btw").locator("dd").inner_text())

    # 4. Order and pay once.
    page.get_by_role("button", name=re.compile(r"^Bestel en betaal")).click()
    page.wait_for_url(re.compile(r"/betalen/demo/"))
    shots(page, "demo-payment")
    page.get_by_role("button", name=re.compile(r"^Betalen")).click()
    page.wait_for_url(re.compile(r"/bestelling/"))
    number = page.get_by_role("heading", level=1).inner_text().strip()
    assert re.fullmatch(r"LOV-\d{4}-\d{6}", number)
    assert page.get_by_role("heading", name="Levering aan 50 ontvangers").is_visible()
    assert "0 van 50 pakketten zijn verzonden." in page.locator("main").inner_text()
    assert page.locator(".order-shipments tbody tr").count() == 50
    shots(page, "order-confirmation")
    ((order_id, status, total),) = server.sql("select id, status, total_cents from orders where number = ?", number)
    assert status == "paid"
    assert server.sql("select count(*), sum(is_gift), count(distinct recipient_name) from shipments "
                      "where order_id = ?", order_id) == [(50, 50, 50)]
    assert server.sql("select count(*) from order_lines where order_id = ?", order_id) == [(50,)]
    assert server.sql("select status from gift_orders where order_id = ?", order_id) == [("placed",)]
    assert total == list_total
    assert page.js_errors == []

    # 5. Staff open the order, ship two parcels with a tracking reference, and print all gift cards.
    staff = new_page(browser)
    log_in(staff, server, *DEMO_STAFF)
    staff.get_by_role("navigation", name="Beheer").get_by_role("link", name="Bestellingen").click()
    staff.get_by_label("Zoek", exact=True).fill(number)
    with loads(staff):
        staff.get_by_role("button", name="Filteren").click()
    staff.locator("table a[href*='/beheer/bestellingen/']", has_text=number).click()
    staff.wait_for_url(re.compile(rf"/beheer/bestellingen/{order_id}"))
    assert staff.get_by_role("heading", name="50 pakketten").is_visible()
    shots(staff, "backoffice-order")
    shipped = []
    for reference in ("3SLOV0000000001", "3SLOV0000000002"):
        row = staff.locator(".order-shipments tbody tr", has=staff.get_by_role("button", name="Verzonden")).first
        recipient = row.locator("th").inner_text().strip()
        row.get_by_role("textbox").fill(reference)
        with loads(staff):
            row.get_by_role("button", name="Verzonden").click()
        assert f"Het pakket voor {recipient} is verzonden." in staff.locator(".flash").first.inner_text()
        shipped.append((recipient, reference))
    assert staff.get_by_role("link", name=re.compile(r"^Verzonden \(2\)")).is_visible()
    shots(staff, "two-shipped")
    assert sorted(server.sql("select recipient_name, tracking_reference from shipments where order_id = ? "
                             "and state = 'shipped'", order_id)) == sorted(shipped)
    assert server.sql("select status from orders where id = ?", order_id) == [("in_preparation",)]

    cards = staff.get_by_role("link", name="Alle wenskaarten (PDF, een per pagina)")
    pdf = staff.request.get(server(cards.get_attribute("href")))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert f"wenskaarten-{number}-50.pdf" in pdf.headers["content-disposition"]
    assert staff.js_errors == []
    staff.context.close()
