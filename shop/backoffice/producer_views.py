"""Back office: producers (admins only): list, create, edit, deactivate, activate, invite portal users."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shop.accounts.auth import admin_required
from shop.backoffice.producer_forms import ActionForm, InviteProducerUserForm, ProducerForm
from shop.backoffice.views import bp
from shop.catalog.producer_profile import ProfileError
from shop.core.errors import DomainError
from shop.core.query_string import page_number, search_text
from shop.core.view_actions import run_and_flash
from shop.extensions import db
from shop.listings.producer_admin import (
    activate_producer,
    count_producer_products,
    create_producer,
    deactivate_producer,
    get_producer_for_admin,
    invite_user_for_producer,
    list_labels,
    list_producer_users,
    list_producers,
    update_producer,
)

ACTIVE_FILTER = {"actief": True, "inactief": False}


def _load(producer_id: int):
    producer = get_producer_for_admin(producer_id)
    if producer is None:
        abort(404)
    return producer


@bp.get("/producenten")
@admin_required
def producer_list():
    q = search_text(request.args)
    status = request.args.get("status") or ""
    if status not in ACTIVE_FILTER:
        status = ""
    listing = list_producers(q, ACTIVE_FILTER.get(status), page_number(request.args))
    return render_template("backoffice/producer_list.html", listing=listing, q=q, status=status)


def _put_error(form, error: ProfileError) -> None:
    target = form[error.field] if error.field in form else None
    if target is None:
        form.form_errors.append(str(error))
    else:
        target.errors = [*target.errors, str(error)]


def _render_form(form, producer=None, invite_form=None, status=200):
    context = {}
    if producer is not None:
        context = dict(users=list_producer_users(producer), counts=count_producer_products(producer),
                       invite_form=invite_form or InviteProducerUserForm(formdata=None), action_form=ActionForm())
    return render_template("backoffice/producer_form.html", form=form, producer=producer, **context), status


@bp.get("/producenten/uitnodigen")
@admin_required
def producer_invite_start():
    """The old address of a second invitation page. A producer's portal users are invited on the producer's
    own page (``producer_invite``: admins only, like every grant of access), so this only leads there."""
    return redirect(url_for("backoffice.producer_list"), 303)


@bp.route("/producenten/nieuw", methods=["GET", "POST"])
@admin_required
def producer_new():
    form = ProducerForm()
    form.set_label_choices(list_labels())
    if request.method == "GET":
        return _render_form(form)
    if not form.validate():
        return _render_form(form, status=422)
    try:
        try:
            producer = create_producer(form.to_data(), by=current_user)
            db.session.commit()
        except IntegrityError:
            # Another producer took the address (slug) this one was given, after it was found free (the form sent
            # twice at once): nothing of this one was kept; made again, it gets the next free one.
            db.session.rollback()
            producer = create_producer(form.to_data(), by=current_user)
            db.session.commit()
    except ProfileError as error:
        db.session.rollback()
        _put_error(form, error)
        return _render_form(form, status=422)
    flash(_("Producent %(name)s aangemaakt. Nodig nu een gebruiker uit voor het portaal.", name=producer.name),
          "success")
    return redirect(url_for("backoffice.producer_edit", producer_id=producer.id), 303)


@bp.route("/producenten/<int:producer_id>", methods=["GET", "POST"])
@admin_required
def producer_edit(producer_id: int):
    producer = _load(producer_id)
    form = ProducerForm()
    form.set_label_choices(list_labels())
    if request.method == "GET":
        form.fill_from(producer)
        return _render_form(form, producer)
    if not form.validate():
        return _render_form(form, producer, status=422)
    try:
        changed = update_producer(producer, form.to_data(), by=current_user)
        db.session.commit()
    except ProfileError as error:
        db.session.rollback()
        _put_error(form, error)
        return _render_form(form, _load(producer_id), status=422)
    if changed:
        flash(_("Opgeslagen. Gewijzigd: %(fields)s.", fields=", ".join(changed)), "success")
    else:
        flash(_("Niets gewijzigd."), "info")
    return redirect(url_for("backoffice.producer_edit", producer_id=producer_id), 303)


def _check_action_form() -> None:
    if not ActionForm().validate():
        abort(400)


@bp.post("/producenten/<int:producer_id>/deactiveren")
@admin_required
def producer_deactivate(producer_id: int):
    producer = _load(producer_id)
    _check_action_form()
    try:
        packages = deactivate_producer(producer, by=current_user)
        names = [package.name for package in packages]
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("%(name)s is gedeactiveerd: de producten staan niet meer in de winkel. Lopende bestellingen "
                "blijven zoals ze zijn.", name=producer.name), "success")
        if names:
            flash(_("Deze pakketten zijn nu niet meer te koop: %(names)s. Kies een vervanger of zet ze uit.",
                    names=", ".join(names)), "warning")
    return redirect(url_for("backoffice.producer_edit", producer_id=producer_id), 303)


@bp.post("/producenten/<int:producer_id>/activeren")
@admin_required
def producer_activate(producer_id: int):
    producer = _load(producer_id)
    _check_action_form()
    run_and_flash(activate_producer, producer, by=current_user, success=lambda producer: _(
        "%(name)s is weer actief: de gepubliceerde producten staan terug in de winkel.", name=producer.name))
    return redirect(url_for("backoffice.producer_edit", producer_id=producer_id), 303)


@bp.post("/producenten/<int:producer_id>/uitnodigen")
@admin_required
def producer_invite(producer_id: int):
    producer = _load(producer_id)
    invite_form = InviteProducerUserForm()
    form = ProducerForm(formdata=None)
    form.set_label_choices(list_labels())
    form.fill_from(producer)
    if not invite_form.validate():
        return _render_form(form, producer, invite_form, status=422)
    try:
        user = invite_user_for_producer(invite_form.user_email.data, producer, by=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        invite_form.user_email.errors = [*invite_form.user_email.errors, str(error)]
        producer = _load(producer_id)
        form.fill_from(producer)
        return _render_form(form, producer, invite_form, status=422)
    flash(_("Uitnodiging verstuurd naar %(email)s.", email=user.email), "success")
    return redirect(url_for("backoffice.producer_edit", producer_id=producer_id, _anchor="gebruikers"), 303)
