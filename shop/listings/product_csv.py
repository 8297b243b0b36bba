"""A producer's supply: stock, price and availability of its products, changed at once or through a CSV file.

- ``list_supply_products``: the producer's products that are not archived (quick edit, export, dashboard);
- ``export_products_csv``: what Belgian Excel opens directly (UTF-8 with BOM, ``;``, decimal comma, CRLF);
- ``read_supply_csv`` / ``check_supply_rows``: pure functions that read a CSV as producers really make it and
  report every error by line and column;
- ``check_change`` / ``apply_supply_changes``: the rules, and the one service that applies a set of changes
  (quick edit and CSV import): everything or nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shop.catalog.models import Product, ProductStatus
from shop.catalog.services import FIELD_LABELS, missing_food_information
from shop.catalog.vat import VatCategory
from shop.core.clock import shop_today
from shop.core.downloads import csv_bytes
from shop.core.errors import DomainError
from shop.core.money import cents_to_text, format_eur, parse_cents
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import StockChanged, set_stock
from shop.listings.product_edit import hide_product, unhide_product

MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_ROWS = 5000
MAX_STOCK = 100_000
MAX_PRICE_CENTS = 1_000_000

TRUE_WORDS = frozenset({"ja", "j", "yes", "y", "beschikbaar", "1", "true", "waar", "x", "oui", "online", "zichtbaar"})
FALSE_WORDS = frozenset({
    "nee", "neen", "n", "no", "verborgen", "0", "false", "onwaar", "niet beschikbaar", "non", "offline", "verbergen",
})

# Column names accepted in an import header (lower case, trimmed) and the field each one fills.
HEADER_ALIASES = {
    "id": "id", "product id": "id", "product_id": "id", "productid": "id", "nr": "id", "nummer": "id",
    "productnummer": "id",
    "prijs": "price", "prijs (€)": "price", "prijs incl. btw": "price", "prijs (eur)": "price", "price": "price",
    "voorraad": "stock", "stock": "stock", "aantal": "stock",
    "beschikbaar": "available", "beschikbaarheid": "available", "zichtbaar": "available", "available": "available",
    # Export columns that an import ignores, so an exported file can be edited and imported as it is.
    "naam": None, "eenheid": None, "status": None, "categorie": None, "btw": None, "btw (%)": None, "name": None,
}
EXPORT_HEADER = ("id", "naam", "eenheid", "prijs", "voorraad", "beschikbaar", "status", "categorie", "btw")
FIELD_COLUMN = {"id": "id", "price": "prijs", "stock": "voorraad", "available": "beschikbaar"}

# Lower case: the words stand in a CSV column and in sentences.
STATUS_LABELS = {status: str(status.label).lower() for status in ProductStatus}


class SupplyError(DomainError):
    pass


class UnknownProduct(SupplyError):
    pass


# --- reads -----------------------------------------------------------------------------------------------------


def list_supply_products(producer_id: int) -> list[Product]:
    """The producer's products that are not archived, by name, with category and VAT category loaded."""
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.producer_id == producer_id, Product.status != ProductStatus.ARCHIVED)
            .options(
                joinedload(Product.category), joinedload(Product.vat_category).selectinload(VatCategory.rates)
            )
            .order_by(Product.name, Product.id)
        )
    )


def is_available(product: Product) -> bool:
    return product.status == ProductStatus.PUBLISHED


def can_toggle_availability(product: Product) -> bool:
    """Only published and hidden products can be switched here; drafts and products in review cannot."""
    return product.status in (ProductStatus.PUBLISHED, ProductStatus.HIDDEN)


# --- changes and their rules -----------------------------------------------------------------------------------


@dataclass
class SupplyChange:
    """What the producer wants for one product; None leaves a field as it is.

    ``expected_stock`` is the figure the producer saw: when the stock moved since (a sale), nothing is applied.
    """

    product_id: int
    stock: int | None = None
    price_cents: int | None = None
    available: bool | None = None
    expected_stock: int | None = None


