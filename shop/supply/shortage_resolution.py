"""Resolving shortages in the back office: staff substitute the missing units or refund the missing part.

A shortage report (``shop.supply.shortages``) is OPEN until one member of staff resolves it, once:

- ``substitute``: another product goes into the order instead (the package's named substitute, or a product of
  equal or higher unit price); its stock is taken with reason SUBSTITUTION and the customer is told by e-mail.
- ``refund_missing``: what the missing units were worth is paid back through the order's payment gateway and the
  customer is told by e-mail.

Both claim the report with a conditional UPDATE on its status, so two staff members acting at once never both
resolve it (the second gets AlreadyResolved), and nothing is substituted or refunded twice. Both fill the report's
value fields that ``shop.reporting.statements`` reads: ``value_cents`` (off the shorted producer's statement) and the
``substitute_*`` fields (onto the substitute's producer's statement).

The stock of the missing product is never given back: the producer did not have those units, so the figure
that was taken when the order was placed stays taken (the producer corrects its stock itself).

Services never commit; the caller commits or rolls back (which also releases the claim).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from shop.accounts.models import User
from shop.catalog.models import Producer, Product
from shop.core.audit import record_action
from shop.core.clock import shop_today
from shop.core.db import utcnow
from shop.core.errors import DomainError
from shop.core.money import format_eur
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import OutOfStock, adjust_stock
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.refunds import request_refund
from shop.packages.models import PackageComponent
from shop.supply.models import ShortageReport, ShortageStatus
from shop.supply.needs import OPEN_STATUSES
from shop.supply.shortages import report_shortage

NOTE_MAX_LENGTH = 1000
OPTIONS_LIMIT = 20
# A substitute goes into the box before it leaves: only while the order is open (paid or being prepared), so
# while its goods are still needed from the producers (shop.supply.needs).
SUBSTITUTABLE_STATUSES = OPEN_STATUSES


class ShortageResolutionError(DomainError):
    pass


class AlreadyResolved(ShortageResolutionError):
    """Another member of staff resolved the report first (or it was withdrawn)."""


# ---------------------------------------------------------------------------------------------- value maths


def _div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _component(line: OrderLine, product_id: int):
    return next((c for c in line.components if c.product_id == product_id), None)


def missing_unit_price_cents(line: OrderLine, product_id: int) -> int:
    """The unit price of the missing product as sold: the loose line's unit price, or the component's list price."""
    if line.product_id == product_id:
        return line.unit_price_cents
    component = _component(line, product_id)
    return component.list_price_cents if component is not None else 0


def missing_value_cents(line: OrderLine, product_id: int, units: int) -> int:
    """What ``units`` missing units were worth when sold.

    Loose line: unit price x units. Package component: the component's share of one package x units / the
    component's quantity per package, rounded half up (the share is what the producer is credited for).
    """
    if line.product_id == product_id:
        return line.unit_price_cents * units
    component = _component(line, product_id)
    if component is None:
        return 0
    return _div_half_up(component.share_cents * units, component.quantity)


def missing_vat_rate(line: OrderLine, product_id: int) -> int | None:
    """The VAT rate the missing product was sold at: the loose line's, or its component's in the package."""
    if line.product_id == product_id:
        return line.vat_rate
    component = _component(line, product_id)
    return component.vat_rate if component is not None else None


# ---------------------------------------------------------------------------------------------- loading


def _load_line(report: ShortageReport) -> OrderLine:
    return db.session.scalars(
        select(OrderLine).where(OrderLine.id == report.order_line_id)
        .options(selectinload(OrderLine.components), selectinload(OrderLine.order).selectinload(Order.shipments))
    ).one()


def named_substitute_id(line: OrderLine, product_id: int) -> int | None:
    """The substitute that staff named for ``product_id`` in the line's package (None for a loose line)."""
    if line.package_id is None:
        return None
    return db.session.scalar(
        select(PackageComponent.substitute_product_id).where(
            PackageComponent.package_id == line.package_id, PackageComponent.product_id == product_id
        )
    )


@dataclass
class SubstitutionOptions:
    named: Product | None  # the package's named substitute (shown first, whatever its price)
    others: list[Product]  # published, orderable, enough stock, unit price >= min_price_cents
    min_price_cents: int
    units: int
    q: str


