"""Changing a gift list (upload, a second upload's changes, edits in the table, the card) and ordering it.

The list is a draft of the company user until it is ordered. A second upload never replaces the list silently:
it waits (``pending_rows``) until the company has seen what changes (``list_changes``) and confirmed it.

Ordering (``place_gift_order``) is ONE transaction: every row checked again, one order for the whole list, one
shipment per recipient with its own lines, the stock of all of it taken (the inventory's conditional update,
product-id order), one parcel per shipment taken on its delivery day (shop.scheduling.services.take_slots;
cancelling the order frees them through the lifecycle). Anything short raises and the caller rolls back: nothing
is half-ordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from shop.accounts.company import check_company_details, details_of, get_company_profile
from shop.catalog.images import delete_stored, process_upload
from shop.catalog.models import Product
from shop.catalog.search import fold
from shop.checkout.services import new_order, order_line
from shop.core.clock import shop_now
from shop.core.db import add_unless_taken, utcnow
from shop.core.errors import DomainError
from shop.core.numbering import next_order_number
from shop.core.settings import get_settings
from shop.extensions import db
from shop.gifts.checks import ListCheck, check_list
from shop.gifts.models import RECIPIENT_FIELDS, GiftOrder, GiftOrderStatus, GiftRecipient
from shop.inventory.models import MovementReason
from shop.inventory.services import OutOfStock, take_stock
from shop.orders.lifecycle import add_effect
from shop.orders.models import (
    DeliveryMethod,
    Order,
    OrderStatus,
    Shipment,
)
from shop.scheduling.models import SlotKind
from shop.scheduling.services import SlotError, SlotRequest, take_slots


class GiftError(DomainError):
    pass


class NotACompany(GiftError):
    """Only a customer with a company profile orders company gifts."""


class ListNotReady(GiftError):
    """The list has rows with errors (or none): nothing is ordered."""

    def __init__(self, checked: ListCheck):
        if not checked.rows:
            super().__init__(_l("De lijst heeft nog geen ontvangers."))
        else:
            super().__init__(_l("%(count)s rijen van de lijst moeten nog verbeterd worden. Er is niets besteld."),
                             count=len(checked.error_rows))
        self.checked = checked


class ListOrdered(GiftError):
    """The list is no longer a draft (ordered by another tab, a second click): nothing was changed or ordered."""


class ListChanged(GiftError):
    """The list was changed (another tab) after ordering read its rows: nothing was ordered."""


class GiftOutOfStock(GiftError):
    """Between checking and ordering, a product ran out: nothing was ordered."""


class DayFull(GiftError):
    """Between checking and ordering, a delivery day filled: nothing was ordered."""


# --- the draft ---------------------------------------------------------------------------------------------------


def require_company(user):
    """The user's company profile; raises NotACompany without one."""
    profile = get_company_profile(user)
    if profile is None:
        raise NotACompany(_l("Bedrijfsgeschenken bestel je met een account met bedrijfsgegevens."))
    return profile


def get_draft(user) -> GiftOrder | None:
    return db.session.scalars(
        select(GiftOrder).where(GiftOrder.user_id == user.id, GiftOrder.status == GiftOrderStatus.DRAFT)
        .order_by(GiftOrder.id.desc()).limit(1)
    ).first()


def get_or_create_draft(user) -> GiftOrder:
    """The user's draft list, made when there is none (requires a company profile: raises NotACompany). A user has
    one draft at most (the index uq_gift_orders_user_id_draft): when another request of the user stored one after
    this one found none (two first visits at once), it is that one."""
    require_company(user)
    return get_draft(user) or _add_draft(user) or get_draft(user)


def _add_draft(user) -> GiftOrder | None:
    """A new draft for ``user``, stored; None when the user's draft was stored meanwhile by another request."""
    gift = GiftOrder(user_id=user.id)
    return gift if add_unless_taken(gift) else None


def _hold_draft_of(user_id: int) -> GiftOrder | None:
    """The user's draft as stored now, its row held until the commit (PostgreSQL; on SQLite the write lock does)."""
    return db.session.scalar(
        select(GiftOrder).where(GiftOrder.user_id == user_id, GiftOrder.status == GiftOrderStatus.DRAFT)
        .with_for_update().execution_options(populate_existing=True))


def _is_empty(gift: GiftOrder) -> bool:
    """Nothing of the company's in it: no rows, no upload waiting, no card (a draft made by opening the page)."""
    has_rows = db.session.scalar(select(exists().where(GiftRecipient.gift_order_id == gift.id)))
    return not (has_rows or gift.pending_rows or gift.common_message or gift.logo_key)