@dataclass
class ProductDiff:
    product: Product
    fields: dict[str, tuple] = field(default_factory=dict)  # field -> (old, new)


def check_values(change: SupplyChange) -> dict[str, object]:
    """The violations that need no product: stock between 0 and MAX_STOCK, price between 1 cent and € 10,000."""
    errors: dict[str, object] = {}
    if change.stock is not None and change.stock < 0:
        errors["stock"] = _l("De voorraad kan niet negatief zijn.")
    elif change.stock is not None and change.stock > MAX_STOCK:
        errors["stock"] = _l("De voorraad kan hoogstens %(max)s zijn.", max=MAX_STOCK)
    if change.price_cents is not None and not 0 < change.price_cents <= MAX_PRICE_CENTS:
        errors["price"] = _l("De prijs moet tussen € 0,01 en € 10.000 liggen.")
    return errors


def check_change(product: Product, change: SupplyChange) -> dict[str, object]:
    """The rule violations of one change, by field ("stock", "price", "available"); empty when it is allowed."""
    errors = check_values(change)
    if change.available and product.status != ProductStatus.PUBLISHED and not can_toggle_availability(product):
        errors["available"] = _l(
            "Dit product heeft status '%(status)s' en kan hier niet gepubliceerd worden.",
            status=STATUS_LABELS.get(product.status, product.status),
        )
    elif change.available and product.status == ProductStatus.HIDDEN and missing_food_information(product):
        errors["available"] = _l(
            "Vul eerst de verplichte voedingsinformatie aan (%(fields)s) voor je het product weer te koop zet.",
            fields=", ".join(str(FIELD_LABELS[name]) for name in missing_food_information(product)),
        )
    return errors


def diff_changes(products: Mapping[int, Product], changes: Iterable[SupplyChange]) -> list[ProductDiff]:
    """What would change (old, new) per product, leaving out products whose values stay the same."""
    diffs = []
    for change in changes:
        product = products[change.product_id]
        diff = ProductDiff(product)
        if change.stock is not None and change.stock != product.stock:
            diff.fields["stock"] = (product.stock, change.stock)
        if change.price_cents is not None and change.price_cents != product.price_cents:
            diff.fields["price"] = (product.price_cents, change.price_cents)
        if change.available is not None and change.available != is_available(product):
            if can_toggle_availability(product):
                diff.fields["available"] = (is_available(product), change.available)
        if diff.fields:
            diffs.append(diff)
    return diffs


def apply_supply_changes(producer_id: int, changes: Sequence[SupplyChange], *, by, reason: MovementReason) -> list[ProductDiff]:
    """Apply stock, price and availability changes to the producer's own products, all or nothing.

    Stock goes through ``set_stock`` (one movement with ``reason`` each); prices change for new orders only
    (orders keep their snapshots); availability switches published <-> hidden. Raises UnknownProduct for an id
    that is not the producer's (or archived), SupplyError for a broken rule, StockChanged when a stock figure
    moved since the producer saw it. Never commits: the caller rolls back on any error.
    """
    ids = [change.product_id for change in changes]
    if len(set(ids)) != len(ids):
        raise SupplyError(_l("Een product staat meer dan eens in de wijzigingen."))
    products = {
        product.id: product
        for product in db.session.scalars(
            select(Product).where(
                Product.id.in_(ids), Product.producer_id == producer_id, Product.status != ProductStatus.ARCHIVED
            )
        )
    } if ids else {}
    for change in changes:
        product = products.get(change.product_id)
        if product is None:
            raise UnknownProduct(_l("Onbekend product: %(id)s."), id=change.product_id)
        errors = check_change(product, change)
        if errors:
            raise SupplyError(_l("%(name)s: %(error)s"), name=product.name, error=next(iter(errors.values())))
        if change.expected_stock is not None and change.stock is not None and product.stock != change.expected_stock:
            raise StockChanged(
                _l("De voorraad van %(name)s is intussen gewijzigd (nu %(stock)s); bekijk het nieuwe cijfer en "
                   "probeer opnieuw."), name=product.name, stock=product.stock,
            )
    diffs = diff_changes(products, sorted(changes, key=lambda c: c.product_id))
    for diff in diffs:
        product = diff.product
        if "stock" in diff.fields:
            set_stock(product, diff.fields["stock"][1], reason, by=by)
        if "price" in diff.fields:
            product.price_cents = diff.fields["price"][1]
        if "available" in diff.fields:
            # The product module's services: one place for the publishing rules (food information complete).
            (unhide_product if diff.fields["available"][1] else hide_product)(product, by=by)
    db.session.flush()
    return diffs