def substitution_options(report: ShortageReport, q: str = "", *, limit: int = OPTIONS_LIMIT) -> SubstitutionOptions:
    """What can replace the missing units: the package's named substitute first, then published, orderable
    products with stock for the units and a unit price at least the missing product's ("another product of equal
    or higher value"), cheapest first, optionally searched by name or producer (``q``). A fixed number of queries.
    """
    line = _load_line(report)
    min_price = missing_unit_price_cents(line, report.product_id)
    named_id = named_substitute_id(line, report.product_id)
    named = None
    if named_id is not None:
        named = db.session.scalars(
            select(Product).where(Product.id == named_id).options(selectinload(Product.producer))
        ).one_or_none()
    query = (
        select(Product)
        .join(Producer, Producer.id == Product.producer_id)
        .where(
            Product.is_for_sale,
            Product.stock >= report.quantity,
            Product.price_cents >= min_price,
            Product.id != report.product_id,
        )
    )
    if named_id is not None:
        query = query.where(Product.id != named_id)
    q = (q or "").strip()[:100]
    for word in q.lower().split():
        query = query.where(or_(func.lower(Product.name).contains(word, autoescape=True),
                                func.lower(Producer.name).contains(word, autoescape=True)))
    others = db.session.scalars(
        query.options(selectinload(Product.producer)).order_by(Product.price_cents, Product.name, Product.id).limit(limit)
    ).all()
    return SubstitutionOptions(named, list(others), min_price, report.quantity, q)


# ---------------------------------------------------------------------------------------------- services


def report_shortage_by_staff(order_line: OrderLine, product: Product, quantity: int, note: str, *, by) -> ShortageReport:
    """Staff found a shortage while picking: the same report a producer makes (``report_shortage``), by staff.

    A staff user has no producer, so any product of the line may be reported. Raises ShortageError as
    ``report_shortage`` does (order not open, product not in the line, quantity not 1..needed, duplicate).
    """
    report = report_shortage(order_line, product, quantity, note, by=by)
    record_action("shortage.report", by=by, subject_type="shortage", subject_id=report.id,
                  detail=f"{order_line.order.number}: {quantity} × {product.name}")
    return report


def _check_open(report: ShortageReport) -> None:
    if report.status != ShortageStatus.OPEN:
        raise AlreadyResolved(_l("Dit tekort is al afgehandeld; er is niets gewijzigd."))


