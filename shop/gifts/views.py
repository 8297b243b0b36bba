"""Company gifts at ``/bedrijfsgeschenken``: the list (upload, template, editable table, card), the changes of a
second upload, and ordering it as one order paid at once.

Only a customer with a company profile uses them; others are sent to /account/bedrijf.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.accounts.models import Role
from shop.catalog.images import ImageRejected
from shop.checkout.views import pay_placed_order
from shop.core.clock import shop_now
from shop.core.errors import DomainError
from shop.core.i18n import current_language
from shop.core.security import mark_personal
from shop.core.settings import get_settings
from shop.extensions import db
from shop.gifts import services
from shop.gifts.checks import DEDUCTIBLE_GIFT_LIMIT_CENTS
from shop.gifts.forms import CardForm, ChangesForm, PlaceForm, TableForm, UploadForm, field_name, read_table
from shop.gifts.models import RECIPIENT_FIELDS
from shop.gifts.queries import list_codes
from shop.gifts.recipient_file import UnreadableList, read_recipient_file, template_csv, template_xlsx
from shop.orders.browser_orders import remember_placed
from shop.orders.quotes import can_request_quote, make_quote
from shop.payments.gateway import is_demo_payment

bp = Blueprint("gifts", __name__)
bp.before_request(mark_personal)

PAGE_SIZE = 50  # rows of the editable table per page (a page's fields stay well under the form's limit)

def _labels() -> dict[str, str]:
    return {
        "name": _("Naam"), "company": _("Bedrijf"), "street": _("Straat en nummer"), "postcode": _("Postcode"),
        "city": _("Gemeente"), "country": _("Land"), "message": _("Persoonlijke boodschap"), "item": _("Wat"),
        "quantity": _("Aantal"), "desired_date": _("Gewenste datum"),
    }


def _user():
    user = current_user._get_current_object()
    if user.role != Role.CUSTOMER:
        abort(404)
    return user


def _draft_or_redirect():
    """(the user's draft, None), or (None, a redirect to the company profile page)."""
    user = _user()
    try:
        return services.get_or_create_draft(user), None
    except services.NotACompany as error:
        flash(str(error) + " " + _("Vul eerst je bedrijfsgegevens in."), "info")
        return None, redirect(url_for("accounts.company_profile"), 303)


def _refused(error):
    """A change refused as a whole (the list ordered meanwhile, in another tab or by a second click): nothing of it
    is kept; the list page says why."""
    db.session.rollback()
    flash(str(error), "error")
    return redirect(url_for("gifts.show"), 303)


def _page(gift, *, upload_form=None, card_form=None, status=200):
    checked = services.check_gift(gift)
    show = request.args.get("toon", "fouten" if checked.error_rows else "alle")
    rows = checked.error_rows if show == "fouten" else checked.rows
    page = max(1, request.args.get("pagina", 1, type=int) or 1)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    recipients = {index: recipient for index, recipient in enumerate(gift.recipients)}
    card_form = card_form or CardForm(message=gift.common_message)
    return render_template(
        "gifts/gift_list.html", gift=gift, checked=checked, shown=shown, recipients=recipients, show=show,
        page=page, pages=pages, labels=_labels(), fields=RECIPIENT_FIELDS, field_name=field_name,
        upload_form=upload_form or UploadForm(), card_form=card_form, table_form=TableForm(),
        place_form=PlaceForm(), limit_cents=DEDUCTIBLE_GIFT_LIMIT_CENTS, settings=get_settings(),
        quote_allowed=can_request_quote(checked.total_cents, is_company=True),  # a gift list is a company's
        demo=is_demo_payment(),
    ), status


@bp.get("")
@login_required
def show():
    gift, back = _draft_or_redirect()
    if back:
        return back
    db.session.commit()
    if gift.pending_rows:
        return redirect(url_for("gifts.changes"), 303)
    return _page(gift)


@bp.get("/sjabloon.xlsx")
@login_required
def template_xlsx_download():
    from flask import Response

    return Response(template_xlsx(list_codes()),
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="ontvangers-sjabloon.xlsx"'})


@bp.get("/sjabloon.csv")
@login_required
def template_csv_download():
    from shop.core.downloads import csv_response

    return csv_response(template_csv(list_codes()), "ontvangers-sjabloon.csv")


@bp.post("/lijst")
@login_required
def upload():
    gift, back = _draft_or_redirect()
    if back:
        return back
    form = UploadForm()
    if not form.validate():
        return _page(gift, upload_form=form, status=422)
    storage = request.files.get("file")
    try:
        rows = read_recipient_file(storage.read() if storage else b"", storage.filename if storage else "")
    except UnreadableList as error:
        form.file.errors = [str(error)]
        return _page(gift, upload_form=form, status=422)
    try:
        staged = services.receive_upload(gift, rows, storage.filename or "")
    except services.ListOrdered as error:
        return _refused(error)
    db.session.commit()
    if staged:
        return redirect(url_for("gifts.changes"), 303)
    flash(_("%(count)s ontvangers gelezen.", count=len(rows)), "success")
    return redirect(url_for("gifts.show"), 303)


@bp.get("/wijzigingen")
@login_required
def changes():
    gift, back = _draft_or_redirect()
    if back:
        return back
    if not gift.pending_rows:
        return redirect(url_for("gifts.show"), 303)
    return render_template("gifts/gift_changes.html", gift=gift, changes=services.pending_changes(gift),
                           labels=_labels(), fields=RECIPIENT_FIELDS, form=ChangesForm())


@bp.post("/wijzigingen")
@login_required
def apply_changes():
    gift, back = _draft_or_redirect()
    if back:
        return back
    form = ChangesForm()
    if not form.validate():
        abort(400)
    try:
        if request.form.get("action") == "confirm":
            services.confirm_upload(gift)
            message, category = _("De nieuwe lijst vervangt de vorige."), "success"
        else:
            services.discard_upload(gift)
            message, category = _("De nieuwe lijst is niet gebruikt; de vorige blijft."), "info"
    except services.ListOrdered as error:
        return _refused(error)
    db.session.commit()
    flash(message, category)
    return redirect(url_for("gifts.show"), 303)


@bp.post("/tabel")
@login_required
def save_table():
    gift, back = _draft_or_redirect()
    if back:
        return back
    form = TableForm()
    if not form.validate():
        abort(400)
    edits, remove, add = read_table(request.form)
    try:
        services.update_recipients(gift, edits, remove=remove, add=add)
    except services.ListOrdered as error:
        return _refused(error)
    db.session.commit()
    flash(_("De lijst is bewaard."), "success")
    args = {key: value for key, value in request.args.items() if key in ("toon", "pagina")}
    return redirect(url_for("gifts.show", **args) + "#lijst", 303)


@bp.post("/kaart")
@login_required
def save_card():
    gift, back = _draft_or_redirect()
    if back:
        return back
    form = CardForm()
    if not form.validate():
        return _page(gift, card_form=form, status=422)
    logo = request.files.get("logo")
    try:
        old = services.set_card(gift, form.message.data or "", logo=logo if logo and logo.filename else None,
                                remove_logo=bool(form.remove_logo.data))
    except services.ListOrdered as error:
        return _refused(error)
    except ImageRejected as error:
        db.session.rollback()
        form.logo.errors = [str(error)]
        return _page(gift, card_form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        form.message.errors = [str(error)]
        return _page(gift, card_form=form, status=422)
    db.session.commit()
    services.delete_logo(old)
    flash(_("De wenskaart is bewaard."), "success")
    return redirect(url_for("gifts.show"), 303)


@bp.post("/bestellen")
@login_required
def place():
    gift, back = _draft_or_redirect()
    if back:
        return back
    form = PlaceForm()
    if not form.validate():
        abort(400)
    user = _user()
    as_quote = request.form.get("how") == "quote"
    try:
        order = services.place_gift_order(gift, by=user, locale=current_language())
        if as_quote:  # the same transaction: a quote that is refused leaves nothing ordered
            make_quote(order, now=shop_now(), by=user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("gifts.show"), 303)
    db.session.commit()
    remember_placed(order)

    # How the placed order is paid (a quote, or Stripe Checkout), as at checkout. A payment that cannot start
    # cancels the order, and the lifecycle's cancel effect makes the list a draft again
    # (services.reopen_when_cancelled_unpaid).
    return pay_placed_order(order, as_quote=as_quote, back_url=url_for("gifts.show"))
