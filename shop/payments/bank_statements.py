"""A bank statement read for transfers that pay orders: a CSV export of the bank account or a CODA file
(the Belgian banks' coded statement: movement records 2.1 with the structured communication, 2.3 with the
counterparty's name).

Each incoming movement is matched to the order whose structured reference it carries and shown as one of
MATCHED (pays the order), AMOUNT_MISMATCH, UNMATCHED (no valid reference, or nobody's), ALREADY (this line was
booked before, or the order is paid), REFUSED (e.g. the order was cancelled) or OUTGOING (money that left the
account). ``apply_statement`` books every matched line at once, in the caller's transaction (all or nothing);
each line is booked under a key made from the line itself, so importing the same statement again books nothing
twice. A file that cannot be read raises StatementUnreadable and changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.core.errors import DomainError
from shop.core.money import MoneyParseError, parse_cents
from shop.core.structured_reference import parse_structured_reference, structured_reference
from shop.extensions import db
from shop.payments.models import BankTransfer
from shop.payments.transfers import (
    AmountMismatch,
    TransferRefused,
    book_transfer,
    check_transfer,
    find_order_by_reference,
)

MAX_STATEMENT_BYTES = 2_000_000
MAX_LINES = 5000
# A structured reference inside a free text: +++123/4567/89012+++, ***...***, or twelve digits on their own.
_IN_TEXT = re.compile(r"(?:\+\+\+|\*\*\*)\s*\d{3}\s*/?\s*\d{4}\s*/?\s*\d{5}\s*(?:\+\+\+|\*\*\*)|(?<!\d)\d{3}/?\d{4}/?\d{5}(?!\d)")

COLUMNS = {
    "date": ("datum", "boekingsdatum", "uitvoeringsdatum", "valutadatum", "date", "booking date"),
    "amount": ("bedrag", "amount", "montant"),
    "communication": ("mededeling", "mededelingen", "gestructureerde mededeling", "communicatie", "communication",
                      "omschrijving", "description"),
    "counterparty": ("naam tegenpartij", "tegenpartij", "naam van de tegenpartij", "counterparty", "name", "naam"),
    "transaction": ("transactie-id", "transactienummer", "referentie", "transaction id", "reference", "volgnummer"),
}


class StatementUnreadable(DomainError):
    pass


class LineStatus(StrEnum):
    MATCHED = "matched"
    AMOUNT_MISMATCH = "amount_mismatch"
    UNMATCHED = "unmatched"
    ALREADY = "already"
    REFUSED = "refused"
    OUTGOING = "outgoing"

    @property
    def label(self) -> str:
        return str(LINE_STATUS_WORDS[self])


LINE_STATUS_WORDS = {
    LineStatus.MATCHED: _l("Klaar om te boeken"),
    LineStatus.AMOUNT_MISMATCH: _l("Bedrag wijkt af"),
    LineStatus.UNMATCHED: _l("Geen bestelling gevonden"),
    LineStatus.ALREADY: _l("Al geboekt"),
    LineStatus.REFUSED: _l("Niet te boeken"),
    LineStatus.OUTGOING: _l("Uitgaand (genegeerd)"),
}


@dataclass(frozen=True)
class StatementLine:
    """One movement as read from the file: amount in cents (negative: money out), the structured reference
    found in its communication (canonical, or "" when there is none), and its key."""

    number: int  # line in the file (CSV) or movement (CODA), from 1
    booked_on: date | None
    amount_cents: int
    reference: str
    communication: str
    counterparty: str
    line_key: str


@dataclass(frozen=True)
class MatchedLine:
    line: StatementLine
    status: LineStatus
    order_id: int | None
    order_number: str
    message: str


# --- reading ---------------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementUnreadable(_l("Het bestand is te groot (hoogstens 2 MB)."))
    if b"\x00" in data:
        raise StatementUnreadable(_l("Dit is geen tekstbestand: kies een CSV- of CODA-bestand van de bank."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def find_reference(text: str) -> str:
    """The first valid structured reference in ``text`` (canonical), or ""."""
    for match in _IN_TEXT.finditer(text or ""):
        number = parse_structured_reference(match.group(0))
        if number is not None:
            return structured_reference(number)
    return ""


def _key(prefix: str, *parts: str) -> str:
    return f"{prefix}:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _parse_amount(text: str) -> int | None:
    text = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "").replace("EUR", "")
    negative = text.startswith("-")
    text = text.lstrip("+-")
    if "," in text and "." in text:  # 1.234,56 (Belgian) or 1,234.56
        text = text.replace(".", "") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    if re.fullmatch(r"\d+\.\d{1,2}", text):
        text = text.replace(".", ",")
    try:
        cents = parse_cents(text)
    except MoneyParseError:
        return None
    return -cents if negative else cents


def read_csv_statement(text: str) -> list[StatementLine]:
    """The movements of a CSV export: the first row naming a date, an amount and a communication column is the
    header (title rows above it are skipped), separated by semicolons or commas."""
    rows = [row for row in csv.reader(io.StringIO(text), dialect=_dialect(text))]
    header_at, columns = None, {}
    for index, row in enumerate(rows[:20]):
        names = [cell.strip().lower() for cell in row]
        found = {field: names.index(name) for field, options in COLUMNS.items() for name in options if name in names}
        if {"date", "amount", "communication"} <= found.keys():
            header_at, columns = index, found
            break
    if header_at is None:
        raise StatementUnreadable(_l("Geen kolommen Datum, Bedrag en Mededeling gevonden: is dit een CSV-afschrift "
                                     "van de bank?"))
    lines, seen = [], {}
    for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(lines) >= MAX_LINES:
            raise StatementUnreadable(_l("Het afschrift heeft meer dan %(max)s regels."), max=MAX_LINES)

        def cell(field: str, row=row) -> str:
            index = columns.get(field)
            return row[index].strip() if index is not None and index < len(row) else ""

        amount = _parse_amount(cell("amount"))
        booked_on = _parse_date(cell("date"))
        if amount is None or booked_on is None:
            raise StatementUnreadable(_l("Regel %(line)s: geen geldige datum of geen geldig bedrag."), line=number)
        communication = cell("communication")
        identity = cell("transaction") or "\x1f".join(cell.strip() for cell in row)
        seen[identity] = seen.get(identity, 0) + 1  # the same row twice in one file: two transfers
        lines.append(StatementLine(len(lines) + 1, booked_on, amount, find_reference(communication), communication,
                                   cell("counterparty"), _key("csv", identity, str(seen[identity]))))
    return lines


def _dialect(text: str):
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _coda_date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d%m%y").date()
    except ValueError:
        return None


def read_coda_statement(text: str) -> list[StatementLine]:
    """The movements of a CODA file: records 2.1 (amount, sign, date, communication; a structured one is type
    101 with its twelve digits) with the counterparty's name from the 2.3 that follows."""
    lines: list[StatementLine] = []
    current: dict | None = None

    def close() -> None:
        if current is not None:
            lines.append(StatementLine(len(lines) + 1, current["date"], current["amount"], current["reference"],
                                       current["communication"], current["counterparty"], current["key"]))

    for number, raw in enumerate(text.splitlines(), start=1):
        record = raw.rstrip("\r\n")
        if not record.strip():
            continue
        if len(record) < 128 and record[:1] in "0128":
            raise StatementUnreadable(_l("Regel %(line)s van het CODA-bestand is geen record van 128 tekens."),
                                      line=number)
        if record.startswith("21"):
            close()
            sign, digits = record[31], record[32:47]
            booked_on = _coda_date(record[115:121]) or _coda_date(record[47:53])
            if sign not in "01" or not digits.isdigit() or booked_on is None:
                raise StatementUnreadable(_l("Regel %(line)s van het CODA-bestand heeft geen geldig bedrag of geen "
                                             "geldige datum."), line=number)
            amount = int(digits) // 10  # three decimals
            structured = record[61] == "1" and record[62:65] == "101"
            communication = record[65:77] if structured else record[62:115].strip()
            current = {"date": booked_on, "amount": -amount if sign == "1" else amount,
                       "reference": find_reference(communication), "communication": communication.strip(),
                       "counterparty": "", "key": _key("coda", record)}
            if len(lines) >= MAX_LINES:
                raise StatementUnreadable(_l("Het afschrift heeft meer dan %(max)s regels."), max=MAX_LINES)
        elif record.startswith("23") and current is not None:
            current["counterparty"] = record[47:82].strip()
    close()
    if not lines and not text.startswith("0"):
        raise StatementUnreadable(_l("Dit CODA-bestand bevat geen bewegingen."))
    return lines


