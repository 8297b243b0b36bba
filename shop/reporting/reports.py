"""The back office's reports for a period (shop time, both days inclusive); reads only, a fixed number of queries.

- ``sales_per_producer``: what the shop owes each producer, from the producers' statements
  (shop.reporting.statements.collect_statements: the invoices of the period minus its credit notes, package
  components at their list-price share, resolved shortages attributed);
- ``vat_report``: VAT per rate of the invoices issued in the period minus that of the credit notes issued in it
  (the refunds of the period listed for information);
- ``bestsellers``: products (loose and as package components) and packages sold most in the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from shop.catalog.models import Producer, Product
from shop.core.clock import shop_day
from shop.extensions import db
from shop.invoicing.models import CreditNote, Invoice
from shop.orders.models import Order, OrderLine, OrderLineComponent, OrderStatus, Refund
from shop.packages.models import Package
from shop.reporting.statements import collect_statements, period_bounds

BESTSELLERS_SHOWN = 50
# Refunds that moved (or will move) money; a failed or cancelled one is listed but not counted.
NOT_COUNTED_REFUND_STATUSES = frozenset({"failed", "canceled", "cancelled"})
REFUND_STATUS_LABELS = {
    "succeeded": _l("uitgevoerd"), "pending": _l("in behandeling"), "requires_action": _l("in behandeling"),
    "failed": _l("mislukt"), "canceled": _l("geannuleerd"), "cancelled": _l("geannuleerd"),
}




# --- sales per producer ----------------------------------------------------------------------------------------


@dataclass
class RateAmounts:
    rate: int
    gross_cents: int = 0
    base_cents: int = 0
    vat_cents: int = 0


@dataclass
class ProducerSales:
    producer_id: int
    name: str
    order_count: int
    units: int
    total_cents: int
    by_rate: dict[int, RateAmounts]
    credit_notes: list[str]  # the credit notes taken off the producer's figures in the period


@dataclass
class SalesReport:
    start: date
    end: date
    rows: list[ProducerSales] = field(default_factory=list)
    rates: list[int] = field(default_factory=list)
    totals_by_rate: dict[int, RateAmounts] = field(default_factory=dict)

    @property
    def units(self) -> int:
        return sum(row.units for row in self.rows)

    @property
    def total_cents(self) -> int:
        return sum(row.total_cents for row in self.rows)


def sales_per_producer(start: date, end: date) -> SalesReport:
    """Per producer with sales in ``start``..``end``: orders, units, amount incl. VAT and base/VAT per rate.

    The totals per rate are the sums of the producers' figures (so the columns add up). One query for the
    producers' names besides collect_statements' own fixed number.
    """
    statements = collect_statements(start, end)
    names = dict(db.session.execute(
        select(Producer.id, Producer.name).where(Producer.id.in_(list(statements)))
    ).all()) if statements else {}
    report = SalesReport(start, end)
    rates: set[int] = set()
    for producer_id, statement in statements.items():
        if not statement.lines:
            continue
        by_rate = {line["rate"]: RateAmounts(line["rate"], line["gross_cents"], line["base_cents"], line["vat_cents"])
                   for line in statement.vat_lines}
        rates.update(by_rate)
        report.rows.append(ProducerSales(
            producer_id=producer_id, name=names.get(producer_id, f"#{producer_id}"),
            order_count=statement.order_count, units=statement.units, total_cents=statement.total_cents,
            by_rate=by_rate, credit_notes=statement.credit_notes,
        ))
    report.rows.sort(key=lambda row: (row.name.lower(), row.producer_id))
    report.rates = sorted(rates)
    for rate in report.rates:
        total = RateAmounts(rate)
        for row in report.rows:
            part = row.by_rate.get(rate)
            if part:
                total.gross_cents += part.gross_cents
                total.base_cents += part.base_cents
                total.vat_cents += part.vat_cents
        report.totals_by_rate[rate] = total
    return report


# --- VAT per rate ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundRow:
    refund_id: int
    order_id: int
    order_number: str
    day: date
    amount_cents: int
    status: str
    reason: str
    credit_note_number: str = ""  # the credit note that documents it ("" while the provider has not made it)

    @property
    def status_label(self) -> str:
        return str(REFUND_STATUS_LABELS.get(self.status, self.status))

    @property
    def counted(self) -> bool:
        return self.status not in NOT_COUNTED_REFUND_STATUSES


@dataclass
class VatRateLine:
    """One VAT rate of the period: what the invoices charged, what the credit notes paid back, and the
    difference (what is due)."""

    rate: int
    invoiced: RateAmounts
    credited: RateAmounts

    @property
    def net(self) -> RateAmounts:
        return RateAmounts(self.rate, self.invoiced.gross_cents - self.credited.gross_cents,
                           self.invoiced.base_cents - self.credited.base_cents,
                           self.invoiced.vat_cents - self.credited.vat_cents)


def _total(parts: list[RateAmounts]) -> RateAmounts:
    return RateAmounts(0, sum(p.gross_cents for p in parts), sum(p.base_cents for p in parts),
                       sum(p.vat_cents for p in parts))


@dataclass
class VatReport:
    start: date
    end: date
    lines: list[VatRateLine] = field(default_factory=list)
    invoice_count: int = 0
    credit_note_count: int = 0
    refunds: list[RefundRow] = field(default_factory=list)  # information: the totals come from the documents

    @property
    def invoiced(self) -> RateAmounts:
        return _total([line.invoiced for line in self.lines])

    @property
    def credited(self) -> RateAmounts:
        return _total([line.credited for line in self.lines])

    @property
    def net(self) -> RateAmounts:
        return _total([line.net for line in self.lines])

    @property
    def refunded_cents(self) -> int:
        return sum(row.amount_cents for row in self.refunds if row.counted)


def _sum_vat_lines(documents, into: dict[int, RateAmounts]) -> int:
    """Add each document's ``vat_lines`` (as it states them) to ``into`` per rate; how many documents."""
    count = 0
    for (lines,) in documents:
        count += 1
        for line in lines or []:
            amounts = into.setdefault(int(line["rate"]), RateAmounts(int(line["rate"])))
            amounts.gross_cents += int(line["gross_cents"])
            amounts.base_cents += int(line["base_cents"])
            amounts.vat_cents += int(line["vat_cents"])
    return count


