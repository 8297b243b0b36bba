"""Reading a recipient list as offices make it, and the template to fill in.

Accepted: XLSX (openpyxl; the first sheet) and CSV (semicolon or comma, UTF-8 with or without BOM, or
Windows-1252). A title row or a few lines of explanation above the header are skipped: the header is the first
row in which at least three cells name a known column (Dutch, French or English). Empty rows (also trailing
ones) are dropped. A merged cell counts for every cell it covers (one company name merged over several rows).

Every cell is read as TEXT, never evaluated: an XLSX formula is read as the formula itself (``=SUM(A1)``), a
CSV cell as written. The pages and PDFs show those texts escaped or literally.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from shop.catalog.search import fold
from shop.core.errors import DomainError
from shop.gifts.models import RECIPIENT_FIELDS

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 15

# The names a column goes by, folded (shop.catalog.search.fold: lower case, no accents or punctuation).
HEADER_NAMES = {
    "name": ("naam", "naam ontvanger", "ontvanger", "name", "recipient", "nom", "destinataire", "voornaam en naam"),
    "company": ("bedrijf", "firma", "company", "societe", "entreprise", "organisatie"),
    "street": ("straat en nummer", "straat en huisnummer", "straat", "adres", "street", "street and number",
               "address", "adresse", "rue", "rue et numero"),
    "postcode": ("postcode", "post code", "postal code", "zip", "code postal", "cp"),
    "city": ("gemeente", "plaats", "woonplaats", "stad", "city", "town", "ville", "localite", "commune"),
    "country": ("land", "country", "pays"),
    "message": ("persoonlijke boodschap", "boodschap", "message", "personal message", "bericht", "wenskaart"),
    "item": ("wat", "wat sturen", "pakket of product", "pakket", "product", "artikel", "code", "item", "gift",
             "cadeau", "colis"),
    "quantity": ("aantal", "hoeveel", "quantity", "qty", "nombre", "quantite"),
    "desired_date": ("gewenste datum", "datum", "leverdatum", "gewenste leverdatum", "date", "desired date",
                     "delivery date", "date souhaitee"),
}
_HEADER_KEYS = {name: field for field, names in HEADER_NAMES.items() for name in names}

# The template's header (Dutch, the order of RECIPIENT_FIELDS).
TEMPLATE_HEADER = ("Naam", "Bedrijf", "Straat en nummer", "Postcode", "Gemeente", "Land", "Persoonlijke boodschap",
                   "Wat (code)", "Aantal", "Gewenste datum")


class UnreadableList(DomainError):
    """The file is not a list the shop can read; the message says what to do."""


def _text(value) -> str:
    """A cell as text: dates as ISO, whole numbers without ``.0``, everything else as written."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_field(cell: str) -> str | None:
    key = fold(cell)
    if key in _HEADER_KEYS:
        return _HEADER_KEYS[key]
    # "Postcode *", "Aantal (stuks)", "Wat (code)": the words before a bracket or star.
    head = fold(cell.split("(")[0].split("*")[0])
    return _HEADER_KEYS.get(head)


