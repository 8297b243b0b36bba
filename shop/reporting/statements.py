"""A producer's statement per period: what was sold of its products and what the shop owes it.

The statement of a period is the invoices issued in it minus the credit notes issued in it (shop time, both
days inclusive), like the VAT report: a past period's statement does not change when an order is credited
later; the credit shows on the statement of the period it was issued in.

Invoiced: every order whose invoice was issued in the period. Loose lines count at their snapshot total (unit
price x quantity); package components at their share of the package price (``share_cents``, the list-price
share) x the number of packages. A shortage that staff resolved by a substitution is attributed: the missing
units leave the statement of the producer that could not deliver them and the substitute joins its own
producer's statement. Credited: every credit note issued in the period, taken off the producers by the one rule
of shop.reporting.credit_shares (a refunded shortage from the producer that could not deliver, a full credit
from every producer of the order, any other credit in proportion to what each still has at each VAT rate).
Amounts are VAT-inclusive as sold; base and VAT are given per rate. No commission is defined: any commission
is settled separately.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, union

from shop.catalog.models import Product
from shop.core.clock import SHOP_TIMEZONE, as_utc
from shop.core.money import vat_lines
from shop.extensions import db
from shop.invoicing.models import CreditNote, Invoice
from shop.orders.models import OrderLine, OrderLineComponent
from shop.reporting.credit_shares import SHOP, Credit, Holdings, Shortage, take_credit
from shop.supply.models import ShortageReport, ShortageStatus


@dataclass
class StatementLine:
    product_id: int
    name: str
    vat_rate: int
    units: int = 0
    amount_cents: int = 0


@dataclass
class Statement:
    producer_id: int
    start: date
    end: date
    lines: list[StatementLine] = field(default_factory=list)
    vat_lines: list[dict[str, int]] = field(default_factory=list)
    total_cents: int = 0
    order_count: int = 0  # orders invoiced in the period, not credited in full by its end
    credit_notes: list[str] = field(default_factory=list)  # numbers of the credit notes taken off this statement

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in shop time, as aware UTC datetimes (SQLite compares the stored
    UTC text, so the bounds must be UTC too)."""
    return (datetime.combine(start, time(0), tzinfo=SHOP_TIMEZONE).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=SHOP_TIMEZONE).astimezone(UTC))


def last_month(today: date) -> tuple[date, date]:
    first_this_month = today.replace(day=1)
    last_day = first_this_month - timedelta(days=1)
    return last_day.replace(day=1), last_day


def month_periods(today: date, count: int = 12) -> list[tuple[date, date]]:
    """The last ``count`` whole months before this one, plus this month so far, newest first."""
    periods = []
    first = today.replace(day=1)
    periods.append((first, today))
    for _ in range(count):
        end = first - timedelta(days=1)
        first = end.replace(day=1)
        periods.append((first, end))
    return periods


def build_statement(producer_id: int, start: date, end: date) -> Statement:
    """The statement of ``producer_id`` for the days ``start``..``end`` (collect_statements' queries)."""
    return collect_statements(start, end, producer_id=producer_id).get(producer_id) or Statement(producer_id, start, end)


@dataclass
class _Order:
    """One order as the statements see it: its holdings (shop.reporting.credit_shares), its invoice's total and
    whether its invoice was issued in the period."""

    holdings: Holdings = field(default_factory=dict)
    invoice_total_cents: int = 0
    invoiced_in_period: bool = False


