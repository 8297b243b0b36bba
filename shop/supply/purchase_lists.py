"""Purchase lists: what each producer has to deliver to the Groot Vleeshuis for a period, and e-mailing it.

A period is a range of scheduled days (pickup day or desired delivery day). The list holds what the open
orders (paid or in preparation) with a shipment scheduled in the period still need, by the one rule of
shop.supply.needs (``list_open_needs``), as the pick list, the portal and the weekly order lists count it:
loose products and package components; substituted or refunded units are not asked for, a substitute's units
are asked from the substitute's producer, and units reported short and not yet handled are not asked for
either (the producer already said it cannot deliver them; they are shown as open shortages).

Sending queues one Dutch mail per recipient (shop.catalog.producer_queries.recipients_for) with the list as a
PDF attachment. Each send of a producer's list for a period is numbered (1, 2, ...) through the audit log;
the send number is part of the mail's dedupe key and of the form, so a replayed or double-clicked form
queues nothing a second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from shop.catalog.models import Producer
from shop.catalog.producer_queries import recipients_for
from shop.core.audit import AuditEntry, record_action
from shop.core.errors import DomainError
from shop.core.settings import get_settings
from shop.extensions import db
from shop.outbox.services import enqueue
from shop.supply.needs import list_open_needs
from shop.supply.purchase_list_data import PurchaseLine, PurchaseList
from shop.supply.purchase_list_pdf import render_purchase_list_pdf

MAX_PERIOD_DAYS = 62
DEFAULT_PERIOD_DAYS = 7
SEND_ACTION = "purchase_list.send"


class PurchaseListError(DomainError):
    pass


def default_period(today: date) -> tuple[date, date]:
    """The coming seven days, today included."""
    return today, today + timedelta(days=DEFAULT_PERIOD_DAYS - 1)


def build_purchase_lists(start: date, end: date, producer_id: int | None = None) -> list[PurchaseList]:
    """Per producer with something to deliver for the period (or only ``producer_id``), sorted by name.

    Lines are per product (catalogue name and unit) with the units to deliver, the days they are needed
    and the order numbers; products with nothing left to deliver are left out. A fixed number of queries.
    """
    lists: dict[int, PurchaseList] = {}
    rows: dict[int, PurchaseLine] = {}
    for need in list_open_needs(producer_id, start=start, end=end):
        product = need.product
        if product is None:
            continue
        quantity = need.to_pick
        if quantity <= 0 and need.open_short <= 0:
            continue
        purchase = lists.get(product.producer_id)
        if purchase is None:
            purchase = lists[product.producer_id] = PurchaseList(product.producer, start, end)
        row = rows.get(product.id)
        if row is None:
            row = rows[product.id] = PurchaseLine(product.id, product.name, product.unit)
            purchase.lines.append(row)
        row.quantity += quantity
        row.open_short += need.open_short
        shipment = need.line.shipment or need.order.shipment  # a gift list: the line's own recipient
        day = shipment.scheduled_date if shipment else None
        if day is not None and day not in row.days:
            row.days.append(day)
        if need.order.number not in row.orders:
            row.orders.append(need.order.number)
    result = []
    for purchase in lists.values():
        purchase.lines = [line for line in purchase.lines if line.quantity > 0 or line.open_short > 0]
        for line in purchase.lines:
            line.days.sort()
            line.orders.sort()
        purchase.lines.sort(key=lambda line: (line.name.lower(), line.product_id))
        if purchase.total > 0:
            result.append(purchase)
    return sorted(result, key=lambda p: (p.producer.name.lower(), p.producer.id))


def build_purchase_list(producer: Producer, start: date, end: date) -> PurchaseList:
    """One producer's list for the period (empty lines when it has nothing to deliver)."""
    found = build_purchase_lists(start, end, producer_id=producer.id)
    return found[0] if found else PurchaseList(producer, start, end)


def _address_key(address: str) -> str:
    """A short stable stand-in for an address in a dedupe key (the key column holds 200 characters)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def _period_key(start: date, end: date) -> str:
    return f"{start.isoformat()}/{end.isoformat()}"


def times_sent(producer_id: int, start: date, end: date) -> int:
    """How often this producer's list for exactly this period was e-mailed (from the audit log)."""
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == SEND_ACTION, AuditEntry.subject_type == "producer",
            AuditEntry.subject_id == producer_id, AuditEntry.detail.startswith(_period_key(start, end) + " "))
    ) or 0