# --- CSV export ------------------------------------------------------------------------------------------------


def export_products_csv(products: Iterable[Product], locale: str = "nl") -> bytes:
    """The products as Belgian Excel opens them: UTF-8 with BOM, semicolons, decimal comma, CRLF; a name that
    starts like a formula is written as text (``csv_bytes``)."""
    today = shop_today()
    rows: list[Sequence[object]] = [EXPORT_HEADER]
    for product in products:
        rows.append([
            product.id,
            product.name,
            product.unit,
            cents_to_text(product.price_cents),
            product.stock,
            "ja" if is_available(product) else "nee",
            str(STATUS_LABELS.get(product.status, product.status)),
            product.category.t("name", locale) if product.category else "",
            _vat_rate(product, today),
        ])
    return csv_bytes(rows)


def _vat_rate(product: Product, today) -> str:
    try:
        return str(product.vat_category.rate_on(today))
    except (LookupError, AttributeError):
        return ""


# --- CSV import: reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvError:
    line: int | None
    column: str | None
    message: object

    def __str__(self) -> str:
        if self.line is not None and self.column:
            return str(_l("Regel %(line)s, kolom %(column)s: %(message)s", line=self.line, column=self.column,
                          message=self.message))
        if self.line is not None:
            return str(_l("Regel %(line)s: %(message)s", line=self.line, message=self.message))
        return str(self.message)


@dataclass
class CsvRow:
    line: int
    values: dict[str, str]  # field ("id", "price", "stock", "available") -> raw text


@dataclass
class ParsedCsv:
    fields: list[str] = field(default_factory=list)
    rows: list[CsvRow] = field(default_factory=list)
    errors: list[CsvError] = field(default_factory=list)
    delimiter: str = ";"
    encoding: str = "utf-8"


_BINARY_MAGIC = (
    b"\x89PNG", b"PK\x03\x04", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\xd0\xcf\x11\xe0", b"RIFF", b"\x1f\x8b", b"BM",
)


def _decode(data: bytes) -> tuple[str, str] | None:
    """Text and encoding of a CSV file, or None when it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    if controls:
        return None
    return text, encoding


def _sniff_delimiter(header_line: str) -> str:
    """Semicolon (Belgian Excel), comma or tab: the one the header line uses most, semicolon on a tie."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts.values())
    if best == 0:
        return ";"
    return next(d for d in (";", "\t", ",") if counts[d] == best)


