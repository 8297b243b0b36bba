"""Routes of the payments domain: Stripe's success and cancel return pages, the demo payment page and the
Stripe webhook."""

from __future__ import annotations

import logging
from functools import partial

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shop.core.db import after_commit
from shop.core.errors import DomainError
from shop.core.security import mark_personal
from shop.extensions import csrf, db
from shop.orders.browser_orders import is_placed_here
from shop.orders.models import Order, OrderStatus, PaymentProvider, PaymentStatus
from shop.payments import services, webhook
from shop.payments.demo import demo_allowed
from shop.payments.gateway import StripeGateway
from shop.payments.interface import InvalidWebhook, MalformedEvent, PaymentUnavailable

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__)
bp.before_request(mark_personal)  # a customer's order paid, cancelled or to pay


def _order_by_token(status_token: str) -> Order:
    order = db.session.scalars(select(Order).where(Order.status_token == status_token)).first()
    if order is None:
        abort(404)
    return order


def _status_redirect(order: Order):
    return redirect(url_for("orders.status", token=order.status_token), 303)


@bp.get("/afrekenen/bevestiging")
def success():
    """Stripe's success_url: confirm by retrieving the session (the webhook may still be on its way).

    The session id in the link is no secret of the buyer's (it sits in URLs, histories and logs): whoever has
    it gets the payment confirmed (harmless), but only the browser that placed the order (or its logged-in
    customer) is sent on to the order's status page, with the recipient, address and gift message; any other
    sees a thank-you page that shows nothing of the order.
    """
    session_id = request.args.get("session_id", "")
    order = db.session.scalars(select(Order).where(Order.payment_session_id == session_id)).first() if session_id else None
    if order is None:
        abort(404)
    # A cancelled order may still have been paid at the last moment: the same rule as the webhook applies.
    unsettled = order.status == OrderStatus.PENDING_PAYMENT or (
        order.status == OrderStatus.CANCELLED and order.paid_at is None
        and order.payment_status != PaymentStatus.PAID_AFTER_CANCELLATION
    )
    if unsettled:
        try:
            services.settle_from_session(order, actor="customer")
            db.session.commit()
        except PaymentUnavailable:
            db.session.rollback()
        services.send_requested_refunds(order)  # a payment after cancellation is paid back
        db.session.refresh(order)
    if not is_placed_here(order):
        return render_template("payments/payment_thanks.html")
    if order.status == OrderStatus.PENDING_PAYMENT:
        flash(_("We bevestigen je betaling zodra de betaaldienst ze doorgeeft. Je krijgt dan ook een e-mail."), "info")
    elif order.payment_status == PaymentStatus.PAID_AFTER_CANCELLATION:
        flash(_paid_after_cancellation_message(), "warning")
    return _status_redirect(order)


def _paid_after_cancellation_message() -> str:
    """What a customer whose payment came in after the order was cancelled is told (the money goes back)."""
    return _("Je betaling kwam binnen nadat je bestelling al geannuleerd was. We storten het volledige bedrag "
             "automatisch terug en sturen je een e-mail.")


def _refill_cart(order: Order):
    """Put the cancelled order's lines back in the visitor's cart, telling what did not fit. Returns the cart."""
    from shop.cart.services import get_or_create_cart
    from shop.cart.views import cart_token

    cart = get_or_create_cart(cart_token())
    for name, reason in services.refill_cart(cart, order):
        flash(_("%(name)s kon niet terug in je winkelmand: %(reason)s", name=name, reason=reason), "warning")
    return cart


def _back_to_cart(cart, message: str):
    from shop.cart.views import CART_COOKIE, set_cart_cookie

    flash(message, "info")
    response = make_response(redirect(url_for("cart.show"), 303))
    if cart is not None and request.cookies.get(CART_COOKIE) != cart.token:
        set_cart_cookie(response, cart.token)
    return response


def _give_up(order: Order, *, actor: str, failed: bool = False):
    """Cancel a pending order (stock back) and refill the cart with its lines, once."""
    changed = (services.payment_failed if failed else services.abandon)(order, actor=actor)
    cart = _refill_cart(order) if changed else None
    db.session.commit()
    if failed:
        return _back_to_cart(cart, _("Je betaling is mislukt; je bestelling is geannuleerd en je winkelmand staat klaar."))
    return _back_to_cart(cart, _("Je betaling is geannuleerd; je winkelmand staat klaar."))


@bp.get("/afrekenen/geannuleerd/<status_token>")
def cancel(status_token: str):
    """Stripe's cancel_url: the buyer came back from Stripe without paying. A GET changes nothing (a link can be
    opened by anyone, or by a browser fetching ahead): it shows the order still waiting for its payment, with
    a button that cancels it (cancel_action)."""
    order = _order_by_token(status_token)
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_provider == PaymentProvider.TRANSFER:
        return _status_redirect(order)
    return render_template("payments/payment_cancel.html", order=order)