def collect_statements(start: date, end: date, *, producer_id: int | None = None) -> dict[int, Statement]:
    """The statements of every producer with sales or credits in ``start``..``end`` (or of one producer), by
    producer id: the invoices issued in the period minus the credit notes issued in it.

    Five queries whatever the number of producers and orders (the orders concerned are named by one subquery):
    their invoices, their credit notes issued before the period ends (the earlier ones decide what is left to
    take), their loose lines, their package components and their resolved shortages.
    """
    since, until = period_bounds(start, end)
    concerned = union(
        select(Invoice.order_id).where(Invoice.issued_at >= since, Invoice.issued_at < until),
        select(CreditNote.order_id).where(CreditNote.issued_at >= since, CreditNote.issued_at < until),
    ).scalar_subquery()

    orders: dict[int, _Order] = defaultdict(_Order)
    for order_id, issued_at, lines, total in db.session.execute(
        select(Invoice.order_id, Invoice.issued_at, Invoice.lines, Invoice.total_cents)
        .where(Invoice.order_id.in_(concerned))
    ):
        order = orders[order_id]
        order.invoice_total_cents = total
        order.invoiced_in_period = since <= as_utc(issued_at) < until
        for line in lines or []:
            if line.get("kind") == "delivery":  # the fee is the shop's
                for part in line.get("vat_split", []):
                    _add(order.holdings, (SHOP, 0, part["rate"]), 0, part["gross_cents"])
    notes = db.session.execute(
        select(CreditNote.order_id, CreditNote.refund_id, CreditNote.number, CreditNote.issued_at,
               CreditNote.vat_lines, CreditNote.total_cents)
        .where(CreditNote.order_id.in_(concerned), CreditNote.issued_at < until)
        .order_by(CreditNote.order_id, CreditNote.issued_at, CreditNote.id)
    ).all()

    names: dict[int, str] = {}
    for owner, product_id, name, rate, quantity, total, order_id in db.session.execute(
        select(Product.producer_id, OrderLine.product_id, OrderLine.name, OrderLine.vat_rate, OrderLine.quantity,
               OrderLine.total_cents, OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id.in_(concerned))
        .order_by(OrderLine.order_id, OrderLine.id)
    ):
        _add(orders[order_id].holdings, (owner, product_id, rate or 0), quantity, total)
        names[product_id] = name
    component_rates: dict[tuple[int, int], int] = {}
    for owner, product_id, name, rate, per_package, share, packages, order_id in db.session.execute(
        select(OrderLineComponent.producer_id, OrderLineComponent.product_id, OrderLineComponent.name,
               OrderLineComponent.vat_rate, OrderLineComponent.quantity, OrderLineComponent.share_cents,
               OrderLine.quantity, OrderLine.order_id)
        .join(OrderLine, OrderLine.id == OrderLineComponent.order_line_id)
        .where(OrderLine.order_id.in_(concerned))
        .order_by(OrderLine.order_id, OrderLineComponent.id)
    ):
        _add(orders[order_id].holdings, (owner, product_id, rate), per_package * packages, share * packages)
        names[product_id] = name
        component_rates[(order_id, product_id)] = rate

    shortages: dict[int, Shortage] = {}  # refund id -> the refunded shortage it pays back
    for report, line_rate, order_id, product_name in db.session.execute(
        select(ShortageReport, OrderLine.vat_rate, OrderLine.order_id, Product.name)
        .join(OrderLine, OrderLine.id == ShortageReport.order_line_id)
        .join(Product, Product.id == ShortageReport.product_id)
        .where(ShortageReport.status.in_((ShortageStatus.SUBSTITUTED, ShortageStatus.REFUNDED)),
               OrderLine.order_id.in_(concerned))
        .order_by(ShortageReport.id)
    ):
        rate = line_rate if line_rate is not None else component_rates.get((order_id, report.product_id), 0)
        names.setdefault(report.product_id, product_name)
        if report.status == ShortageStatus.REFUNDED and report.refund_id is not None:
            shortages[report.refund_id] = Shortage(report.producer_id, report.product_id, rate or 0, report.quantity)
            continue
        holdings = orders[order_id].holdings
        _add(holdings, (report.producer_id, report.product_id, rate or 0), -report.quantity, -report.value_cents)
        if report.substitute_producer_id is not None:
            _add(holdings, (report.substitute_producer_id, report.substitute_product_id,
                            report.substitute_vat_rate or 0), report.substitute_quantity, report.substitute_value_cents)
            names[report.substitute_product_id] = report.substitute_name

    # What each producer's statement shows: (product, rate) -> [units, cents]; its orders; its credit notes.
    shown: dict[int, dict[tuple[int, int], list[int]]] = defaultdict(dict)
    counted: dict[int, set[int]] = defaultdict(set)
    credited: dict[int, list[str]] = defaultdict(list)
    for order_id, order in orders.items():
        if order.invoiced_in_period:
            for (owner, product_id, rate), (units, cents) in order.holdings.items():
                if owner != SHOP and (units or cents):
                    _add(shown[owner], (product_id, rate), units, cents)
                    counted[owner].add(order_id)
    left: dict[int, int] = {order_id: order.invoice_total_cents for order_id, order in orders.items()}
    for order_id, refund_id, number, issued_at, lines, total in notes:
        order = orders[order_id]
        credit = Credit(gross_by_rate=tuple((line["rate"], line["gross_cents"]) for line in lines or []),
                        total_cents=total, closes_invoice=total >= left.get(order_id, 0),
                        shortage=shortages.get(refund_id))
        left[order_id] = left.get(order_id, 0) - total
        taken = take_credit(order.holdings, credit)
        if as_utc(issued_at) < since:
            continue  # an earlier period's credit: it only decided what is left
        for (owner, product_id, rate), (units, cents) in taken.items():
            if owner == SHOP or not (units or cents):
                continue
            _add(shown[owner], (product_id, rate), units, cents)
            if number not in credited[owner]:
                credited[owner].append(number)
            if credit.closes_invoice and order.invoiced_in_period:
                counted[owner].discard(order_id)  # sold and credited in full within the period

    statements: dict[int, Statement] = {}
    for owner, by_key in shown.items():
        if producer_id is not None and owner != producer_id:
            continue
        lines = sorted((StatementLine(product_id, names.get(product_id, f"#{product_id}"), rate, units, cents)
                        for (product_id, rate), (units, cents) in by_key.items() if units or cents),
                       key=lambda line: (line.name.lower(), line.vat_rate, line.product_id))
        by_rate: dict[int, int] = defaultdict(int)
        for line in lines:
            by_rate[line.vat_rate] += line.amount_cents
        statements[owner] = Statement(
            producer_id=owner, start=start, end=end, lines=lines,
            vat_lines=vat_lines({rate: gross for rate, gross in by_rate.items() if gross}),
            total_cents=sum(line.amount_cents for line in lines), order_count=len(counted[owner]),
            credit_notes=sorted(credited[owner]),
        )
    return statements


def _add(table: dict, key, units: int, cents: int) -> None:
    held = table.setdefault(key, [0, 0])
    held[0] += units
    held[1] += cents