def read_statement(data: bytes) -> list[StatementLine]:
    """The movements of an uploaded statement, CODA (its first record starts with "0000") or CSV. Raises
    StatementUnreadable naming what is wrong."""
    text = _decode(data)
    if not text.strip():
        raise StatementUnreadable(_l("Het bestand is leeg."))
    if text.lstrip("\ufeff").startswith("0000"):
        return read_coda_statement(text)
    return read_csv_statement(text)


# --- matching and booking ---------------------------------------------------------------------------------------


def match_statement(lines: list[StatementLine]) -> list[MatchedLine]:
    """What each line would do (nothing is changed)."""
    booked = set(db.session.scalars(select(BankTransfer.line_key).where(
        BankTransfer.line_key.in_([line.line_key for line in lines]))))
    matched: list[MatchedLine] = []
    claimed: set[int] = set()  # an order paid by an earlier line of this statement
    for line in lines:
        if line.amount_cents <= 0:
            matched.append(MatchedLine(line, LineStatus.OUTGOING, None, "", ""))
            continue
        order = find_order_by_reference(line.reference) if line.reference else None
        if order is None:
            message = (_l("Geen bestelling met deze gestructureerde mededeling.") if line.reference
                       else _l("Geen geldige gestructureerde mededeling."))
            matched.append(MatchedLine(line, LineStatus.UNMATCHED, None, "", str(message)))
            continue
        if line.line_key in booked:
            matched.append(MatchedLine(line, LineStatus.ALREADY, order.id, order.number,
                                       str(_l("Deze regel werd al eerder geboekt."))))
            continue
        try:
            action = check_transfer(order, line.amount_cents)
        except AmountMismatch as error:
            matched.append(MatchedLine(line, LineStatus.AMOUNT_MISMATCH, order.id, order.number, str(error)))
            continue
        except TransferRefused as error:
            matched.append(MatchedLine(line, LineStatus.REFUSED, order.id, order.number, str(error)))
            continue
        if action == "already" or order.id in claimed:
            matched.append(MatchedLine(line, LineStatus.ALREADY, order.id, order.number,
                                       str(_l("Deze bestelling is al betaald."))))
            continue
        claimed.add(order.id)
        matched.append(MatchedLine(line, LineStatus.MATCHED, order.id, order.number, ""))
    return matched


def apply_statement(lines: list[StatementLine], *, by) -> list[str]:
    """Book every matched line of the statement, in the caller's transaction (the caller commits, or rolls back
    everything when this raises). Returns the numbers of the orders paid now."""
    paid = []
    for result in match_statement(lines):
        if result.status != LineStatus.MATCHED:
            continue
        order = find_order_by_reference(result.line.reference)
        booking = book_transfer(order, result.line.amount_cents, line_key=result.line.line_key, source="statement",
                                by=by, booked_on=result.line.booked_on, counterparty=result.line.counterparty)
        if booking.action == "paid":
            paid.append(order.number)
    return paid