def _hold_draft(gift: GiftOrder) -> None:
    """Before any change of a list (its rows, a waiting upload, the card): the list must be a draft as the database
    has it now, not as it was read (another tab or a second click may have ordered it since). A conditional UPDATE
    decides, and raises the list's revision: an ordering that read the rows before this change is refused when it
    claims the list (place_gift_order claims the revision it read). On PostgreSQL it holds the list's row until the
    caller commits (on SQLite the write lock does): the list's row before its rows, the order place_gift_order
    takes them in (last, after the stock, the counter and the slots). The list and its rows are read again after
    it. Raises ListOrdered; nothing is changed."""
    held = db.session.execute(
        update(GiftOrder)
        .where(GiftOrder.id == gift.id, GiftOrder.status == GiftOrderStatus.DRAFT)
        .values(updated_at=utcnow(), revision=GiftOrder.revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not held:
        raise ListOrdered(_l("Deze lijst is al besteld."))
    for recipient in gift.__dict__.get("recipients", ()):  # rows read before: read again too
        db.session.expire(recipient)
    db.session.expire(gift)


def _clean(values: dict) -> dict[str, str]:
    return {name: str(values.get(name) or "").strip()[:_limit(name)] for name in RECIPIENT_FIELDS}


def _limit(name: str) -> int:
    return GiftRecipient.__table__.c[name].type.length


def _replace_recipients(gift: GiftOrder, rows: list[dict]) -> None:
    gift.recipients.clear()
    db.session.flush()
    for position, values in enumerate(rows):
        gift.recipients.append(GiftRecipient(position=position, **_clean(values)))
    gift.pending_rows = []
    gift.pending_filename = ""
    db.session.flush()


def receive_upload(gift: GiftOrder, rows: list[dict], filename: str = "") -> bool:
    """An uploaded list: taken at once when the draft is empty (returns False), else kept aside until the
    company confirms the changes (returns True). Raises ListOrdered when the list is no longer a draft."""
    _hold_draft(gift)
    if not gift.recipients:
        _replace_recipients(gift, rows)
        return False
    gift.pending_rows = [_clean(values) for values in rows]
    gift.pending_filename = (filename or "")[:200]
    db.session.flush()
    return True


@dataclass
class ListChanges:
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    changed: list[tuple[dict[str, str], dict[str, str], list[str]]] = field(default_factory=list)  # old, new, fields
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _identity(values: dict[str, str]) -> tuple[str, str]:
    """Who a row is for: the recipient's name and postcode (a changed street or gift is a change of that row)."""
    return fold(values.get("name", "")), fold(values.get("postcode", ""))


def list_changes(current: list[dict[str, str]], new: list[dict[str, str]]) -> ListChanges:
    """What a new list changes against the current one, row by recipient (name and postcode; the n-th row of a
    recipient named twice matches the n-th): added, removed, changed (with the fields that differ)."""
    changes = ListChanges()
    remaining: dict[tuple, list[dict[str, str]]] = {}
    for values in current:
        remaining.setdefault(_identity(values), []).append(values)
    for values in new:
        candidates = remaining.get(_identity(values))
        if not candidates:
            changes.added.append(values)
            continue
        old = candidates.pop(0)
        differing = [name for name in RECIPIENT_FIELDS if (old.get(name) or "") != (values.get(name) or "")]
        if differing:
            changes.changed.append((old, values, differing))
        else:
            changes.unchanged += 1
    changes.removed = [values for group in remaining.values() for values in group]
    return changes


def pending_changes(gift: GiftOrder) -> ListChanges:
    return list_changes([r.values() for r in gift.recipients], list(gift.pending_rows or []))


def confirm_upload(gift: GiftOrder) -> None:
    """The waiting upload becomes the list. Raises ListOrdered when the list is no longer a draft."""
    _hold_draft(gift)
    if gift.pending_rows:
        _replace_recipients(gift, list(gift.pending_rows))


def discard_upload(gift: GiftOrder) -> None:
    """The waiting upload is dropped. Raises ListOrdered when the list is no longer a draft."""
    _hold_draft(gift)
    gift.pending_rows = []
    gift.pending_filename = ""
    db.session.flush()


def update_recipients(gift: GiftOrder, edits: dict[int, dict], *, remove: set[int] = frozenset(),
                      add: int = 0) -> None:
    """Edits from the table: ``edits`` maps a recipient's id to its new values, ``remove`` the ids to drop,
    ``add`` the number of empty rows to add at the end. Ids of another list are ignored. Raises ListOrdered when
    the list is no longer a draft."""
    _hold_draft(gift)
    by_id = {r.id: r for r in gift.recipients}
    for recipient_id, values in edits.items():
        recipient = by_id.get(recipient_id)
        if recipient is not None:
            for name, value in values.items():
                if name in RECIPIENT_FIELDS:
                    setattr(recipient, name, str(value or "").strip()[:_limit(name)])
    for recipient_id in remove:
        if recipient_id in by_id:
            gift.recipients.remove(by_id[recipient_id])
    last = max((r.position for r in gift.recipients), default=-1)
    for offset in range(max(0, min(add, 50))):
        gift.recipients.append(GiftRecipient(position=last + 1 + offset))
    db.session.flush()


def set_card(gift: GiftOrder, message: str, *, logo=None, remove_logo: bool = False) -> str | None:
    """The common message (at most the gift message's length) and the logo of every gift card. The logo is
    checked like a product photo (decoded, re-encoded, size and pixel limits: raises ImageRejected). Returns
    the key of a replaced logo, for the caller to delete once committed. Raises ListOrdered when the list is no
    longer a draft (before the logo is stored)."""
    message = (message or "").strip()
    maximum = get_settings().gift_message_max_length
    if len(message) > maximum:
        raise GiftError(_l("De boodschap mag hoogstens %(max)s tekens zijn (nu %(count)s)."), max=maximum,
                        count=len(message))
    _hold_draft(gift)
    gift.common_message = message
    old = None
    if logo is not None:
        stored = process_upload(logo, kind="logo")
        old, gift.logo_key = gift.logo_key, stored.key
    elif remove_logo:
        old, gift.logo_key = gift.logo_key, None
    db.session.flush()
    return old


def delete_logo(key: str | None) -> None:
    delete_stored(key)


def check_gift(gift: GiftOrder, *, now: datetime | None = None) -> ListCheck:
    return check_list([r.values() for r in gift.recipients], now=now)


# --- ordering ----------------------------------------------------------------------------------------------------


def _recipient_name(values: dict[str, str]) -> str:
    name, company = values["name"].strip(), values["company"].strip()
    return f"{name}, {company}" if company else name


def place_gift_order(gift: GiftOrder, *, by, locale: str = "nl", now: datetime | None = None) -> Order:
    """Order the whole list as ONE order awaiting payment, in the caller's transaction (the caller commits).

    Every row is checked again; the order is the company's (profile details, checked), one shipment per
    recipient (home delivery, its day, zone and fee, the personal message) with its own lines (snapshots as at
    checkout: name, unit, price, VAT rate, package components with their shares); the stock of all rows is taken
    at once, then one parcel of each shipment's delivery day (a slot booking per shipment). Raises NotACompany,
    ListNotReady (rows with errors), GiftOutOfStock, DayFull, ListOrdered when the list is not (or no longer) a
    draft, or ListChanged when it was changed after its rows were read; the caller rolls back and nothing is
    ordered.
    """
    now = now or shop_now()
    day = now.date()
    profile = require_company(by)
    if gift.status != GiftOrderStatus.DRAFT or gift.user_id != by.id:
        raise ListOrdered(_l("Deze lijst is al besteld."))
    revision = gift.revision  # read before its rows: a change stored after it raises it
    company = check_company_details(details_of(profile))
    checked = check_gift(gift, now=now)
    if not checked.ok:
        raise ListNotReady(checked)

    order = new_order(by=by, email=by.email, name=getattr(by, "name", "") or company.legal_name, company=company,
                      goods_cents=checked.goods_cents, delivery_fee_cents=checked.fee_cents, locale=locale,
                      note=f"bedrijfsgeschenken: {len(checked.rows)} ontvangers")
    shipments = []
    for row, recipient in zip(checked.rows, gift.recipients, strict=True):
        values = row.values
        shipment = Shipment(
            method=DeliveryMethod.DELIVERY, scheduled_date=row.day, recipient_name=_recipient_name(values),
            street=values["street"].strip(), postcode=row.postcode, city=values["city"].strip(), country="BE",
            zone=row.zone.code, fee_cents=row.fee_cents, is_gift=True, gift_message=values["message"].strip(),
            hide_prices=True,
        )
        item = row.item
        line = order_line(item, quantity=row.quantity, unit_price_cents=item.price_cents, total_cents=row.goods_cents,
                          vat_rate=row.vat_rate,
                          perishable=(item.perishable if isinstance(item, Product)
                                      else any(c.product.perishable for c in item.components)),
                          shares=row.shares, locale=locale)
        order.shipments.append(shipment)
        order.lines.append(line)
        shipment.lines.append(line)
        shipments.append((recipient, shipment))

    try:
        movements = take_stock(checked.stock_needed, MovementReason.ORDER, by=by)
    except OutOfStock as error:
        product = db.session.get(Product, error.product_id)
        raise GiftOutOfStock(
            _l("Van %(name)s is intussen niet genoeg voorraad meer voor de hele lijst. Er is niets besteld; "
               "bekijk de lijst opnieuw."), name=product.name if product else "?") from error
    # The number after the stock, as at checkout (shop.checkout.services.place_order): every placing takes its
    # locks in the same order (stock rows, the counter, then the slots) and holds the counter only for the last
    # writes.
    order.number = next_order_number(day.year)
    for movement in movements:
        movement.note = order.number
    db.session.add(order)
    db.session.flush()
    try:
        take_slots(order.id, [SlotRequest(SlotKind.DELIVERY, shipment.scheduled_date, units=1,
                                          shipment_id=shipment.id) for _, shipment in shipments], now=now)
    except SlotError as error:  # full, closed, or no longer offered since the check
        raise DayFull(_l("Een leverdag van de lijst is intussen volzet. Er is niets besteld; bekijk de lijst "
                         "opnieuw en kies een andere dag.")) from error

    # Still a draft, with the rows ordered? Checked above on the list as read, it may have been ordered since by
    # another request (the button clicked twice): only one of them changes it, the other is refused and its order
    # rolled back; or changed by another tab (_hold_draft raises its revision): its rows are no longer those
    # ordered, refused too. Taken last, after the stock, the counter and the slots, as every placing takes its
    # locks in that order.
    claimed = db.session.execute(
        update(GiftOrder)
        .where(GiftOrder.id == gift.id, GiftOrder.status == GiftOrderStatus.DRAFT, GiftOrder.revision == revision)
        .values(status=GiftOrderStatus.PLACED, order_id=order.id)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        if db.session.scalar(select(GiftOrder.status).where(GiftOrder.id == gift.id)) == GiftOrderStatus.DRAFT:
            raise ListChanged(_l("De lijst is intussen gewijzigd, bv. in een ander venster. Er is niets besteld; "
                                 "bekijk de lijst opnieuw."))
        raise ListOrdered(_l("Deze lijst is al besteld."))
    db.session.refresh(gift, attribute_names=["status", "order_id"])
    for recipient, shipment in shipments:
        recipient.shipment_id = shipment.id
    db.session.flush()
    return order


def _reopen(gift: GiftOrder) -> None:
    """The list is a draft again: no order, its recipients no shipment."""
    gift.status = GiftOrderStatus.DRAFT
    gift.order_id = None
    for recipient in gift.recipients:
        recipient.shipment_id = None
    db.session.flush()


def reopen_when_cancelled_unpaid(order: Order, from_status: OrderStatus, **_context) -> None:
    """A gift list's order cancelled before it was ever paid (a quote declined or lapsed, a transfer that never
    came, a payment session that expired or failed): the list is a draft again, with its recipients, so the
    company can order it anew. Not when the order had been paid (staff cancelled it and refunded), nor when the
    company started another list meanwhile (a user has at most one draft): a draft with anything in it (rows, an
    upload waiting, the card) is kept and the cancelled list stays as it was; an empty one (made by opening the
    list page again) gives way to it. A lifecycle effect (connect_to_orders)."""
    if order.paid_at is not None:
        return
    gift = db.session.scalar(select(GiftOrder).where(GiftOrder.order_id == order.id,
                                                     GiftOrder.status == GiftOrderStatus.PLACED))
    if gift is None:
        return
    for _attempt in range(2):
        # The other draft's row held until the commit (PostgreSQL), after the order's stock and slots, as every
        # placing takes them.
        other = _hold_draft_of(gift.user_id)
        if other is not None and not _is_empty(other):
            return
        try:
            with db.session.begin_nested():
                if other is not None:
                    db.session.delete(other)
                    db.session.flush()
                _reopen(gift)
            return
        except IntegrityError:  # a draft stored since it was looked for (the page opened at this moment)
            continue


def connect_to_orders() -> None:
    """A gift list whose order is cancelled unpaid becomes a draft again (called by create_app)."""
    add_effect(OrderStatus.CANCELLED, reopen_when_cancelled_unpaid)