def read_supply_csv(data: bytes, *, max_bytes: int = MAX_CSV_BYTES, max_rows: int = MAX_CSV_ROWS) -> ParsedCsv:
    """Read an import file into raw rows (pure; no database). Errors name the line and the column.

    Accepts semicolon, comma or tab separated files, UTF-8 with or without BOM, UTF-16 and Windows-1252,
    CRLF or LF, quoted fields, extra whitespace and trailing empty lines.
    """
    parsed = ParsedCsv()
    if len(data) > max_bytes:
        parsed.errors.append(CsvError(None, None, _l(
            "Het bestand is te groot (%(size)s kB); het mag hoogstens %(max)s kB zijn.",
            size=(len(data) + 1023) // 1024, max=max_bytes // 1024)))
        return parsed
    if not data.strip():
        parsed.errors.append(CsvError(None, None, _l("Het bestand is leeg.")))
        return parsed
    decoded = _decode(data)
    if decoded is None:
        parsed.errors.append(CsvError(None, None, _l(
            "Dit is geen CSV-bestand. Bewaar je lijst in Excel als 'CSV (gescheiden door lijstscheidingsteken)' "
            "en probeer opnieuw.")))
        return parsed
    text, parsed.encoding = decoded
    text = text.lstrip("\ufeff")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    skip_lines = 0
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        # Excel's own hint line ("sep=;") names the delimiter; the header follows it.
        parsed.delimiter = first_line.strip()[4]
        skip_lines = 1
    else:
        parsed.delimiter = _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter, skipinitialspace=True)
    try:
        header = None
        header_line = 0
        for raw in reader:
            cells = [cell.strip() for cell in raw]
            if not any(cells):
                continue
            if skip_lines:
                skip_lines -= 1
                continue
            if header is None:
                header, header_line = cells, reader.line_num
                if not _read_header(header, header_line, parsed):
                    return parsed
                continue
            if len(parsed.rows) >= max_rows:
                parsed.errors.append(CsvError(None, None, _l(
                    "Het bestand heeft te veel regels; het mag hoogstens %(max)s producten bevatten.", max=max_rows)))
                return parsed
            line = reader.line_num
            while cells and not cells[-1] and len(cells) > len(header):
                cells.pop()
            if len(cells) > len(header):
                parsed.errors.append(CsvError(line, None, _l(
                    "%(found)s velden, maar de kopregel heeft er %(expected)s. Staat er een scheidingsteken te veel "
                    "(zet een prijs als \"4,50\" tussen aanhalingstekens)?", found=len(cells), expected=len(header))))
                continue
            cells += [""] * (len(header) - len(cells))
            values = {name: cells[i] for i, name in enumerate(parsed.fields) if name}
            parsed.rows.append(CsvRow(line, values))
    except csv.Error as error:
        parsed.errors.append(CsvError(reader.line_num, None, _l("Dit is geen geldige CSV-regel (%(error)s).",
                                                                error=str(error))))
        return parsed
    if header is None:
        parsed.errors.append(CsvError(None, None, _l("Het bestand is leeg.")))
    elif not parsed.rows and not parsed.errors:
        parsed.errors.append(CsvError(None, None, _l("Het bestand bevat geen producten, alleen een kopregel.")))
    return parsed


def _read_header(header: list[str], line: int, parsed: ParsedCsv) -> bool:
    fields: list[str] = []
    ok = True
    for name in header:
        key = " ".join(name.lower().split())
        if key not in HEADER_ALIASES:
            if not key:
                fields.append("")
                continue
            parsed.errors.append(CsvError(line, name, _l(
                "onbekende kolom. Gebruik de kolommen %(columns)s.", columns="id, prijs, voorraad, beschikbaar")))
            ok = False
            fields.append("")
            continue
        target = HEADER_ALIASES[key] or ""
        if target and target in fields:
            parsed.errors.append(CsvError(line, name, _l("deze kolom staat er twee keer.")))
            ok = False
        fields.append(target)
    if ok and "id" not in fields:
        parsed.errors.append(CsvError(line, "id", _l(
            "de kolom id ontbreekt in de kopregel. Begin van een export: die heeft de juiste kolommen.")))
        ok = False
    if ok and not {"price", "stock", "available"} & set(fields):
        parsed.errors.append(CsvError(line, None, _l(
            "de kopregel heeft geen kolom prijs, voorraad of beschikbaar; er valt niets te importeren.")))
        ok = False
    parsed.fields = fields
    return ok


# --- CSV import: checking against the producer's products --------------------------------------------------------


def _parse_stock(text: str) -> int:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith((",0", ".0")):
        cleaned = cleaned[:-2]
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned[1:] if cleaned[:1] in "+-" else cleaned
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(text)
    return sign * int(digits)


def _parse_available(text: str) -> bool:
    word = " ".join(text.lower().split())
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(text)


def check_supply_rows(parsed: ParsedCsv, products: Mapping[int, Product]) -> tuple[list[SupplyChange], list[CsvError]]:
    """Turn the rows into changes for ``products`` (the producer's own, by id), checking every cell.

    Pure: ``products`` is the producer's catalogue, so another producer's id is simply "onbekend product".
    An empty cell leaves that field as it is.
    """
    errors = list(parsed.errors)
    changes: list[SupplyChange] = []
    seen: dict[int, int] = {}
    for row in parsed.rows:
        row_errors: list[CsvError] = []
        raw_id = row.values.get("id", "")
        product = None
        product_id = None
        if not raw_id:
            row_errors.append(CsvError(row.line, "id", _l("het productnummer ontbreekt.")))
        elif not raw_id.isdigit() or not raw_id.isascii() or len(raw_id) > 12:
            row_errors.append(CsvError(row.line, "id", _l("'%(value)s' is geen productnummer.", value=raw_id)))
        else:
            product_id = int(raw_id)
            product = products.get(product_id)
            if product is None:
                row_errors.append(CsvError(row.line, "id", _l("onbekend product (%(value)s).", value=raw_id)))
            elif product_id in seen:
                row_errors.append(CsvError(row.line, "id", _l(
                    "product %(value)s staat al op regel %(other)s.", value=raw_id, other=seen[product_id])))
            else:
                seen[product_id] = row.line

        def cell(key: str, column: str, parse, message):
            """The value of an optional cell: None when it is empty; one that does not parse is a row error."""
            raw = row.values.get(key)
            if not raw:
                return None
            try:
                return parse(raw)
            except ValueError:  # parse_cents raises MoneyParseError, a ValueError
                row_errors.append(CsvError(row.line, column, message(raw)))
                return None

        change = SupplyChange(
            product_id or 0,
            price_cents=cell("price", "prijs", parse_cents, lambda raw: _l("'%(value)s' is geen bedrag.", value=raw)),
            stock=cell("stock", "voorraad", _parse_stock,
                       lambda raw: _l("'%(value)s' is geen geheel getal.", value=raw)),
            available=cell("available", "beschikbaar", _parse_available,
                           lambda raw: _l("'%(value)s' is geen geldige waarde; gebruik ja of nee.", value=raw)),
        )
        checked = check_change(product, change) if product is not None else check_values(change)
        for name, message in checked.items():
            row_errors.append(CsvError(row.line, FIELD_COLUMN[name], message))
        if row_errors:
            errors.extend(row_errors)
        elif change.stock is not None or change.price_cents is not None or change.available is not None:
            changes.append(change)
    return changes, errors


def describe_value(name: str, value) -> str:
    """A changed value as the portal shows it."""
    if name == "price":
        return format_eur(value)
    if name == "available":
        return str(_l("beschikbaar")) if value else str(_l("verborgen"))
    return str(value)


# --- dashboard -------------------------------------------------------------------------------------------------

LOW_STOCK = 5


@dataclass
class SupplyOverview:
    low_stock: list[Product]  # published, 1..LOW_STOCK left
    out_of_stock: list[Product]  # published, none left: customers cannot buy it
    in_review: list[Product]  # waiting for staff


def is_low_stock(product: Product) -> bool:
    return 0 < product.stock <= LOW_STOCK


def summarise_supply(products: Iterable[Product]) -> SupplyOverview:
    """The warnings of the dashboard, from the products already loaded (no queries)."""
    products = list(products)
    published = [p for p in products if p.status == ProductStatus.PUBLISHED]
    return SupplyOverview(
        low_stock=[p for p in published if is_low_stock(p)],
        out_of_stock=[p for p in published if p.stock == 0],
        in_review=[p for p in products if p.status == ProductStatus.PENDING_REVIEW],
    )
