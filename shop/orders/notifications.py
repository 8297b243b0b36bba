"""Customer e-mails about an order, queued in the outbox in the caller's transaction (never sent here).

Every mail goes to the buyer, in the order's language, with a plain-text and an HTML part, the shop's
e-mail as Reply-To, and a dedupe key so that a replayed webhook or a retried transition queues it once.
Gift recipients get no mail in this version (and would never see prices). An order with several shipments (a
company's gift list) names no single shipment (``shipment`` is None): its mails list the shipments
(``shipments``, emails/_shipments) and each shipment shipped has its own mail to the buyer, naming the recipient.

A mail is queued as data (the order, the template, its subject and values, records by id) and drawn right
after the transaction commits (shop.outbox.rendering): the transactions that queue these mails hold row locks
(the order's, the stock's, an invoice number's counter) that must not wait for templates and PDFs. The
attachments (the invoice PDF) are drawn when the mail is delivered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import inspect

from shop.core.db import Base
from shop.core.i18n import MONEY_LOCALES
from shop.core.links import absolute_url_for
from shop.core.money import format_eur
from shop.core.settings import get_settings
from shop.extensions import db
from shop.orders.models import DeliveryMethod, Order, PaymentProvider
from shop.orders.queries import order_vat_lines, pickup_window, shipment_pickup_windows, with_pickup_hour
from shop.outbox.rendering import Drawn, Later, add_renderer
from shop.outbox.services import enqueue

MAIL_SHIPMENTS_MAX = 20


def status_url(order: Order) -> str:
    """The guest's secret order-status link (orders.status), absolute from SHOP_BASE_URL."""
    return absolute_url_for("orders.status", token=order.status_token)


def _context(order: Order) -> dict:
    settings = get_settings()
    money_locale = MONEY_LOCALES.get(order.locale or "nl", "nl_BE")
    several = len(order.shipments) > 1
    shipment = None if several else order.shipment
    window = pickup_window(order) if shipment is not None and shipment.method == DeliveryMethod.PICKUP else None
    listed = order.shipments[:MAIL_SHIPMENTS_MAX]
    return {
        "order": order,
        "shipment": shipment,
        "shipments": order.shipments,
        "several_shipments": several,
        # The first shipments a mail lists (a list of 2,000 recipients is on the order's page, not in a mail).
        "listed_shipments": listed,
        # Each listed shipment's day as the mail writes it, with its pickup hour when one was chosen.
        "listed_days": _listed_days(listed) if several else {},
        "is_pickup": shipment is not None and shipment.method == DeliveryMethod.PICKUP,
        "is_delivery": shipment is not None and shipment.method == DeliveryMethod.DELIVERY,
        "settings": settings,
        "pickup_place": ", ".join(settings.pickup_address),
        "pickup_opens": f"{settings.pickup_opens:%H:%M}",
        "pickup_closes": f"{settings.pickup_closes:%H:%M}",
        "pickup_hours": f"{settings.pickup_opens:%H:%M}–{settings.pickup_closes:%H:%M}",
        # The pickup hour the customer chose, else the opening hours (an order placed before pickup hours).
        "pickup_from": window[0] if window else f"{settings.pickup_opens:%H:%M}",
        "pickup_until": window[1] if window else f"{settings.pickup_closes:%H:%M}",
        # The pickup day with the chosen hour ("dinsdag 22 december 2026, tussen 12:00 en 13:00"), or the day alone.
        "pickup_when": with_pickup_hour(format_date(shipment.scheduled_date, "full"), window)
        if shipment is not None and shipment.method == DeliveryMethod.PICKUP and shipment.scheduled_date else "",
        "vat_lines": order_vat_lines(order),
        "status_url": status_url(order),
        "money": lambda cents: format_eur(cents, money_locale),
        "day": lambda value: format_date(value, "full") if value else "",
    }


def _listed_days(shipments) -> dict[int, str]:
    windows = shipment_pickup_windows(shipments)
    return {shipment.id: with_pickup_hour(format_date(shipment.scheduled_date, "full"), windows.get(shipment.id))
            for shipment in shipments if shipment.scheduled_date}


def _stored(value: Any) -> Any:
    """A template value as the outbox keeps it: a record by its class and id, anything else as it is (plain)."""
    if isinstance(value, Base):
        return {"__record__": type(value).__name__, "id": inspect(value).identity[0]}
    return value


def _loaded(value: Any) -> Any:
    if isinstance(value, dict) and "__record__" in value:
        [model] = [mapper.class_ for mapper in Base.registry.mappers if mapper.class_.__name__ == value["__record__"]]
        return db.session.get(model, value["id"])
    return value