@bp.post("/afrekenen/geannuleerd/<status_token>")
def cancel_action(status_token: str):
    """The buyer gives up paying: expire the session so it can no longer be paid, then cancel the order and
    put its lines back in the cart."""
    order = _order_by_token(status_token)
    if order.payment_provider == PaymentProvider.TRANSFER:  # not Stripe's: its transfer or expiry settles it
        return _status_redirect(order)
    if order.status != OrderStatus.PENDING_PAYMENT:
        if order.status == OrderStatus.CANCELLED:
            return _back_to_cart(None, _("Je betaling is geannuleerd; je winkelmand staat klaar."))
        return _status_redirect(order)
    try:  # the session first, so it can no longer be paid: never cancel an order that may be paid
        services.end_payment_session(order)
    except services.PaidMeanwhile:
        db.session.commit()  # paid meanwhile (the status page says so), or the payment is on its way
        if order.status == OrderStatus.PENDING_PAYMENT:
            flash(_("We konden je betaling nu niet annuleren. Probeer het zo meteen opnieuw."), "error")
        return _status_redirect(order)
    except PaymentUnavailable:
        db.session.rollback()
        flash(_("We konden je betaling nu niet annuleren. Probeer het zo meteen opnieuw."), "error")
        return _status_redirect(order)
    return _give_up(order, actor="customer")


# ---------------------------------------------------------------------------------------------- quotes

@bp.post("/bestelling/<status_token>/offerte")
def quote_answer(status_token: str):
    """The company accepts its quote (then pays by bank transfer) or declines it (its stock is freed), from the
    status page behind the order's secret link. A stale or replayed form changes nothing and says why."""
    from shop.core.clock import shop_now
    from shop.orders.quotes import decline_quote
    from shop.payments.transfers import accept_quote

    order = _order_by_token(status_token)
    action = request.form.get("action")
    if action not in ("accept", "decline"):
        abort(400)
    by = current_user if current_user.is_authenticated else None
    now = shop_now()
    try:
        if action == "accept":
            accept_quote(order, now=now, by=by)
        else:
            decline_quote(order, today=now.date(), by=by)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _status_redirect(order)
    db.session.commit()
    if action == "accept":
        flash(_("Bedankt! Je offerte is aanvaard. Betaal met een overschrijving zoals hieronder; je krijgt dit ook "
                "per e-mail."), "success")
    else:
        flash(_("Je hebt de offerte afgewezen. De gereserveerde artikelen zijn vrijgegeven."), "info")
    return _status_redirect(order)


# ---------------------------------------------------------------------------------------------- demo

def _demo_order(status_token: str) -> Order:
    if not demo_allowed():
        abort(404)
    order = _order_by_token(status_token)
    if order.payment_provider != PaymentProvider.DEMO:
        abort(404)
    return order


@bp.get("/betalen/demo/<status_token>")
def demo(status_token: str):
    order = _demo_order(status_token)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return _status_redirect(order)
    return render_template("payments/demo_pay.html", order=order)


@bp.post("/betalen/demo/<status_token>")
def demo_action(status_token: str):
    order = _demo_order(status_token)
    action = request.form.get("action")
    if action not in ("pay", "fail", "abandon"):
        abort(400)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return _status_redirect(order)
    if action == "pay":
        services.payment_succeeded(order, payment_intent_id=f"demo_pi_{order.number}", actor="customer (demo)")
        db.session.commit()
        # Said as it stands now: an order cancelled since it was read above (another tab, the expiry) is not paid
        # by this payment, which is paid back instead.
        if order.payment_status == PaymentStatus.PAID_AFTER_CANCELLATION:
            flash(_paid_after_cancellation_message(), "warning")
        else:
            flash(_("Bedankt! Je (demo)betaling is gelukt."), "success")
        return _status_redirect(order)
    return _give_up(order, actor="customer (demo)", failed=action == "fail")


# ---------------------------------------------------------------------------------------------- webhook

@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        abort(404)
    try:
        event = StripeGateway().parse_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
        webhook.check_event(event)
    except MalformedEvent as error:  # signed, but not an event the shop can read: Stripe need not retry it
        log.warning("Stripe webhook refused, malformed: %s", error)
        return {"error": "malformed event"}, 400
    except InvalidWebhook as error:
        log.warning("Stripe webhook refused: %s", error)
        return {"error": "invalid signature"}, 400
    try:
        result = webhook.handle_event(event)
        # A payment after cancellation is paid back: once committed, after the answer (Stripe need not wait).
        after_commit(partial(webhook.send_requested_refunds, event["id"]))
        db.session.commit()
    except webhook.AlreadyHandled:  # its id is recorded: a duplicate, or handled concurrently and committed
        db.session.rollback()
        return {"status": "already processed"}, 200
    except Exception:  # Stripe retries on any 5xx: nothing of this event is kept
        db.session.rollback()
        log.exception("Stripe event %s (%s) failed", event.get("id"), event.get("type"))
        return {"error": "failed"}, 500
    return {"status": result}, 200