def vat_report(start: date, end: date) -> VatReport:
    """Per VAT rate: base, VAT and gross of the invoices issued in ``start``..``end`` (shop time), of the credit
    notes issued in it, and invoiced minus credited, each summed from the documents' own ``vat_lines`` (as they
    were issued); the number of invoices and credit notes; and, for information, the refunds recorded in the
    period with the credit note that documents each. Three queries."""
    since, until = period_bounds(start, end)
    invoiced: dict[int, RateAmounts] = {}
    credited: dict[int, RateAmounts] = {}
    invoice_count = _sum_vat_lines(db.session.execute(
        select(Invoice.vat_lines).where(Invoice.issued_at >= since, Invoice.issued_at < until)), invoiced)
    credit_note_count = _sum_vat_lines(db.session.execute(
        select(CreditNote.vat_lines).where(CreditNote.issued_at >= since, CreditNote.issued_at < until)), credited)
    lines = [VatRateLine(rate, invoiced.get(rate, RateAmounts(rate)), credited.get(rate, RateAmounts(rate)))
             for rate in sorted(set(invoiced) | set(credited))]
    refunds = [
        RefundRow(refund_id=refund_id, order_id=order_id, order_number=number,
                  day=shop_day(created_at), amount_cents=amount,
                  status=status or "", reason=reason or "", credit_note_number=note_number or "")
        for refund_id, order_id, number, created_at, amount, status, reason, note_number in db.session.execute(
            select(Refund.id, Refund.order_id, Order.number, Refund.created_at, Refund.amount_cents, Refund.status,
                   Refund.reason, CreditNote.number)
            .join(Order, Order.id == Refund.order_id)
            .outerjoin(CreditNote, CreditNote.refund_id == Refund.id)
            .where(Refund.created_at >= since, Refund.created_at < until)
            .order_by(Refund.created_at, Refund.id)
        )
    ]
    return VatReport(start, end, lines, invoice_count, credit_note_count, refunds)


