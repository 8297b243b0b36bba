"""Routes of the accounts domain: log in/out, password reset, invitations, registration, my account.

Log-in is rate-limited per account (the e-mail typed) and per address (Flask-Limiter; memory by default,
Redis when SHOP_REDIS_URL is set). At log-in the session is renewed: everything in it is dropped except
the chosen language (the cart lives in its own cookie and survives). A log-out, a new password and a reset
end every session of the user (``services.end_sessions``, checked by ``auth.load_user``); after changing
their password the person's own browser is signed in again.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from shop.accounts import company, personal_data, services, tokens
from shop.accounts.export import export_personal_data
from shop.accounts.forms import (
    ChangePasswordForm,
    CompanyProfileForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    RegistrationForm,
)
from shop.accounts.models import Role
from shop.accounts.producer_names import producer_name
from shop.core.errors import DomainError
from shop.core.i18n import current_language
from shop.core.redirects import local_path
from shop.core.security import personal
from shop.core.vat_number import InvalidVatNumber, default_peppol_id, format_enterprise_number, normalise_vat_number
from shop.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = "Log in om deze pagina te bekijken."
login_manager.login_message_category = "info"

LOGIN_LIMIT_PER_ACCOUNT = "10 per minute"
LOGIN_LIMIT_PER_ADDRESS = "30 per minute"
RESET_LIMIT_PER_ACCOUNT = "5 per hour"
RESET_LIMIT_PER_ADDRESS = "20 per hour"


def _localize(message: str) -> str:
    """Flask-Login's messages in the visitor's language (written out here so pybabel extracts them)."""
    if message == login_manager.login_message:
        return _("Log in om deze pagina te bekijken.")
    if message == login_manager.needs_refresh_message:
        return _("Log opnieuw in om verder te gaan.")
    return message


login_manager.localize_callback = _localize


# --- helpers ---------------------------------------------------------------------------------------------


def _account_key() -> str:
    """Rate-limit key of the account being tried: the e-mail in the form, normalised."""
    return "account:" + services.normalise_email(request.form.get("email"))[:254]


def default_destination(user) -> str:
    if user.role == Role.PRODUCER:
        return url_for("portal.dashboard")
    if user.role in (Role.STAFF, Role.ADMIN):
        return url_for("backoffice.dashboard")
    return url_for("accounts.account")


def _clear_session_keep_language() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def renew_session_and_login(user) -> None:
    """Drop everything in the session except the language, then log in (a fresh session for the user).

    Nothing planted in the session before log-in survives; the cart lives in its own cookie and stays.
    """
    _clear_session_keep_language()
    login_user(user, fresh=True)
    services.record_login(user)
    db.session.commit()


def _invalid(template: str, form, status: int = 422, **context):
    return render_template(template, form=form, **context), status


def _refused(template: str, form, error: DomainError, field=None, **context):
    """The service refused: roll back and show its message on ``field`` (or above the form), answering 422."""
    db.session.rollback()
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors = [str(error)]
    return _invalid(template, form, **context)


def _logged_in_by_link(user, message: str):
    """A link from an e-mail set the password: commit, log the user in on a fresh session, send them to
    their start page."""
    db.session.commit()
    renew_session_and_login(user)
    flash(message, "success")
    return redirect(default_destination(user), 303)


# --- log in / log out ------------------------------------------------------------------------------------


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, key_func=get_remote_address, methods=["POST"])
@limiter.limit(LOGIN_LIMIT_PER_ACCOUNT, key_func=_account_key, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next")) or ""
        if current_user.is_authenticated:
            return redirect(form.next.data or default_destination(current_user), 303)
        return render_template("accounts/login.html", form=form)
    if not form.validate():
        return _invalid("accounts/login.html", form)
    user = services.authenticate(form.email.data, form.password.data)
    if user is None:
        form.form_errors.append(_("Dit e-mailadres en wachtwoord horen niet bij elkaar, of het account is niet actief."))
        form.password.data = ""
        return _invalid("accounts/login.html", form)
    renew_session_and_login(user)
    flash(_("Je bent ingelogd."), "success")
    return redirect(local_path(form.next.data) or default_destination(user), 303)


@bp.post("/uitloggen")
def logout():
    if current_user.is_authenticated:
        # End the session in the database too: a copy of this cookie (and every other session of the
        # user) stops working, not just this browser's.
        services.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    _clear_session_keep_language()
    flash(_("Je bent uitgelogd."), "success")
    return redirect(url_for("storefront.home"), 303)


@bp.app_errorhandler(429)
def too_many_requests(error):
    return render_template("accounts/too_many_attempts.html"), 429


# --- password reset --------------------------------------------------------------------------------------


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT_PER_ADDRESS, key_func=get_remote_address, methods=["POST"])
@limiter.limit(RESET_LIMIT_PER_ACCOUNT, key_func=_account_key, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "GET":
        return render_template("accounts/password_forgot.html", form=form)
    if not form.validate():
        return _invalid("accounts/password_forgot.html", form)
    services.request_password_reset(form.email.data, locale=current_language())
    db.session.commit()
    return redirect(url_for("accounts.forgot_password_sent"), 303)


@bp.get("/wachtwoord-vergeten/verstuurd")
def forgot_password_sent():
    return render_template("accounts/password_forgot_sent.html")


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@personal  # shows the account's address
def reset_password(token: str):
    user = tokens.load_user_from_token(token, tokens.RESET)
    if user is None or not user.is_active:
        return render_template("accounts/link_invalid.html", kind="reset"), 410
    form = NewPasswordForm()
    form.account_email = user.email
    if request.method == "GET":
        return render_template("accounts/password_reset.html", form=form, user=user)
    if not form.validate():
        return _invalid("accounts/password_reset.html", form, user=user)
    try:
        user = services.reset_password(token, form.password.data)
    except DomainError as error:
        return _refused("accounts/password_reset.html", form, error, user=user)
    return _logged_in_by_link(user, _("Je nieuwe wachtwoord is bewaard. Je bent ingelogd."))


# --- invitations -----------------------------------------------------------------------------------------


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@personal  # shows the invited address and producer
def accept_invitation(token: str):
    user = tokens.load_user_from_token(token, tokens.INVITATION)
    if user is None or not user.is_active or user.password_hash is not None:
        return render_template("accounts/link_invalid.html", kind="invitation"), 410
    form = InvitationForm()
    form.account_email = user.email
    if request.method == "GET":
        form.name.data = user.name
        return render_template("accounts/invitation_accept.html", form=form, user=user,
                               producer_name=producer_name(user))
    if not form.validate():
        return _invalid("accounts/invitation_accept.html", form, user=user, producer_name=producer_name(user))
    try:
        user = services.accept_invitation(token, form.password.data, form.name.data)
    except DomainError as error:
        return _refused("accounts/invitation_accept.html", form, error, user=user, producer_name=producer_name(user))
    return _logged_in_by_link(user, _("Welkom! Je wachtwoord is bewaard en je bent ingelogd."))


# --- registration and my account -------------------------------------------------------------------------


@bp.route("/account/registreren", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT_PER_ADDRESS, key_func=get_remote_address, methods=["POST"])
def register():
    form = RegistrationForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("accounts.account"), 303)
        email = request.args.get("email", "").strip()
        if email and len(email) <= 254:
            form.email.data = email
        return render_template("accounts/register.html", form=form)
    if not form.validate():
        return _invalid("accounts/register.html", form)
    try:
        services.register_customer(form.email.data, form.name.data, form.password.data, locale=current_language())
    except DomainError as error:
        return _refused("accounts/register.html", form, error, form.password)
    db.session.commit()
    return redirect(url_for("accounts.register_sent"), 303)


@bp.get("/account/registreren/verstuurd")
def register_sent():
    return render_template("accounts/register_sent.html")


@bp.get("/account/bevestigen/<token>")
def confirm(token: str):
    try:
        user, attached = services.confirm_email(token)
    except DomainError:
        db.session.rollback()
        return render_template("accounts/link_invalid.html", kind="confirmation"), 410
    db.session.commit()
    renew_session_and_login(user)
    flash(_("Je e-mailadres is bevestigd en je account is klaar."), "success")
    if attached:
        flash(_("We hebben %(count)s eerdere bestelling(en) aan je account gekoppeld.", count=attached), "info")
    return redirect(url_for("accounts.account"), 303)


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html", user=current_user,
                           company_profile=company.get_company_profile(current_user))


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    form.account_email = user.email
    if request.method == "GET":
        return render_template("accounts/password_change.html", form=form, user=user)
    if not form.validate():
        return _invalid("accounts/password_change.html", form, user=user)
    try:
        services.change_password(user, form.current_password.data, form.password.data, by=user)
    except DomainError as error:
        return _refused("accounts/password_change.html", form, error, form.current_password, user=user)
    db.session.commit()
    # The new password ended every session of the user; this browser stays signed in with a new one.
    login_user(user, fresh=True)
    flash(_("Je nieuwe wachtwoord is bewaard."), "success")
    return redirect(url_for("accounts.account"), 303)


def _company_page(form, profile, status: int = 200):
    """The company profile page; the enterprise number and the default Peppol id are derived from the VAT
    number typed (when it is valid) or else the saved one."""
    try:
        vat_number = normalise_vat_number(form.vat_number.data)
    except InvalidVatNumber:
        vat_number = profile.vat_number if profile is not None else ""
    return render_template(
        "accounts/company_profile.html", form=form, profile=profile,
        enterprise_number=format_enterprise_number(vat_number) if vat_number else "",
        default_peppol_id=default_peppol_id(vat_number) if vat_number else "",
    ), status


@bp.route("/account/bedrijf", methods=["GET", "POST"])
@login_required
def company_profile():
    user = current_user._get_current_object()
    if user.role != Role.CUSTOMER:
        abort(404)
    profile = company.get_company_profile(user)
    form = CompanyProfileForm()
    if request.method == "GET":
        if profile is not None:
            form.fill_from(company.details_of(profile))
        return _company_page(form, profile)
    if not form.validate():
        return _company_page(form, profile, 422)
    try:
        company.save_company_profile(user, form.to_details(), by=user)
    except company.InvalidCompanyDetails as error:
        db.session.rollback()
        form.show_errors(error.errors)
        return _company_page(form, company.get_company_profile(user), 422)
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _company_page(form, company.get_company_profile(user), 422)
    db.session.commit()
    flash(_("Je bedrijfsgegevens zijn bewaard."), "success")
    return redirect(url_for("accounts.account"), 303)


@bp.post("/account/bedrijf/verwijderen")
@login_required
def remove_company_profile():
    user = current_user._get_current_object()
    if user.role != Role.CUSTOMER:
        abort(404)
    company.remove_company_profile(user, by=user)
    db.session.commit()
    flash(_("Je bedrijfsgegevens zijn verwijderd. Je volgende bestellingen zijn op je eigen naam, tenzij je bij "
            "het afrekenen een bedrijf invult."), "success")
    return redirect(url_for("accounts.account"), 303)


@bp.get("/account/gegevens.json")
@login_required
@personal
def export():
    data = export_personal_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="lekker-oost-vlaams-gegevens.json"'
    return response


@bp.route("/account/verwijderen", methods=["GET", "POST"])
@login_required
def delete():
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    open_orders = personal_data.open_matters(user) if user.role == Role.CUSTOMER else []
    if request.method == "GET":
        return render_template("accounts/account_delete.html", form=form, open_orders=open_orders)
    if not form.validate():
        return _invalid("accounts/account_delete.html", form, open_orders=open_orders)
    try:
        services.delete_account(user, form.password.data, by=user)
    except DomainError as error:
        # "open orders" and "not allowed" are about the account, anything else about the password typed
        about_account = isinstance(error, (services.OpenOrders, services.NotAllowed))
        return _refused("accounts/account_delete.html", form, error, None if about_account else form.password,
                        open_orders=open_orders)
    db.session.commit()
    logout_user()
    _clear_session_keep_language()
    flash(_("Je account is verwijderd. Je bestellingen bewaren we zonder je persoonsgegevens, "
            "zoals de boekhoudwet vraagt."), "success")
    return redirect(url_for("storefront.home"), 303)