def _claim(report: ShortageReport, status: ShortageStatus, *, by) -> None:
    """Move the report from OPEN to ``status`` with a conditional UPDATE: only one actor can win."""
    result = db.session.execute(
        update(ShortageReport)
        .where(ShortageReport.id == report.id, ShortageReport.status == ShortageStatus.OPEN)
        .values(status=status, resolved_at=utcnow(), resolved_by_user_id=getattr(by, "id", None))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise AlreadyResolved(_l("Een collega heeft dit tekort net afgehandeld; er is niets gewijzigd."))
    db.session.refresh(report)


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ShortageResolutionError(_l("De notitie mag hoogstens %(max)s tekens lang zijn."), max=NOTE_MAX_LENGTH)
    return note


def substitute(report: ShortageReport, product: Product, *, by, note: str = "") -> ShortageReport:
    """Put ``report.quantity`` units of ``product`` in the order instead of the missing ones.

    Only an OPEN report of an order that is paid or in preparation. The product must be published (of an active
    producer), another product than the missing one, and cost at least the missing product's unit price as sold;
    the package's named substitute is always allowed whatever its price. Its stock is taken (reason SUBSTITUTION);
    the missing product's stock is not given back (the producer did not have it). Fills ``value_cents`` and the
    ``substitute_*`` fields, queues the customer's e-mail and records the action.

    Raises AlreadyResolved (resolved by someone else), ShortageResolutionError (a rule above), OutOfStock.
    """
    _check_open(report)
    note = _clean_note(note)
    line = _load_line(report)
    order = line.order
    if order.status not in SUBSTITUTABLE_STATUSES:
        raise ShortageResolutionError(
            _l("Deze bestelling wordt niet meer klaargemaakt; vervangen kan niet meer. Betaal het ontbrekende deel terug."))
    if product.id == report.product_id:
        raise ShortageResolutionError(_l("Kies een ander product dan het ontbrekende."))
    if not product.is_for_sale:
        raise ShortageResolutionError(_l("%(name)s staat niet te koop en kan niet als vervanging dienen."),
                                      name=product.name)
    named_id = named_substitute_id(line, report.product_id)
    min_price = missing_unit_price_cents(line, report.product_id)
    if product.id != named_id and product.price_cents < min_price:
        raise ShortageResolutionError(
            _l("%(name)s is goedkoper (%(price)s) dan het ontbrekende product (%(missing)s). Kies een product van "
               "gelijke of hogere waarde."),
            name=product.name, price=format_eur(product.price_cents), missing=format_eur(min_price))
    if product.stock < report.quantity:
        raise OutOfStock(product.id, report.quantity)

    _claim(report, ShortageStatus.SUBSTITUTED, by=by)
    with force_locale("nl"):  # stored text, in the shop's language
        stock_note = _("Bestelling %(number)s: in plaats van %(name)s", number=order.number, name=report.product.name)
    adjust_stock(product.id, -report.quantity, MovementReason.SUBSTITUTION, by=by, note=stock_note[:300])
    report.value_cents = missing_value_cents(line, report.product_id, report.quantity)
    report.substitute_product_id = product.id
    report.substitute_producer_id = product.producer_id
    report.substitute_name = product.name
    report.substitute_quantity = report.quantity
    report.substitute_vat_rate = product.vat_category.rate_on(shop_today())
    report.substitute_value_cents = product.price_cents * report.quantity
    return _settle(report, line, note, by=by, action="shortage.substitute", detail=f" → {product.name}",
                   mail="order_shortage_substituted", dedupe="shortage-substituted",
                   subject=_l("Een product in je bestelling %(number)s is vervangen", number=order.number),
                   substitute_name=product.t("name", order.locale), substitute_producer=product.producer.name)


def refund_missing(report: ShortageReport, *, by, note: str = "") -> ShortageReport:
    """Pay back what the missing units were worth (``missing_value_cents``) through the order's gateway.

    Only an OPEN report of a paid order that is not cancelled. Stores the refund on the report (status
    REFUNDED), queues the customer's e-mail with the amount and records the action. The missing product's stock
    is not given back (the producer did not have it).

    Raises AlreadyResolved (resolved by someone else: nothing is refunded twice), ShortageResolutionError, and the
    gateway's RefundRefused (above what is left) or PaymentUnavailable.
    """
    _check_open(report)
    note = _clean_note(note)
    line = _load_line(report)
    order = line.order
    if order.status in (OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT) or order.paid_at is None:
        raise ShortageResolutionError(_l("Deze bestelling is niet betaald of al geannuleerd; er valt niets terug te betalen."))
    amount = missing_value_cents(line, report.product_id, report.quantity)
    if amount <= 0:
        raise ShortageResolutionError(_l("Het ontbrekende deel heeft geen waarde; er valt niets terug te betalen."))

    _claim(report, ShortageStatus.REFUNDED, by=by)

    with force_locale("nl"):  # stored text, in the shop's language
        reason = _("Tekort: %(units)s × %(name)s", units=report.quantity, name=report.product.name)
    reason += f" ({note})" if note else ""
    rate = missing_vat_rate(line, report.product_id)
    refund = request_refund(order, amount, reason=reason, by=by,  # sent once committed
                            vat_split={rate: amount} if rate is not None else None)
    report.value_cents = amount
    report.refund_id = refund.id
    return _settle(report, line, note, by=by, action="shortage.refund", detail=f", {format_eur(amount)}",
                   mail="order_shortage_refunded", dedupe="shortage-refunded",
                   subject=_l("We betalen een deel van je bestelling %(number)s terug", number=order.number),
                   amount_cents=amount)


# ---------------------------------------------------------------------------------------------- customer mail


def _missing_name(line: OrderLine, report: ShortageReport) -> str:
    component = _component(line, report.product_id)
    return component.name if component is not None else line.name


def _settle(report: ShortageReport, line: OrderLine, note: str, *, by, action: str, detail: str, mail: str,
            dedupe: str, subject, **context) -> ShortageReport:
    """The common end of a substitution or refund: keep the note, tell the customer and record the action.

    The customer's mail is ``emails/<mail>`` with ``subject`` (a lazy text, rendered in the order's language)
    and ``context``, queued once per report (``<dedupe>:<report id>``); the audit entry names the order, the
    missing units and ``detail``.
    """
    from shop.orders.notifications import _queue

    report.resolution_note = note
    db.session.flush()
    order = line.order
    with force_locale(order.locale or "nl"):
        subject = str(subject)
    _queue(order, mail, mail, subject, dedupe_key=f"{dedupe}:{report.id}", line=line, units=report.quantity,
           in_package=line.package_id is not None, missing_name=_missing_name(line, report), **context)
    record_action(action, by=by, subject_type="shortage", subject_id=report.id,
                  detail=f"{order.number}: {report.quantity} × {report.product.name}{detail}")
    return report


# ---------------------------------------------------------------------------------------------- reads


@dataclass
class ShortageListRow:
    report: ShortageReport
    order_id: int
    order_number: str
    order_status: OrderStatus
    line_name: str
    reported_by: str  # the reporter's e-mail ("" when unknown)


RECENT_RESOLVED = 50


def list_shortages_for_staff(*, recent: int = RECENT_RESOLVED) -> tuple[list[ShortageListRow], list[ShortageListRow]]:
    """(open reports, oldest first; the ``recent`` last resolved ones, newest first). Four queries."""
    reporter = aliased(User)

    def rows(condition, order_by, limit):
        query = (
            select(ShortageReport, Order.id, Order.number, Order.status, OrderLine.name, reporter.email)
            .join(OrderLine, OrderLine.id == ShortageReport.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .outerjoin(reporter, reporter.id == ShortageReport.reported_by_user_id)
            .where(condition)
            .order_by(*order_by)
            .limit(limit)
            .options(selectinload(ShortageReport.product), selectinload(ShortageReport.producer))
        )
        return [ShortageListRow(report, order_id, number, status, name, email or "")
                for report, order_id, number, status, name, email in db.session.execute(query)]

    open_rows = rows(ShortageReport.status == ShortageStatus.OPEN,
                     (ShortageReport.created_at, ShortageReport.id), 500)
    resolved_rows = rows(ShortageReport.status != ShortageStatus.OPEN,
                         (ShortageReport.resolved_at.desc(), ShortageReport.id.desc()), recent)
    return open_rows, resolved_rows


@dataclass
class ShortageDetail:
    report: ShortageReport
    line: OrderLine
    order: Order
    reported_by: str
    resolved_by: str
    missing_name: str
    missing_unit_price_cents: int
    missing_value_cents: int
    can_substitute: bool
    can_refund: bool


def get_shortage_detail(report_id: int) -> ShortageDetail | None:
    """The report with its line, order, product, producer, substitute, refund and the people involved."""
    report = db.session.scalars(
        select(ShortageReport).where(ShortageReport.id == report_id).options(
            selectinload(ShortageReport.product), selectinload(ShortageReport.producer),
            selectinload(ShortageReport.substitute_product), selectinload(ShortageReport.refund),
        )
    ).one_or_none()
    if report is None:
        return None
    line = _load_line(report)
    ids = {i for i in (report.reported_by_user_id, report.resolved_by_user_id) if i is not None}
    emails = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all()) if ids else {}
    is_open = report.status == ShortageStatus.OPEN
    order = line.order
    return ShortageDetail(
        report=report, line=line, order=order,
        reported_by=emails.get(report.reported_by_user_id, ""),
        resolved_by=emails.get(report.resolved_by_user_id, ""),
        missing_name=_missing_name(line, report),
        missing_unit_price_cents=missing_unit_price_cents(line, report.product_id),
        missing_value_cents=missing_value_cents(line, report.product_id, report.quantity),
        can_substitute=is_open and order.status in SUBSTITUTABLE_STATUSES,
        can_refund=is_open and order.paid_at is not None
        and order.status not in (OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT),
    )


def get_order_for_staff_report(order_id: int) -> Order | None:
    """An order with its lines and components, for staff reporting a shortage found while picking."""
    return db.session.scalars(
        select(Order).where(Order.id == order_id).options(
            selectinload(Order.lines).selectinload(OrderLine.components), selectinload(Order.shipments)
        )
    ).one_or_none()


def reportable_items(order: Order) -> list[tuple[OrderLine, int, str, int]]:
    """(line, product id, product name, units needed) of every product in the order, loose or in a package."""
    items = []
    for line in order.lines:
        if line.product_id is not None:
            items.append((line, line.product_id, line.name, line.quantity))
        for component in line.components:
            items.append((line, component.product_id, component.name, component.quantity * line.quantity))
    return items
