"""Checkout at ``/afrekenen``: one form page, a review step, then the order and the payment page.

The checkout data lives in the Flask session (signed), never in hidden fields; the cart is priced again
from the database at every step and once more when the order is placed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.company import InvalidCompanyDetails, details_of, get_company_profile
from shop.checkout.delivery import DeliveryError, delivery_fee_cents, shop_now
from shop.checkout.forms import CheckoutForm, ReviewForm
from shop.checkout.services import CartChanged, CheckoutData, EmptyCart, place_order, plan_for
from shop.core.errors import DomainError
from shop.core.i18n import current_language
from shop.core.security import mark_personal
from shop.core.settings import get_settings
from shop.core.vat_number import InvalidCompanyData
from shop.extensions import db
from shop.inventory.services import OutOfStock
from shop.orders import lifecycle
from shop.orders.browser_orders import remember_placed
from shop.orders.models import DeliveryMethod, OrderStatus
from shop.orders.queries import priced_cart_vat_lines
from shop.orders.quotes import QuoteRefused, can_request_quote, make_quote
from shop.payments.gateway import is_demo_payment
from shop.payments.interface import PaymentUnavailable
from shop.payments.services import refill_cart, return_urls, start_payment
from shop.scheduling.days import delivery_days, pickup_days
from shop.scheduling.services import delivery_slots, pickup_slots

bp = Blueprint("checkout", __name__)
bp.before_request(mark_personal)  # names, addresses and the order being placed

SESSION_KEY = "checkout"


def _day(value) -> str:
    return format_date(value, "EEEE d MMMM") if value else ""


def _load_cart(now=None):
    """(cart, priced cart) of the visitor, priced today (the day of ``now``) from the database."""
    from shop.cart.services import price_cart
    from shop.cart.views import current_cart

    cart = current_cart()
    priced = price_cart(cart, (now or shop_now()).date()) if cart is not None else None
    return cart, priced


def _cart_not_ready(priced):
    """A redirect to the cart when it is empty or has problems, else None."""
    if priced is None or not priced.lines:
        flash(_("Je winkelmand is leeg. Kies eerst een pakket of producten."), "info")
        return redirect(url_for("cart.show"), 303)
    if priced.problems:
        for problem in priced.problems:
            flash(problem, "error")
        return redirect(url_for("cart.show"), 303)
    return None


def _current_user():
    return current_user if current_user and current_user.is_authenticated else None


def _start_context(form, priced):
    settings = get_settings()
    now = shop_now()
    return dict(
        form=form,
        priced=priced,
        settings=settings,
        first_pickup=(pickup_days(now) or [None])[0],
        first_delivery=(delivery_days(now) or [None])[0],
        zone_fees=[(zone, delivery_fee_cents(zone, priced.goods_cents)) for zone in settings.zones],
        day_label=_day,
    )


def _prepare_form(form: CheckoutForm) -> tuple[list, dict]:
    """Sets the form's day and hour choices; returns the pickup days that still have a free hour, and each
    pickup day's hours with their state."""
    now = shop_now()
    pickup = pickup_slots(pickup_days(now), now=now)
    form.set_slot_choices(pickup, delivery_slots(delivery_days(now)), _day)
    return [day for day, slots in pickup.items() if any(not s.is_full for s in slots)], pickup


def _preselect_pickup(form: CheckoutForm, pdays: list, pickup: dict) -> None:
    """UX §8: a day or hour that can no longer be chosen is replaced by the next one with room, preselected."""
    if not pdays:
        return
    if form.pickup_date.data not in {d.isoformat() for d in pdays}:
        form.pickup_date.data = pdays[0].isoformat()
    day = next(d for d in pdays if d.isoformat() == form.pickup_date.data)
    free = [s.key for s in pickup[day] if not s.is_full]
    if form.pickup_time.data not in free:
        form.pickup_time.data = free[0]


SLOT_ERROR_KEY = "checkout_slot_error"


@bp.get("/afrekenen")
def start():
    cart, priced = _load_cart()
    not_ready = _cart_not_ready(priced)
    if not_ready:
        return not_ready
    form = CheckoutForm()
    pdays, pickup = _prepare_form(form)
    saved = CheckoutData.from_session(session.get(SESSION_KEY))
    if saved:
        form.fill_from(saved)
    else:
        profile = get_company_profile(_current_user())
        if profile is not None:
            form.fill_company_from(details_of(profile))
    # A slot that filled up between choosing and placing: its message at its field (set by place()).
    slot_error = session.pop(SLOT_ERROR_KEY, None)
    if slot_error and hasattr(form, slot_error.get("field", "")):
        field = getattr(form, slot_error["field"])
        field.errors = [*field.errors, slot_error["message"]]
    _preselect_pickup(form, pdays, pickup)
    return render_template("checkout/checkout_start.html", **_start_context(form, priced)), 422 if slot_error else 200


@bp.post("/afrekenen")
def submit():
    cart, priced = _load_cart()
    not_ready = _cart_not_ready(priced)
    if not_ready:
        return not_ready
    form = CheckoutForm()
    pdays, pickup = _prepare_form(form)
    if form.validate():
        data = form.to_data()
        try:
            plan_for(data, priced)  # a pickup without a chosen hour gets the first free one
        except DeliveryError as error:
            field = getattr(form, error.field or "method", form.method)
            field.errors = [*field.errors, str(error)]
            if error.field in ("pickup_date", "pickup_time"):
                # The days and hours as they are now: the one refused may have filled since they were read above.
                pdays, pickup = _prepare_form(form)
                _preselect_pickup(form, pdays, pickup)
        else:
            session[SESSION_KEY] = data.to_session()
            return redirect(url_for("checkout.review"), 303)
    return render_template("checkout/checkout_start.html", **_start_context(form, priced)), 422


