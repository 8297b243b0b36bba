"""A bank statement (CSV or CODA) matched by structured reference: what each line would do, booking the
matched lines at once, and the same statement again booking nothing twice; a file that cannot be read changes
nothing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.invoicing.models import Invoice
from shop.orders.models import OrderStatus
from shop.payments.bank_statements import (
    LineStatus,
    StatementUnreadable,
    apply_statement,
    match_statement,
    read_statement,
)
from shop.payments.models import BankTransfer
from shop.payments.transfers import accept_quote
from tests.factories import make_quote_order, make_staff

BRUSSELS = ZoneInfo("Europe/Brussels")


def _accepted_order():
    order = make_quote_order()
    accept_quote(order, now=datetime(2026, 12, 9, 15, 0, tzinfo=BRUSSELS))
    db.session.commit()
    return order


def _csv(*rows: str) -> bytes:
    lines = ["Rekeninguittreksel BE71 0961 2345 6769;;;;", "Datum;Bedrag;Naam tegenpartij;Mededeling;Transactie-id",
             *rows, ";;;;", ""]
    return "\r\n".join(lines).encode("cp1252")


def _digits(reference: str) -> str:
    return "".join(c for c in reference if c.isdigit())


def _coda_movement(sequence: int, amount_cents: int, reference: str, name: str, *, sign: str = "0") -> str:
    """Records 2.1 and 2.3 of one movement, each 128 characters (structured communication type 101)."""
    r21 = ("21" + f"{sequence:04d}" + "0000" + "BANKREF" + f"{sequence:014d}" + sign + f"{amount_cents * 10:015d}"
           + "101226" + "00150000" + "1" + "101" + _digits(reference) + " " * 38 + "101226" + "001" + "0" + "1" + "0")
    r21 = r21.ljust(128)
    r23 = ("23" + f"{sequence:04d}" + "0000" + "BE68539007547034".ljust(37) + name.ljust(35)).ljust(128)
    return r21 + "\n" + r23


def _coda(*movements: str) -> bytes:
    header = "0000010122672500        00000000DEMO BANK                 GKCCBEBB   00207725104 00000                                       2"
    return ("\n".join([header.ljust(128)[:128], *movements, "9".ljust(128)]) + "\n").encode("ascii")


def test_a_csv_statement_shows_matched_unmatched_mismatched_and_outgoing_lines(db):
    paid, short = _accepted_order(), _accepted_order()
    statement = _csv(
        f"10/12/2026;600,00;Brouwerij Het Anker;{paid.transfer_reference};T-1",
        f"10/12/2026;590,00;Brouwerij Het Anker;{short.transfer_reference};T-2",
        "10/12/2026;25,00;Jan Peeters;factuur 12;T-3",
        "11/12/2026;-42,10;Proximus;+++090/9337/55493+++;T-4",
    )

    results = match_statement(read_statement(statement))

    assert [(r.status, r.order_number) for r in results] == [
        (LineStatus.MATCHED, paid.number), (LineStatus.AMOUNT_MISMATCH, short.number),
        (LineStatus.UNMATCHED, ""), (LineStatus.OUTGOING, "")]
    assert results[0].line.booked_on == date(2026, 12, 10)
    assert results[0].line.amount_cents == 60000
    assert results[0].line.counterparty == "Brouwerij Het Anker"


def test_applying_a_statement_pays_the_matched_orders_and_the_same_statement_again_pays_nothing(db):
    paid, short = _accepted_order(), _accepted_order()
    statement = _csv(f"10/12/2026;600,00;Brouwerij Het Anker;{paid.transfer_reference};T-1",
                     f"10/12/2026;590,00;Brouwerij Het Anker;{short.transfer_reference};T-2")
    staff = make_staff()

    first = apply_statement(read_statement(statement), by=staff)
    db.session.commit()
    again = apply_statement(read_statement(statement), by=staff)
    db.session.commit()

    assert (first, again) == ([paid.number], [])
    db.session.expire_all()
    assert (paid.status, short.status) == (OrderStatus.PAID, OrderStatus.PENDING_PAYMENT)
    assert len(db.session.scalars(select(Invoice)).all()) == 1
    assert [t.line_key[:4] for t in db.session.scalars(select(BankTransfer))] == ["csv:"]
    assert [r.status for r in match_statement(read_statement(statement))] == [LineStatus.ALREADY,
                                                                              LineStatus.AMOUNT_MISMATCH]


def test_a_second_transfer_for_a_paid_order_is_not_booked(db):
    order = _accepted_order()
    statement = _csv(f"10/12/2026;600,00;Brouwerij Het Anker;{order.transfer_reference};T-1",
                     f"12/12/2026;600,00;Brouwerij Het Anker;{order.transfer_reference};T-9")

    results = match_statement(read_statement(statement))
    paid = apply_statement(read_statement(statement), by=make_staff())

    assert [r.status for r in results] == [LineStatus.MATCHED, LineStatus.ALREADY]
    assert paid == [order.number]
    assert len(db.session.scalars(select(BankTransfer)).all()) == 1


def test_a_reference_is_found_as_typed_in_a_free_communication(db):
    order = _accepted_order()
    typed = _digits(order.transfer_reference)
    statement = _csv(f"10/12/2026;600,00;Anker;betaling {typed[:3]}/{typed[3:7]}/{typed[7:]} dank u;T-1")

    [result] = match_statement(read_statement(statement))

    assert (result.status, result.order_number) == (LineStatus.MATCHED, order.number)


def test_a_coda_statement_is_matched_by_its_structured_communication(db):
    order = _accepted_order()
    statement = _coda(_coda_movement(1, 60000, order.transfer_reference, "BROUWERIJ HET ANKER"),
                      _coda_movement(2, 1500, "+++090/9337/55493+++", "PROXIMUS", sign="1"))

    results = match_statement(read_statement(statement))
    paid = apply_statement(read_statement(statement), by=make_staff())
    db.session.commit()
    again = apply_statement(read_statement(statement), by=make_staff())

    assert [(r.status, r.line.amount_cents, r.line.counterparty) for r in results] == [
        (LineStatus.MATCHED, 60000, "BROUWERIJ HET ANKER"), (LineStatus.OUTGOING, -1500, "PROXIMUS")]
    assert results[0].line.booked_on == date(2026, 12, 10)
    assert (paid, again) == ([order.number], [])


@pytest.mark.parametrize("data, message", [
    (b"", "Het bestand is leeg."),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "Dit is geen tekstbestand"),
    (b"Naam;Adres\nJan;Gent\n", "Geen kolommen Datum, Bedrag en Mededeling gevonden"),
    (b"Datum;Bedrag;Mededeling\n10/12/2026;zeshonderd;x\n", "Regel 2: geen geldige datum of geen geldig bedrag."),
    (b"Datum;Bedrag;Mededeling\n31/13/2026;600,00;x\n", "Regel 2: geen geldige datum of geen geldig bedrag."),
    (b"0000010122672500\n21000100\n", "Regel 1 van het CODA-bestand is geen record van 128 tekens."),
], ids=["empty", "binary", "no columns", "bad amount", "bad date", "short CODA record"])
def test_a_statement_that_cannot_be_read_says_why_and_books_nothing(db, data, message):
    order = _accepted_order()

    with pytest.raises(StatementUnreadable) as unreadable:
        apply_statement(read_statement(data), by=make_staff())

    assert message in str(unreadable.value)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalars(select(BankTransfer)).all() == []
