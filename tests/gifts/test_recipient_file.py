"""Reading recipient lists as offices make them: each quirk a file made here."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from shop.gifts.recipient_file import UnreadableList, read_recipient_file, template_csv, template_xlsx

HEADER = ["Naam", "Bedrijf", "Straat en nummer", "Postcode", "Gemeente", "Land", "Persoonlijke boodschap",
          "Wat", "Aantal", "Gewenste datum"]
ROW = ["Jürgen Öztürk", "Café Één", "Veldstraat 1", "9000", "Gent", "België", "Zalig kerstfeest", "pralines", "2", ""]


def _csv(rows, delimiter=";", encoding="utf-8", bom=False) -> bytes:
    text = "\r\n".join(delimiter.join(cells) for cells in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def _xlsx(rows, merge=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for cells in rows:
        sheet.append(cells)
    for cell_range in merge or []:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    _csv([HEADER, ROW]),
    _csv([HEADER, ROW], delimiter=","),
    _csv([HEADER, ROW], bom=True),
    _csv([HEADER, ROW], encoding="cp1252"),
    _csv([["Kerstgeschenken 2026 – Anker"], [], HEADER, ROW, ["", "", ""], [";;;"]]),
    _xlsx([HEADER, ROW]),
    _xlsx([["Kerstgeschenken 2026"], [], HEADER, ROW, [], []]),
], ids=["semicolon", "comma", "bom", "windows-1252", "title-and-trailing-empty-rows", "xlsx", "xlsx-title"])
def test_an_office_list_is_read_as_one_recipient(data):
    rows = read_recipient_file(data)

    assert rows == [dict(name="Jürgen Öztürk", company="Café Één", street="Veldstraat 1", postcode="9000",
                         city="Gent", country="België", message="Zalig kerstfeest", item="pralines", quantity="2",
                         desired_date="")]


def test_a_merged_company_cell_counts_for_every_row_it_covers():
    second = ["Els Bedrijf", None, "Korenmarkt 1", "9000", "Gent", "België", "", "pralines", "1", ""]

    rows = read_recipient_file(_xlsx([HEADER, ROW, second], merge=["B2:B3"]))

    assert [r["company"] for r in rows] == ["Café Één", "Café Één"]


def test_formulas_and_html_are_read_as_text_never_evaluated():
    cells = ["=HYPERLINK(\"http://x\")", "<b>Bold</b>", "+32 9 123", "9000", "Gent", "", "@SUM(A1)", "pralines",
             "=1+1", ""]

    rows = read_recipient_file(_xlsx([HEADER, cells]))

    assert (rows[0]["name"], rows[0]["company"], rows[0]["street"], rows[0]["message"], rows[0]["quantity"]) == (
        '=HYPERLINK("http://x")', "<b>Bold</b>", "+32 9 123", "@SUM(A1)", "=1+1")


def test_an_excel_date_reads_as_an_iso_day():
    from datetime import datetime

    rows = read_recipient_file(_xlsx([HEADER, [*ROW[:9], datetime(2026, 12, 18)]]))

    assert rows[0]["desired_date"] == "2026-12-18"


@pytest.mark.parametrize("data, message", [
    (b"", "Kies een bestand"),
    (_csv([["a", "b"], ["c", "d"]]), "kolomnamen niet"),
    (_csv([HEADER]), "geen ontvangers"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Oude Excel"),
    (b"PK\x03\x04broken", "Excel-bestand kunnen we niet lezen"),
])
def test_an_unreadable_list_is_refused_with_advice(data, message):
    with pytest.raises(UnreadableList) as error:
        read_recipient_file(data)

    assert message in str(error.value)


def test_the_templates_read_back_as_their_example_row_and_show_the_codes():
    codes = [("kerstpakket", "Kerstpakket", "pakket"), ("pralines", "Pralines", "product")]

    from_csv = read_recipient_file(template_csv(codes))
    from_xlsx = read_recipient_file(template_xlsx(codes))
    book = load_workbook(io.BytesIO(template_xlsx(codes)))

    assert from_csv == from_xlsx == [dict(name="An Peeters", company="Voorbeeld bv", street="Veldstraat 1",
                                          postcode="9000", city="Gent", country="België",
                                          message="Fijne feestdagen, An!", item="kerstpakket", quantity="1",
                                          desired_date="")]
    assert [list(r) for r in book["Codes"].iter_rows(values_only=True)] == [
        ["Code", "Naam", "Soort"], ["kerstpakket", "Kerstpakket", "pakket"], ["pralines", "Pralines", "product"]]
    assert "pralines;Pralines;product" in template_csv(codes).decode("utf-8-sig")