def _queue(order: Order, name: str, kind: str, subject: str, *, dedupe_key: str, attachments=(), **extra) -> None:
    """Queue ``emails/<name>`` for the order's buyer, drawn after the commit (``_draw``)."""
    db.session.flush()
    enqueue(
        kind=kind,
        to=order.email,
        subject=subject,
        text="",
        attachments=attachments,
        order=order,
        dedupe_key=dedupe_key,
        reply_to=get_settings().seller_email,
        renderer="order_mail",
        render_args={"order_id": order.id, "name": name, "kind": kind, "subject": subject,
                     "extra": {key: _stored(value) for key, value in extra.items()}},
    )


def _draw(args: dict) -> Drawn:
    """Draw ``emails/<name>.txt`` and ``.html`` in the order's language, with the order's context, what the
    domains above add to ``kind``'s context, and the queued values."""
    order = db.session.get(Order, args["order_id"])
    subject = args["subject"]
    with force_locale(order.locale or "nl"):
        extra = {key: _loaded(value) for key, value in args["extra"].items()}
        context = _context(order) | _added_context(order, args["kind"]) | extra
        text = render_template(f"emails/{args['name']}.txt", subject=subject, **context)
        html = render_template(f"emails/{args['name']}.html", subject=subject, **context)
    return Drawn(subject=subject, text=text, html=html)


add_renderer("order_mail", _draw)


def queue_order_mail(order: Order, name: str, subject: str, *, dedupe_key: str,
                     attachments: list[tuple[str, str, bytes | Later]] | tuple = (), **extra) -> None:
    """A mail about the order that a domain above orders writes (its own ``emails/<name>`` templates, kind
    ``name``): to the buyer, in the order's language, with the order's context plus ``extra``, queued once per
    ``dedupe_key``. ``subject`` is already in the order's language (render it under ``force_locale``)."""
    _queue(order, name, name, subject, dedupe_key=dedupe_key, attachments=attachments, **extra)


# kind of mail -> functions giving (filename, MIME type, bytes or Later) to attach; added by the domains above
# orders (invoicing: the invoice PDF to the confirmation, drawn when the mail is delivered).
Attachments = Callable[[Order], list[tuple[str, str, bytes | Later]]]
_ATTACHMENTS: dict[str, list[Attachments]] = defaultdict(list)


def add_attachments(kind: str, attachments: Attachments) -> None:
    """Attach what ``attachments(order)`` gives to every mail of ``kind`` (sent or sent again); once."""
    if attachments not in _ATTACHMENTS[kind]:
        _ATTACHMENTS[kind].append(attachments)


def _attachments(order: Order, kind: str) -> list[tuple[str, str, bytes | Later]]:
    with force_locale(order.locale or "nl"):
        return [attachment for provider in _ATTACHMENTS[kind] for attachment in provider(order)]


# kind of mail -> functions giving names and values its templates show besides the order's own; added by the
# domains above orders (invoicing: the confirmation's ``invoice``, whose number the mail names).
MailContext = Callable[[Order], dict[str, Any]]
_CONTEXTS: dict[str, list[MailContext]] = defaultdict(list)


def add_mail_context(kind: str, context: MailContext) -> None:
    """Give every mail of ``kind`` (sent or sent again) what ``context(order)`` returns to show; once."""
    if context not in _CONTEXTS[kind]:
        _CONTEXTS[kind].append(context)


def _added_context(order: Order, kind: str) -> dict[str, Any]:
    added: dict[str, Any] = {}
    for provider in _CONTEXTS[kind]:
        added |= provider(order)
    return added


def order_confirmed(order: Order) -> None:
    """Confirmation with every line, VAT per rate, pickup/delivery details, the status link and its attachments
    (the invoice PDF)."""
    attachments = _attachments(order, "order_confirmed")
    with force_locale(order.locale or "nl"):
        subject = _("Bevestiging van je bestelling %(number)s", number=order.number)
    _queue(order, "order_confirmed", "order_confirmed", subject,
           dedupe_key=f"order-confirmed:{order.id}", attachments=attachments)


def order_cancelled(order: Order, *, was_paid: bool, was_quote: bool = False) -> None:
    """Cancellation notice: nothing was charged, or how much we pay back; a quote that lapsed (declined or
    expired) and an order whose transfer did not come in time say so."""
    transfer_overdue = (not was_paid and not was_quote and order.payment_provider == PaymentProvider.TRANSFER)
    with force_locale(order.locale or "nl"):
        if was_quote:
            subject = _("Je offerte %(quote)s is vervallen", quote=order.quote_number)
        else:
            subject = _("Je bestelling %(number)s is geannuleerd", number=order.number)
    refund_cents = max(order.total_cents - (order.refunded_cents or 0), 0) if was_paid else 0
    _queue(order, "order_cancelled", "order_cancelled", subject, dedupe_key=f"order-cancelled:{order.id}",
           was_paid=was_paid, refund_cents=refund_cents, was_quote=was_quote, transfer_overdue=transfer_overdue)