@dataclass
class SendResult:
    number: int  # this was the n-th send of the list for the period
    addresses: list[str]


def send_purchase_list(producer: Producer, start: date, end: date, *, seen_count: int | None = None,
                       by=None) -> SendResult:
    """Queue the producer's purchase list for the period, in Dutch, with the PDF attached, to each recipient.

    ``seen_count`` is the number of earlier sends the staff member's page showed: when the list was sent
    since (a double click, a replayed form, a colleague), nothing is queued. Raises PurchaseListError when
    the producer has nothing to deliver in the period, has no e-mail address, or the list was sent
    meanwhile. Records the action with ``record_action``. Never commits.
    """
    purchase = build_purchase_list(producer, start, end)
    if purchase.total <= 0:
        raise PurchaseListError(_l("%(producer)s heeft in deze periode niets te leveren; er is niets verstuurd."),
                                producer=producer.name)
    recipients = recipients_for(producer)
    if not recipients:
        raise PurchaseListError(_l("%(producer)s heeft geen e-mailadres (en geen actieve gebruikers); vul eerst "
                                   "een e-mailadres in bij de producent."), producer=producer.name)
    count = times_sent(producer.id, start, end)
    if seen_count is not None and seen_count != count:
        raise PurchaseListError(_l("Deze inkooplijst is intussen al verstuurd; er is niets opnieuw verstuurd. "
                                   "Verstuur opnieuw als dat de bedoeling is."))
    number = count + 1
    settings = get_settings()
    queued: list[str] = []
    with force_locale("nl"):
        pdf = render_purchase_list_pdf(purchase)
        subject = _("Inkooplijst %(start)s – %(end)s: %(producer)s", start=format_date(start, "d/M/yyyy"),
                    end=format_date(end, "d/M/yyyy"), producer=producer.name)
        filename = f"inkooplijst-{producer.slug}-{start.isoformat()}-{end.isoformat()}.pdf"
        context = dict(subject=subject, producer=producer, purchase=purchase, settings=settings, locale="nl",
                       day=lambda value: format_date(value, "EEEE d MMMM"),
                       period_start=format_date(start, "EEEE d MMMM yyyy"),
                       period_end=format_date(end, "EEEE d MMMM yyyy"))
        text = render_template("emails/producer_purchase_list.txt", **context)
        html = render_template("emails/producer_purchase_list.html", **context)
    for address, _locale in recipients:
        message = enqueue(
            kind="producer_purchase_list", to=address, subject=subject, text=text, html=html,
            attachments=[(filename, "application/pdf", pdf)],
            dedupe_key=f"purchase-list:{producer.id}:{_period_key(start, end)}:{number}:{_address_key(address)}",
            reply_to=settings.seller_email,
        )
        if message is not None:
            queued.append(address)
    if not queued:
        raise PurchaseListError(_l("Deze inkooplijst is intussen al verstuurd; er is niets opnieuw verstuurd. "
                                   "Verstuur opnieuw als dat de bedoeling is."))
    record_action(SEND_ACTION, by=by, subject_type="producer", subject_id=producer.id,
                  detail=f"{_period_key(start, end)} #{number}: {', '.join(queued)}")
    return SendResult(number, queued)


def sent_counts(producer_ids: list[int], start: date, end: date) -> dict[int, int]:
    """How often each producer's list for exactly this period was e-mailed (one query)."""
    if not producer_ids:
        return {}
    return dict(db.session.execute(
        select(AuditEntry.subject_id, func.count(AuditEntry.id)).where(
            AuditEntry.action == SEND_ACTION, AuditEntry.subject_type == "producer",
            AuditEntry.subject_id.in_(producer_ids), AuditEntry.detail.startswith(_period_key(start, end) + " "))
        .group_by(AuditEntry.subject_id)
    ).all())


def producers_with_recipients(producers: list[Producer]) -> set[int]:
    """The ids of the producers that recipients_for would give an address (one query)."""
    from shop.accounts.models import Role, User

    ids = [producer.id for producer in producers]
    if not ids:
        return set()
    with_users = set(db.session.scalars(
        select(User.producer_id).where(User.producer_id.in_(ids), User.role == Role.PRODUCER,
                                       User.active.is_(True), User.email != "")
    ))
    return with_users | {producer.id for producer in producers if producer.email}