# --- best sellers ----------------------------------------------------------------------------------------------


@dataclass
class BestsellerRow:
    id: int
    name: str
    producer: str = ""  # products only
    units: int = 0
    revenue_cents: int = 0


@dataclass
class BestsellersReport:
    start: date
    end: date
    products: list[BestsellerRow] = field(default_factory=list)
    packages: list[BestsellerRow] = field(default_factory=list)


def _counted(start: date, end: date):
    """Orders paid in the period that are not cancelled and not refunded in full (as the statements count)."""
    since, until = period_bounds(start, end)
    return (Order.paid_at.is_not(None), Order.paid_at >= since, Order.paid_at < until,
            Order.status != OrderStatus.CANCELLED, Order.refunded_cents < Order.total_cents)


def bestsellers(start: date, end: date, limit: int = BESTSELLERS_SHOWN) -> BestsellersReport:
    """The ``limit`` products and packages sold most (units, then revenue) in ``start``..``end``. Five queries.

    A product counts loose (its line total) and as a package component (units x packages, at its list-price
    share of the package price); a package counts its lines. Revenue is VAT-inclusive as sold.
    """
    conditions = _counted(start, end)
    units: dict[int, int] = defaultdict(int)
    revenue: dict[int, int] = defaultdict(int)
    for product_id, quantity, total in db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity), func.sum(OrderLine.total_cents))
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id.is_not(None), *conditions)
        .group_by(OrderLine.product_id)
    ):
        units[product_id] += int(quantity or 0)
        revenue[product_id] += int(total or 0)
    for product_id, quantity, total in db.session.execute(
        select(OrderLineComponent.product_id,
               func.sum(OrderLineComponent.quantity * OrderLine.quantity),
               func.sum(OrderLineComponent.share_cents * OrderLine.quantity))
        .join(OrderLine, OrderLine.id == OrderLineComponent.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(*conditions)
        .group_by(OrderLineComponent.product_id)
    ):
        units[product_id] += int(quantity or 0)
        revenue[product_id] += int(total or 0)

    report = BestsellersReport(start, end)
    if units:
        names = {pid: (name, producer) for pid, name, producer in db.session.execute(
            select(Product.id, Product.name, Producer.name).join(Producer, Producer.id == Product.producer_id)
            .where(Product.id.in_(list(units)))
        )}
        rows = [BestsellerRow(pid, *names.get(pid, (f"#{pid}", "")), units=units[pid], revenue_cents=revenue[pid])
                for pid in units]
        rows.sort(key=lambda row: (-row.units, -row.revenue_cents, row.name.lower(), row.id))
        report.products = rows[:limit]

    quantity_sum = func.sum(OrderLine.quantity)
    total_sum = func.sum(OrderLine.total_cents)
    package_rows = db.session.execute(
        select(OrderLine.package_id, quantity_sum, total_sum)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.package_id.is_not(None), *conditions)
        .group_by(OrderLine.package_id)
        .order_by(quantity_sum.desc(), total_sum.desc(), OrderLine.package_id)
        .limit(limit)
    ).all()
    if package_rows:
        package_names = dict(db.session.execute(
            select(Package.id, Package.name).where(Package.id.in_([row[0] for row in package_rows]))
        ).all())
        report.packages = [
            BestsellerRow(package_id, package_names.get(package_id, f"#{package_id}"), units=int(quantity or 0),
                          revenue_cents=int(total or 0))
            for package_id, quantity, total in package_rows
        ]
    return report
