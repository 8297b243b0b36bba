"""Refunds: the only path that pays money back. Two steps, and the payment provider is never asked inside an
open write transaction.

1. ``request_refund(order, amount_cents, ...)`` in the caller's transaction: the order's refunded amount grows
   (a conditional UPDATE: never above its total, also for two requests at once) and a Refund is recorded with
   status ``requested``. The caller commits.
2. ``send_refund(refund, provider)`` after that commit: the provider is asked with ``refund-<refund id>`` as
   idempotency key and the refund's id in its metadata, and its answer is recorded (provider id, status). The
   caller commits. A refusal marks the refund ``failed``, gives its amount back to the order and flags the
   order for staff; an unreachable provider leaves it ``requested``.

A crash between the steps leaves a requested refund: ``settle_refund`` (run by reconcile) first looks for it
at the provider by its metadata and records what it finds, and asks again only when the provider has none;
the ``charge.refunded`` webhook records it too. So a refund is never made twice and never left unrecorded.

The provider is passed in by the caller (shop.payments' adapters fit RefundProvider), so orders never imports
payments.

Once the provider has accepted a refund (whatever path recorded it: the request, reconcile, the webhook, a
refund made in the provider's dashboard), ``refund_made`` runs the effects that domains above orders added
with ``add_refund_effect``: invoicing issues the credit note. Effects must be idempotent (a refund may be
recorded twice by two paths); they run in the recording transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from shop.core.errors import DomainError
from shop.core.i18n import eur
from shop.extensions import db
from shop.orders.models import Order, Refund

REQUESTED = "requested"  # recorded, the provider not asked yet (or its answer not recorded yet)
FAILED = "failed"  # the provider refused: the amount went back to the order
# Provider statuses that mean no money goes back (Stripe: failed, canceled); every other answer is a refund made.
NOT_MADE = frozenset({REQUESTED, FAILED, "canceled"})


class RefundRefused(DomainError):
    """A refund that the rules or the provider do not allow (above what is left, nothing paid, refused)."""


class ProviderAnswer(Protocol):
    """What the provider says of one refund (shop.payments.interface.ProviderRefund)."""

    @property
    def id(self) -> str: ...  # empty when refused

    @property
    def status(self) -> str: ...  # the provider's word: pending, succeeded, failed, ...

    @property
    def refused(self) -> str: ...  # why the provider refused to make it; empty when it did not


class RefundProvider(Protocol):
    """What a payment adapter offers for refunds (shop.payments: StripeGateway, DemoGateway). It takes and
    returns plain data, and says a refusal in its answer (``refused``) rather than raising."""

    def payment_reference(self, *, payment_intent_id: str | None, session_id: str | None,
                          order_number: str) -> str | None: ...

    def send_refund(self, *, payment_reference: str, amount_cents: int, refund_id: int, order_id: int,
                    order_number: str) -> ProviderAnswer: ...

    def find_refund(self, *, payment_reference: str, refund_id: int) -> ProviderAnswer | None: ...


def request_refund(order: Order, amount_cents: int, *, reason: str, by=None, request_key: str | None = None,
                   vat_split: dict[int, int] | None = None) -> Refund:
    """Step 1: add ``amount_cents`` to the order's refunded amount, guarded so it never exceeds the total,
    and record a requested Refund. ``vat_split`` (gross cents per VAT rate, summing to the amount) says what
    it pays back at which rate when the caller knows (a missing product); the credit note follows it.
    Raises RefundRefused for a non-positive amount or one above what is left.
    Never commits; nothing leaves the shop until ``send_refund``."""
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise RefundRefused(_l("Een terugbetaling moet een positief bedrag zijn."))
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.refunded_cents + amount_cents <= Order.total_cents)
        .values(refunded_cents=Order.refunded_cents + amount_cents)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order, attribute_names=["refunded_cents"])
    if result.rowcount != 1:
        raise RefundRefused(
            _l("Je kunt hoogstens %(left)s terugbetalen: van %(total)s is al %(refunded)s terugbetaald."),
            left=eur(order.total_cents - order.refunded_cents), total=eur(order.total_cents),
            refunded=eur(order.refunded_cents),
        )
    split = [{"rate": rate, "gross_cents": gross} for rate, gross in sorted((vat_split or {}).items()) if gross]
    if split and sum(part["gross_cents"] for part in split) != amount_cents:
        split = []  # a split that does not add up is not used: the credit note splits the amount itself
    refund = Refund(order_id=order.id, amount_cents=amount_cents, reason=reason, status=REQUESTED,
                    by_user_id=getattr(by, "id", None), request_key=request_key, vat_split=split)
    db.session.add(refund)
    db.session.flush()
    return refund


def list_requested_refunds(order: Order | None = None) -> list[Refund]:
    """Refunds recorded but not yet answered by the provider (of one order, or all), oldest first."""
    query = select(Refund).where(Refund.status == REQUESTED).order_by(Refund.id)
    if order is not None:
        query = query.where(Refund.order_id == order.id)
    return list(db.session.scalars(query))


def _reference(refund: Refund, provider: RefundProvider) -> str:
    order = refund.order
    reference = provider.payment_reference(payment_intent_id=order.payment_intent_id,
                                           session_id=order.payment_session_id, order_number=order.number)
    if not reference:
        _fail(refund, "geen betaling gevonden om terug te storten")
        raise RefundRefused(_l("Deze bestelling heeft geen betaling om terug te storten."))
    return reference


def send_refund(refund: Refund, provider: RefundProvider) -> Refund:
    """Step 2, after step 1 was committed: ask the provider and record its answer. Never commits.

    A refund that is no longer requested is left as it is (sent already). Raises RefundRefused when the
    provider refuses (the refund is then failed, its amount back on the order, the order flagged: commit that)
    and the provider's PaymentUnavailable when it cannot be reached (the refund stays requested).
    """
    if refund.status != REQUESTED:
        return refund
    order = refund.order
    reference = _reference(refund, provider)
    answer = provider.send_refund(payment_reference=reference, amount_cents=refund.amount_cents,
                                  refund_id=refund.id, order_id=order.id, order_number=order.number)
    if answer.refused:
        _fail(refund, answer.refused)
        raise RefundRefused(_l("De betaaldienst weigerde de terugbetaling: %(reason)s"), reason=answer.refused)
    return record_answer(refund, answer)


def settle_refund(refund: Refund, provider: RefundProvider) -> Refund:
    """A requested refund whose answer was never recorded (a crash, an unreachable provider): record what the
    provider already has for it, else send it now. Raises like ``send_refund``. Never commits."""
    if refund.status != REQUESTED:
        return refund
    found = provider.find_refund(payment_reference=_reference(refund, provider), refund_id=refund.id)
    if found is not None:
        return record_answer(refund, found)
    return send_refund(refund, provider)


def record_answer(refund: Refund, answer: ProviderAnswer) -> Refund:
    """Record the provider's id and status on a refund (once the id is known it is kept); a refund the provider
    made runs the refund effects (``refund_made``)."""
    refund.provider_refund_id = refund.provider_refund_id or answer.id
    refund.status = answer.status or "pending"
    db.session.flush()
    refund_made(refund)
    return refund


RefundEffect = Callable[[Refund], object]
_REFUND_EFFECTS: list[RefundEffect] = []


def add_refund_effect(effect: RefundEffect) -> None:
    """Run ``effect(refund)`` whenever the provider has made a refund (``refund_made``), in the recording
    transaction. Adding it twice adds it once."""
    if effect not in _REFUND_EFFECTS:
        _REFUND_EFFECTS.append(effect)


def is_made(refund: Refund) -> bool:
    """Money went back (or is on its way): the provider accepted the refund."""
    return refund.status not in NOT_MADE


def refund_made(refund: Refund) -> None:
    """Every path that records a refund the provider made calls this once it is flushed; effects added by
    domains above orders run (they are idempotent: calling it again for the same refund changes nothing)."""
    if not is_made(refund):
        return
    for effect in _REFUND_EFFECTS:
        effect(refund)


def _fail(refund: Refund, why: str) -> None:
    """The provider will not pay it: give the amount back to the order (once) and flag the order."""
    result = db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == REQUESTED).values(status=FAILED)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return
    order = refund.order
    db.session.execute(
        update(Order).where(Order.id == order.id)
        .values(refunded_cents=Order.refunded_cents - refund.amount_cents)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(refund, attribute_names=["status"])
    db.session.refresh(order, attribute_names=["refunded_cents"])
    order.needs_attention = True
    note = f"Terugbetaling van {eur(refund.amount_cents)} geweigerd door de betaaldienst: {why}"
    order.attention_note = "\n".join(part for part in (order.attention_note, note) if part)
    db.session.flush()