def rows_from_table(table: list[list[str]]) -> list[dict[str, str]]:
    """The recipient rows of a table of texts: the header found, the rows below it mapped to the fields,
    empty rows dropped. Raises UnreadableList without a recognisable header or with too many rows."""
    header, columns = None, {}
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        columns = {position: _header_field(cell) for position, cell in enumerate(row) if cell}
        columns = {position: field for position, field in columns.items() if field}
        if len(set(columns.values())) >= 3:
            header = index
            break
    if header is None:
        raise UnreadableList(_l("We vinden de kolomnamen niet. Gebruik de kolommen van het sjabloon (Naam, Straat "
                                "en nummer, Postcode, Gemeente, Wat, Aantal …) in één rij boven de ontvangers."))
    first = {}
    for position, field in columns.items():
        first.setdefault(field, position)  # a column named twice: the first one counts
    rows = []
    for row in table[header + 1:]:
        values = {field: (row[position] if position < len(row) else "") for field, position in first.items()}
        values = {field: values.get(field, "") for field in RECIPIENT_FIELDS}
        if any(values.values()):
            rows.append(values)
    if len(rows) > MAX_ROWS:
        raise UnreadableList(_l("Een lijst mag hoogstens %(max)s ontvangers hebben. Splits de lijst."), max=MAX_ROWS)
    if not rows:
        raise UnreadableList(_l("De lijst heeft geen ontvangers onder de kolomnamen."))
    return rows


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_table(data: bytes) -> list[list[str]]:
    text = _decode(data)
    lines = text.splitlines()
    sample = "\n".join(lines[:HEADER_SEARCH_ROWS + 5])
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    if sample.count("\t") > max(sample.count(";"), sample.count(",")):
        delimiter = "\t"
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_table(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        # Not read-only (merged cells are only known then); formulas as written (never their cached value).
        book = load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except Exception:
        raise UnreadableList(_l("Dit Excel-bestand kunnen we niet lezen. Bewaar het opnieuw als .xlsx of .csv.")) \
            from None
    sheet = book.worksheets[0]
    if sheet.max_row > MAX_ROWS + HEADER_SEARCH_ROWS + 1000:
        raise UnreadableList(_l("Een lijst mag hoogstens %(max)s ontvangers hebben. Splits de lijst."), max=MAX_ROWS)
    table = [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        value = table[merged.min_row - 1][merged.min_col - 1] if merged.min_row - 1 < len(table) else ""
        for row in range(merged.min_row - 1, min(merged.max_row, len(table))):
            for column in range(merged.min_col - 1, merged.max_col):
                if column < len(table[row]):
                    table[row][column] = value
    return table


def read_recipient_file(data: bytes, filename: str = "") -> list[dict[str, str]]:
    """The recipient rows of an uploaded XLSX or CSV file (see the module's text). Raises UnreadableList."""
    if not data:
        raise UnreadableList(_l("Kies een bestand met de ontvangers (.xlsx of .csv)."))
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableList(_l("Dit bestand is te groot (hoogstens %(mb)s MB)."), mb=MAX_FILE_BYTES // (1024 * 1024))
    if data.startswith(b"PK\x03\x04"):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise UnreadableList(_l("Dit Excel-bestand kunnen we niet lezen. Bewaar het opnieuw als .xlsx of .csv."))
        return rows_from_table(_xlsx_table(data))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableList(_l("Oude Excel-bestanden (.xls) lezen we niet. Bewaar de lijst als .xlsx of .csv."))
    if b"\x00" in data[:4096]:
        raise UnreadableList(_l("Dit bestand is geen .xlsx- of .csv-lijst."))
    return rows_from_table(_csv_table(data))


# --- the template ------------------------------------------------------------------------------------------------


def template_rows(codes: list[tuple[str, str, str]]) -> tuple[list[list[str]], list[list[str]]]:
    """(example rows, the catalogue codes as rows ``[code, name, kind]``)."""
    first = codes[0][0] if codes else "kerstpakket"
    examples = [["An Peeters", "Voorbeeld bv", "Veldstraat 1", "9000", "Gent", "België",
                 "Fijne feestdagen, An!", first, "1", ""]]
    return examples, [list(code) for code in codes]


def template_csv(codes: list[tuple[str, str, str]]) -> bytes:
    """The template as CSV (semicolon, UTF-8 with BOM so Excel reads the accents): the header and an example row;
    the catalogue's codes in two columns to the right ("Beschikbare codes"), which are not read back."""
    examples, code_rows = template_rows(codes)
    from shop.core.downloads import csv_bytes

    rows = [[*TEMPLATE_HEADER, "", "Beschikbare codes", "Naam in de winkel", "Soort"]]
    empty = [""] * len(TEMPLATE_HEADER)
    for index in range(max(len(examples), len(code_rows))):
        recipient = examples[index] if index < len(examples) else empty
        code = code_rows[index] if index < len(code_rows) else ["", "", ""]
        rows.append([*recipient, "", *code])
    return csv_bytes(rows)


def template_xlsx(codes: list[tuple[str, str, str]]) -> bytes:
    """The template as XLSX: a sheet "Ontvangers" (header and an example row) and a sheet "Codes" (what can be
    sent: code, name, package or product)."""
    from openpyxl import Workbook

    examples, code_rows = template_rows(codes)
    book = Workbook()
    sheet = book.active
    sheet.title = "Ontvangers"
    sheet.append(list(TEMPLATE_HEADER))
    for row in examples:
        sheet.append(row)
    for column, width in zip("ABCDEFGHIJ", (24, 20, 28, 10, 18, 10, 40, 28, 8, 14), strict=True):
        sheet.column_dimensions[column].width = width
    codes_sheet = book.create_sheet("Codes")
    codes_sheet.append(["Code", "Naam", "Soort"])
    for row in code_rows:
        codes_sheet.append(row)
    codes_sheet.column_dimensions["A"].width = 36
    codes_sheet.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