def quote_sent(order: Order) -> None:
    """The quote: its number, validity, total and the status link where it is accepted or declined, with what the
    domains above attach (invoicing: the quote PDF)."""
    attachments = _attachments(order, "quote_sent")
    with force_locale(order.locale or "nl"):
        subject = _("Je offerte %(quote)s", quote=order.quote_number)
    _queue(order, "quote_sent", "quote_sent", subject, dedupe_key=f"quote-sent:{order.id}",
           attachments=attachments)


def transfer_requested(order: Order) -> None:
    """The quote accepted: how to pay by transfer (amount, the shop's IBAN and BIC, the structured reference,
    the last day of the payment term)."""
    with force_locale(order.locale or "nl"):
        subject = _("Betaal je bestelling %(number)s met een overschrijving", number=order.number)
    _queue(order, "transfer_requested", "transfer_requested", subject, dedupe_key=f"transfer-requested:{order.id}")


def order_ready_for_pickup(order: Order) -> None:
    """The order waits at the Groot Vleeshuis."""
    with force_locale(order.locale or "nl"):
        subject = _("Je bestelling %(number)s ligt klaar", number=order.number)
    _queue(order, "order_ready_for_pickup", "order_ready_for_pickup", subject,
           dedupe_key=f"order-ready-for-pickup:{order.id}")


def order_shipped(order: Order) -> None:
    """The order is on its way (with the tracking reference)."""
    with force_locale(order.locale or "nl"):
        subject = _("Je bestelling %(number)s is onderweg", number=order.number)
    _queue(order, "order_shipped", "order_shipped", subject, dedupe_key=f"order-shipped:{order.id}")


def shipment_shipped(order: Order, shipment) -> None:
    """One shipment of an order with several is on its way: to the buyer (the ordering company for a gift list),
    naming the recipient and the tracking reference; queued once per shipment."""
    with force_locale(order.locale or "nl"):
        subject = _("Het pakket voor %(recipient)s (bestelling %(number)s) is onderweg",
                    recipient=shipment.recipient_name or order.name, number=order.number)
    _queue(order, "shipment_shipped", "shipment_shipped", subject, dedupe_key=f"shipment-shipped:{shipment.id}",
           parcel=shipment)


def payment_after_cancellation(order: Order) -> None:
    """A payment arrived for a cancelled order: it is refunded automatically in full; the customer is told."""
    with force_locale(order.locale or "nl"):
        subject = _("Betaling voor geannuleerde bestelling %(number)s wordt terugbetaald", number=order.number)
    _queue(order, "payment_after_cancellation", "payment_after_cancellation", subject,
           dedupe_key=f"payment-after-cancellation:{order.id}")


def order_refunded(order: Order, refund) -> None:
    """A refund by staff: how much, why, and what remains paid (one mail per refund)."""
    with force_locale(order.locale or "nl"):
        subject = _("Terugbetaling voor je bestelling %(number)s", number=order.number)
    _queue(order, "order_refunded", "order_refunded", subject, dedupe_key=f"order-refunded:{refund.id}",
           refund=refund, refunded_cents=order.refunded_cents,
           remaining_cents=max(order.total_cents - order.refunded_cents, 0))


def resend_order_email(order: Order, kind: str, *, dedupe_key: str) -> None:
    """Queue one of the order's customer mails again (staff asked), as it reads today, under ``dedupe_key``."""
    attachments = _attachments(order, kind)
    extra: dict = {}
    with force_locale(order.locale or "nl"):
        if kind == "order_confirmed":
            subject = _("Bevestiging van je bestelling %(number)s", number=order.number)
        elif kind == "order_ready_for_pickup":
            subject = _("Je bestelling %(number)s ligt klaar", number=order.number)
        elif kind == "order_shipped":
            subject = _("Je bestelling %(number)s is onderweg", number=order.number)
        elif kind == "order_cancelled":
            subject = _("Je bestelling %(number)s is geannuleerd", number=order.number)
            was_paid = order.paid_at is not None
            extra = {"was_paid": was_paid,
                     "refund_cents": max(order.total_cents - order.refunded_cents, 0) if was_paid else 0,
                     "was_quote": False, "transfer_overdue": False}
        else:
            raise ValueError(f"no customer mail {kind!r} to send again")
    _queue(order, kind, kind, subject, dedupe_key=dedupe_key, attachments=attachments, **extra)
