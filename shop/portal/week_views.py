"""Portal routes of the weekly loop (see shop/portal/views.py): this week's stock and availability, the weekly
order list (resend), shortages, the statement per period (page and PDF) and the producer's profile.

Every route is for producer users only, and every object in a URL is loaded through a query scoped to
``current_user.producer_id``: another producer's id answers 404 and changes nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import producer_required
from shop.catalog.producer_profile import ProfileData, ProfileError, update_producer_profile
from shop.core.clock import shop_today
from shop.core.downloads import pdf_response
from shop.core.errors import DomainError
from shop.core.query_string import period_from_query
from shop.extensions import db
from shop.portal.current import current_producer
from shop.portal.views import bp
from shop.portal.week_forms import PeriodForm, ProfileForm, ResendForm, ShortageForm, week_form
from shop.reporting.statement_pdf import render_statement_pdf
from shop.reporting.statements import build_statement, last_month, month_periods
from shop.supply.producer_lists import (
    confirm_week,
    demand_per_product,
    get_order_list_for_producer,
    list_open_demand,
    list_order_lists,
    list_week_products,
    request_resend,
)
from shop.supply.shortages import (
    STATUS_LABELS,
    get_open_line_for_producer,
    list_shortage_reports,
    my_products_in_line,
    report_shortage,
)


def _producer():
    return current_producer()


# --- this week ------------------------------------------------------------------------------------------------


def _describe(change) -> str:
    parts = []
    if change.old_stock != change.new_stock:
        parts.append(_("voorraad %(old)s → %(new)s", old=change.old_stock, new=change.new_stock))
    if change.was_available != change.available:
        parts.append(_("nu te koop") if change.available else _("niet meer te koop"))
    return f"{change.name}: {', '.join(parts)}"


@bp.route("/week", methods=["GET", "POST"])
@producer_required
def week():
    producer = _producer()
    products = list_week_products(producer.id)
    form = week_form(products)
    if form.validate_on_submit():
        changes = {p.id: (form[f"stock_{p.id}"].data, bool(form[f"available_{p.id}"].data),
                          form[f"seen_{p.id}"].data) for p in products}
        try:
            done = confirm_week(producer, changes, by=current_user)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            # Today's figures of the products this form was made for: one put on sale meanwhile has no field on
            # it (the next load shows it), one taken off sale meanwhile is left out.
            on_form = {product.id for product in products}
            products = [product for product in list_week_products(producer.id) if product.id in on_form]
            for product in products:  # show today's figures as "seen", so that confirming again can work
                seen = form[f"seen_{product.id}"]
                seen.data, seen.raw_data = product.stock, None
        else:
            db.session.commit()
            if done:
                flash(_("Bevestigd. Gewijzigd: %(changes)s.", changes="; ".join(_describe(c) for c in done)),
                      "success")
            else:
                flash(_("Bevestigd: je voorraad en beschikbaarheid blijven zoals ze waren."), "success")
            return redirect(url_for("portal.week"), 303)
    demand = list_open_demand(producer.id)
    return render_template(
        "portal/week.html",
        form=form,
        products=products,
        demand=demand,
        needed=demand_per_product(demand),
        order_lists=list_order_lists(producer.id),
        resend_form=ResendForm(),
    ), (422 if form.errors else 200)


@bp.route("/leverlijsten/<int:order_list_id>/opnieuw", methods=["POST"])
@producer_required
def order_list_resend(order_list_id: int):
    order_list = get_order_list_for_producer(order_list_id, current_user.producer_id)
    if order_list is None:
        abort(404)
    form = ResendForm()
    if not form.validate_on_submit():
        flash(_("Je sessie is verlopen. Probeer opnieuw."), "error")
        return redirect(url_for("portal.week"), 303)
    try:
        queued = request_resend(order_list, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("portal.week"), 303)
    db.session.commit()
    if queued:
        flash(_("De leverlijst voor de week van %(day)s wordt opnieuw verstuurd.",
                day=format_date(order_list.week_start, "d MMMM")), "success")
    else:
        flash(_("Er is geen e-mailadres om de leverlijst naar te sturen."), "error")
    return redirect(url_for("portal.week"), 303)


# --- shortages -------------------------------------------------------------------------------------------------


@bp.route("/tekorten")
@producer_required
def shortage():
    return render_template("portal/shortage_list.html", rows=list_shortage_reports(current_user.producer_id),
                           status_labels=STATUS_LABELS)


@bp.route("/tekorten/nieuw/<int:line_id>", methods=["GET", "POST"])
@producer_required
def shortage_new(line_id: int):
    line = get_open_line_for_producer(line_id, current_user.producer_id)
    if line is None:
        abort(404)
    mine = my_products_in_line(line, current_user.producer_id)
    choices = [(product.id, _("%(name)s (%(needed)s nodig)", name=product.name, needed=needed), needed)
               for product, needed in mine]
    form = ShortageForm(choices)
    if form.validate_on_submit():
        product = next(product for product, _needed in mine if product.id == form.product_id.data)
        try:
            report_shortage(line, product, form.quantity.data, form.note.data or "", by=current_user)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Tekort gemeld: %(quantity)s × %(name)s voor bestelling %(number)s. Het Groot Vleeshuis zoekt "
                    "een oplossing.", quantity=form.quantity.data, name=product.name, number=line.order.number),
                  "success")
            return redirect(url_for("portal.shortage"), 303)
    return render_template("portal/shortage_new.html", form=form, line=line, mine=mine), (422 if form.errors else 200)


# --- statements ------------------------------------------------------------------------------------------------


def _period():
    """(form, start, end): the period asked for, last month by default; (form, None, None) when invalid."""
    return period_from_query(request.args, PeriodForm, last_month(shop_today()))


@bp.route("/afrekeningen")
@producer_required
def statements():
    form, start, end = _period()
    statement = build_statement(current_user.producer_id, start, end) if start else None
    return render_template(
        "portal/statement.html", form=form, statement=statement, months=month_periods(shop_today()),
    ), (200 if statement is not None else 422)


@bp.route("/afrekeningen/pdf")
@producer_required
def statement_pdf():
    form, start, end = _period()
    if start is None:
        return render_template("portal/statement.html", form=form, statement=None,
                               months=month_periods(shop_today())), 422
    producer = _producer()
    statement = build_statement(producer.id, start, end)
    filename = f"afrekening-{producer.slug}-{start.isoformat()}-{end.isoformat()}.pdf"
    return pdf_response(render_statement_pdf(statement, producer), filename)


# --- the producer's profile ------------------------------------------------------------------------------------


@bp.route("/bedrijf", methods=["GET", "POST"])
@producer_required
def profile():
    producer = _producer()
    form = ProfileForm()
    if not form.is_submitted():
        translations = producer.translations or {}
        form.story.data = producer.story
        form.story_fr.data = translations.get("fr", {}).get("story", "")
        form.story_en.data = translations.get("en", {}).get("story", "")
        form.street.data = producer.street
        form.postcode.data = producer.postcode
        form.place.data = producer.locality.name if producer.locality else ""
        form.farm_shop_hours.data = producer.farm_shop_hours
        form.website.data = producer.website
        form.phone.data = producer.phone
        form.email.data = producer.email
    if form.validate_on_submit():
        old_photo = producer.photo_path
        data = ProfileData(
            story=form.story.data or "", story_fr=form.story_fr.data or "", story_en=form.story_en.data or "",
            street=form.street.data or "", postcode=form.postcode.data or "", place=form.place.data or "",
            farm_shop_hours=form.farm_shop_hours.data or "", website=form.website.data or "",
            phone=form.phone.data or "", email=form.email.data or "", photo=form.photo.data or None,
        )
        try:
            changed = update_producer_profile(producer, data, by=current_user)
        except ProfileError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
        except DomainError as error:  # a refused photo
            db.session.rollback()
            form.photo.errors.append(str(error))
        else:
            new_photo = producer.photo_path
            db.session.commit()
            if old_photo and new_photo != old_photo:
                from shop.catalog.images import delete_stored

                delete_stored(old_photo)
            if changed:
                flash(_("Opgeslagen. Gewijzigd: %(fields)s.", fields=", ".join(changed)), "success")
            else:
                flash(_("Opgeslagen: er was niets gewijzigd."), "success")
            return redirect(url_for("portal.profile"), 303)
    return render_template("portal/profile.html", form=form, producer=producer), (422 if form.errors else 200)
