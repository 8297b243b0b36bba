"""Back office: staff users (admins only): list, invite, deactivate, activate, change role."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import admin_required
from shop.accounts.staff_admin import (
    activate_user,
    change_role,
    count_active_admins,
    deactivate_user,
    get_staff_user,
    invite_staff,
    list_staff_users,
)
from shop.backoffice.user_forms import ROLE_LABELS, ActionForm, InviteStaffForm, RoleForm
from shop.backoffice.views import bp
from shop.core.errors import DomainError
from shop.core.view_actions import run_and_flash
from shop.extensions import db


def _load(user_id: int):
    user = get_staff_user(user_id)
    if user is None:
        abort(404)
    return user


def _render(invite_form=None, status=200):
    return render_template(
        "backoffice/user_list.html", users=list_staff_users(), form=invite_form or InviteStaffForm(formdata=None),
        action_form=ActionForm(), role_labels=ROLE_LABELS, active_admins=count_active_admins(),
    ), status


@bp.get("/medewerkers")
@admin_required
def user_list():
    return _render()


@bp.post("/medewerkers/uitnodigen")
@admin_required
def user_invite():
    form = InviteStaffForm()
    if not form.validate():
        return _render(form, status=422)
    try:
        user = invite_staff(form.email.data, form.role.data, by=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.email.errors = [*form.email.errors, str(error)]
        return _render(form, status=422)
    flash(_("Uitnodiging verstuurd naar %(email)s (%(role)s).", email=user.email, role=ROLE_LABELS[user.role.value]),
          "success")
    return redirect(url_for("backoffice.user_list"), 303)


def _act(user_id: int, service, message):
    user = _load(user_id)
    if not ActionForm().validate():
        abort(400)
    run_and_flash(service, user, by=current_user, success=message)
    return redirect(url_for("backoffice.user_list"), 303)


@bp.post("/medewerkers/<int:user_id>/deactiveren")
@admin_required
def user_deactivate(user_id: int):
    return _act(user_id, deactivate_user,
                lambda user: _("%(email)s is gedeactiveerd en kan niet meer inloggen.", email=user.email))


@bp.post("/medewerkers/<int:user_id>/activeren")
@admin_required
def user_activate(user_id: int):
    return _act(user_id, activate_user, lambda user: _("%(email)s kan weer inloggen.", email=user.email))


@bp.post("/medewerkers/<int:user_id>/rol")
@admin_required
def user_role(user_id: int):
    user = _load(user_id)
    form = RoleForm()
    if not form.validate():
        flash(_("Kies de rol medewerker of beheerder."), "error")
        return redirect(url_for("backoffice.user_list"), 303)
    try:
        change_role(user, form.role.data, by=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("%(email)s is nu %(role)s.", email=user.email, role=str(ROLE_LABELS[user.role.value]).lower()),
              "success")
    return redirect(url_for("backoffice.user_list"), 303)