def _review_page(form, priced, data, plan, status=200):
    """The review page of ``data`` with its ``plan``, as checked once by ``_saved_data_or_redirect``: checking the
    slot again here could find it filled meanwhile, and that is for placing the order to say."""
    return (
        render_template(
            "checkout/checkout_review.html",
            form=form,
            priced=priced,
            data=data,
            plan=plan,
            vat_lines=priced_cart_vat_lines(priced, plan.fee_cents),
            total_cents=priced.goods_cents + plan.fee_cents,
            quote_allowed=can_request_quote(priced.goods_cents + plan.fee_cents, is_company=data.is_company),
            demo=is_demo_payment(),
            settings=get_settings(),
            day_label=_day,
            DeliveryMethod=DeliveryMethod,
        ),
        status,
    )


def _saved_data_or_redirect(priced):
    """(checkout data, its shipment plan, None), or (None, None, a redirect back to the form)."""
    data = CheckoutData.from_session(session.get(SESSION_KEY))
    if data is None:
        return None, None, redirect(url_for("checkout.start"), 303)
    try:
        plan = plan_for(data, priced)
    except DeliveryError as error:
        return None, None, _back_to_form(error)
    return data, plan, None


def _back_to_form(error: DeliveryError):
    """Back to the form: a day or hour that can no longer be had with its message at its field (the next one with
    room preselected), any other delivery rule as a message on top."""
    if error.field in ("pickup_date", "pickup_time", "desired_date"):
        session[SLOT_ERROR_KEY] = {"field": error.field, "message": str(error)}
    else:
        flash(str(error), "error")
    return redirect(url_for("checkout.start"), 303)


@bp.get("/afrekenen/overzicht")
def review():
    cart, priced = _load_cart()
    not_ready = _cart_not_ready(priced)
    if not_ready:
        return not_ready
    data, plan, back = _saved_data_or_redirect(priced)
    if back:
        return back
    return _review_page(ReviewForm(), priced, data, plan)


@bp.post("/afrekenen/overzicht")
def place():
    now = shop_now()
    cart, priced = _load_cart(now)
    not_ready = _cart_not_ready(priced)
    if not_ready:
        return not_ready
    data, plan, back = _saved_data_or_redirect(priced)
    if back:
        return back
    form = ReviewForm()
    if not form.validate():
        return _review_page(form, priced, data, plan, 422)
    as_quote = bool(request.form.get("quote"))
    try:
        # The cart as priced just now, in this transaction: place_order does not price it a second time.
        order = place_order(cart, data, by=_current_user(), locale=current_language(), now=now, priced=priced)
        if as_quote:
            make_quote(order, now=shop_now(), by=_current_user())
    except QuoteRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("checkout.review"), 303)
    except (OutOfStock, CartChanged, EmptyCart) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("cart.show"), 303)
    except DeliveryError as error:
        db.session.rollback()
        return _back_to_form(error)  # a slot gone between choosing and placing: nothing was created
    except (InvalidCompanyDetails, InvalidCompanyData) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("checkout.start"), 303)
    db.session.commit()
    remember_placed(order)  # only this browser is shown the order when the provider sends it back
    return pay_placed_order(order, as_quote=as_quote, back_url=url_for("checkout.review"),
                            after_cancel=lambda: refill_cart(cart, order))


def pay_placed_order(order, *, as_quote: bool, back_url: str, after_cancel=None):
    """How a placed (and committed) order is paid, for the checkout and the gift lists: a quote goes to its status
    page (PDF, then a bank transfer: shop.orders.quotes); otherwise Stripe Checkout (or the demo). A payment that
    cannot start cancels the order (its stock and slots return once; ``after_cancel`` then puts it back where
    it came from) and says so on ``back_url``."""
    if as_quote:
        flash(_("Je offerte %(number)s staat klaar en is ook onderweg per e-mail.", number=order.quote_number),
              "success")
        return redirect(url_for("orders.status", token=order.status_token), 303)
    try:
        payment_url = start_payment(order, **return_urls(order))
    except PaymentUnavailable as error:
        db.session.rollback()
        _cancel_unstarted(order, note=f"betaling kon niet starten: {error}", after_cancel=after_cancel)
        flash(_("De betaling kon niet gestart worden; er is niets aangerekend. Probeer opnieuw."), "error")
        return redirect(back_url, 303)
    db.session.commit()
    return redirect(payment_url, 303)


def _cancel_unstarted(order, *, note: str, after_cancel=None) -> None:
    """A payment that never started: cancel the order (its stock returns), then ``after_cancel`` (the checkout
    refills the cart; a gift list is a draft again through the lifecycle's cancel effect)."""
    db.session.refresh(order)
    if order.status == OrderStatus.PENDING_PAYMENT:
        try:
            lifecycle.transition(order, OrderStatus.CANCELLED, actor="system", note=note[:500])
        except DomainError:
            db.session.rollback()
            return
    if after_cancel is not None:
        after_cancel()  # what no longer fits is left out silently, as before
    db.session.commit()
