"""The report pages (/beheer/rapporten) through the test client: access, the period, the figures, the CSV files."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from shop.core.audit import AuditEntry
from shop.core.clock import shop_today
from shop.invoicing.models import CreditNote
from shop.reporting.statements import last_month
from tests.factories import log_in_as, make_november_sales, make_staff, make_user
from tests.helpers import count_queries

REPORTS = {
    "/beheer/rapporten/verkoop-per-producent": "verkoop-per-producent",
    "/beheer/rapporten/btw": "btw-per-tarief",
    "/beheer/rapporten/bestsellers": "bestsellers",
}
PAGES = ["/beheer/rapporten", *REPORTS]
NOVEMBER = "van=2026-11-01&tot=2026-11-30"


@pytest.fixture
def staff(client, db):
    user = make_staff()
    db.session.commit()
    log_in_as(client, user)
    return user


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline=""), delimiter=";"))


# --- who may see them ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, db, url):
    response = client.get(f"{url}?{NOVEMBER}&formaat=csv")

    assert response.status_code == 302
    assert "/beheer" not in response.headers["Location"].split("?")[0]


@pytest.mark.parametrize("role", ["customer", "producer"])
@pytest.mark.parametrize("url", PAGES)
def test_customers_and_producers_get_403(client, db, url, role):
    user = make_user(role=role)
    db.session.commit()
    log_in_as(client, user)

    assert client.get(f"{url}?{NOVEMBER}&formaat=csv").status_code == 403
    assert db.session.scalars(select(AuditEntry)).all() == []


# --- the period ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_the_default_period_is_last_month(client, staff, url):
    start, end = last_month(shop_today())

    response = client.get(url)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'value="{start.isoformat()}"' in html and f'value="{end.isoformat()}"' in html


@pytest.mark.parametrize("query, message", [
    ("van=&tot=2026-11-30", "Geef de eerste dag van de periode, bv. 2026-11-01."),
    ("van=2026-11-01", "Geef de laatste dag van de periode, bv. 2026-11-30."),
    ("van=1-11-2026&tot=2026-11-30", "Geef een datum als JJJJ-MM-DD, bv. 2026-11-01."),
    ("van=2026-11-01&tot=2026-02-30", "Geef een datum als JJJJ-MM-DD, bv. 2026-11-01."),
    ("van=2026-11-30&tot=2026-11-01", "De laatste dag mag niet voor de eerste dag liggen."),
    ("van=2025-11-01&tot=2026-11-02", "Kies een periode van hoogstens 366 dagen."),
])
@pytest.mark.parametrize("url", PAGES)
def test_a_bad_period_is_refused_with_a_clear_message(client, staff, url, query, message):
    response = client.get(f"{url}?{query}")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "<title>Fout: " in html
    assert html.count(message) == 2  # in the error summary and at the field


def test_a_bad_period_downloads_nothing_and_records_nothing(client, staff, db):
    response = client.get("/beheer/rapporten/btw?van=2026-11-30&tot=2026-11-01&formaat=csv")

    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_a_period_of_366_days_is_accepted(client, staff):
    assert client.get("/beheer/rapporten/btw?van=2024-01-01&tot=2024-12-31").status_code == 200


def test_the_index_links_each_report_and_its_csv_for_the_period(client, staff):
    html = client.get(f"/beheer/rapporten?{NOVEMBER}").get_data(as_text=True)

    for url in REPORTS:
        assert f'href="{url}?van=2026-11-01&amp;tot=2026-11-30"' in html
        assert f'href="{url}?formaat=csv&amp;van=2026-11-01&amp;tot=2026-11-30"' in html


def test_the_index_offers_the_last_months_with_the_chosen_one_marked(client, staff):
    start, end = last_month(shop_today())

    html = client.get("/beheer/rapporten").get_data(as_text=True)

    assert f'href="/beheer/rapporten?van={start.isoformat()}&amp;tot={end.isoformat()}" aria-current="page"' in html
    assert html.count('aria-current="page"') == 3  # the month, "Rapporten" in the menu and "Beheer" in the main menu


# --- the pages -------------------------------------------------------------------------------------------------


def test_sales_page_shows_each_producer_and_the_totals(client, db, staff):
    make_november_sales()
    db.session.commit()

    html = client.get(f"/beheer/rapporten/verkoop-per-producent?{NOVEMBER}").get_data(as_text=True)

    assert html.index("Bakkerij Baert") < html.index("Hoeve De Linde")
    for amount in ("€\xa028,00", "€\xa085,50", "€\xa0113,50", "€\xa078,78", "€\xa04,72", "€\xa024,79", "€\xa05,21"):
        assert amount in html
    assert "Maatstaf 21 %" in html


def test_vat_page_shows_invoiced_credited_and_net_per_rate(client, db, staff):
    data = make_november_sales()
    db.session.commit()

    html = client.get(f"/beheer/rapporten/btw?{NOVEMBER}").get_data(as_text=True)

    assert "4 facturen · 2 creditnota's" in html
    # invoiced (145,00 / 175,00), credited (58,02 base, 3,48 VAT, 61,50) and net (83,50 / 113,50)
    for amount in ("€\xa0136,80", "€\xa08,20", "€\xa0145,00", "€\xa0161,59", "€\xa013,41", "€\xa0175,00",
                   "€\xa058,02", "€\xa03,48", "€\xa061,50", "€\xa078,78", "€\xa04,72", "€\xa083,50",
                   "€\xa0103,57", "€\xa09,93", "€\xa0113,50"):
        assert amount in html
    assert data["cancelled"].number in html and data["refunded"].number in html
    assert data["december"].number not in html
    assert "Er bestaan nog geen creditnota" not in html
    for note in db.session.scalars(select(CreditNote).where(CreditNote.order_id.in_(
            [data["cancelled"].id, data["refunded"].id]))):
        assert note.number in html


def test_bestsellers_page_ranks_products_and_packages(client, db, staff):
    make_november_sales()
    db.session.commit()

    html = client.get(f"/beheer/rapporten/bestsellers?{NOVEMBER}").get_data(as_text=True)

    assert html.index("Hoevekaas") < html.index("Aardbeienconfituur") < html.index("Hoevegin")
    assert "Ontbijtpakket" in html and "€\xa070,00" in html


@pytest.mark.parametrize("url", list(REPORTS))
def test_report_pages_use_a_fixed_number_of_queries(client, db, staff, url):
    make_november_sales()
    db.session.commit()
    with count_queries(db.engine) as november_only:
        assert client.get(f"{url}?{NOVEMBER}").status_code == 200
    with count_queries(db.engine) as empty_month:
        assert client.get(f"{url}?van=2026-10-01&tot=2026-10-31").status_code == 200

    assert len(november_only) <= 8 and len(empty_month) <= 8


# --- the CSV files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, slug", list(REPORTS.items()))
def test_csv_download_is_an_attachment_named_for_the_period_and_recorded(client, db, staff, url, slug):
    make_november_sales()
    db.session.commit()

    response = client.get(f"{url}?{NOVEMBER}&formaat=csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-2026-11-01-2026-11-30.csv"'
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.get_data()
    entries = db.session.scalars(select(AuditEntry)).all()
    assert [(e.action, e.by_user_id, e.subject_type) for e in entries] == [("report.download", staff.id, "report")]
    assert f"{slug}-2026-11-01-2026-11-30.csv" in entries[0].detail


def test_sales_csv_parses_back_to_the_figures(client, db, staff):
    data = make_november_sales()
    db.session.commit()

    rows = _rows(client.get(f"/beheer/rapporten/verkoop-per-producent?{NOVEMBER}&formaat=csv"))

    assert rows == [
        ["Producent", "Producentnummer", "Bestellingen", "Aantal", "Bedrag incl. btw",
         "Maatstaf 6 %", "Btw 6 %", "Maatstaf 21 %", "Btw 21 %"],
        ["Bakkerij Baert", str(data["baert"].id), "1", "2", "28,00", "26,42", "1,58", "0,00", "0,00"],
        ["Hoeve De Linde", str(data["linde"].id), "2", "8", "85,50", "52,36", "3,14", "24,79", "5,21"],
        ["Totaal", "", "", "10", "113,50", "78,78", "4,72", "24,79", "5,21"],
    ]


def test_vat_and_bestsellers_csv_parse_back(client, db, staff):
    data = make_november_sales()
    db.session.commit()

    vat = _rows(client.get(f"/beheer/rapporten/btw?{NOVEMBER}&formaat=csv"))
    best = _rows(client.get(f"/beheer/rapporten/bestsellers?{NOVEMBER}&formaat=csv"))

    assert vat[1:4] == [["6 %", "136,80", "8,20", "145,00", "58,02", "3,48", "61,50", "78,78", "4,72", "83,50"],
                        ["21 %", "24,79", "5,21", "30,00", "0,00", "0,00", "0,00", "24,79", "5,21", "30,00"],
                        ["Totaal", "161,59", "13,41", "175,00", "58,02", "3,48", "61,50", "103,57", "9,93",
                         "113,50"]]
    assert vat[5:7] == [["Facturen", "4"], ["Creditnota's", "2"]]
    assert [row[1] for row in vat[9:11]] == [data["cancelled"].number, data["refunded"].number]
    assert vat[-1] == ["Totaal terugbetaald", "", "61,50", "", "", ""]
    assert [row[1:4] for row in best[1:4]] == [["Hoevekaas", "Hoeve De Linde", "7"],
                                               ["Aardbeienconfituur", "Bakkerij Baert", "2"],
                                               ["Hoevegin", "Hoeve De Linde", "1"]]
    assert best[-1] == ["1", "Ontbijtpakket", "", "2", "70,00"]
