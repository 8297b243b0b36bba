"""Cross-cutting routes: language switch, media files, error pages (the health check is shop.operations)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, session

from shop.core.database_errors import (
    RETRY_AFTER_SECONDS,
    is_database_unreachable,
    rollback_quietly,
    start_error_page,
)
from shop.core.redirects import local_path
from shop.core.security import ControlCharacters

log = logging.getLogger(__name__)

bp = Blueprint("core", __name__)


@bp.get("/taal/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(local_path(request.args.get("next")) or "/", code=303)


@bp.get("/media/<path:filename>")
def media(filename: str):
    return send_from_directory(current_app.config["MEDIA_ROOT"], filename, max_age=86400)


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(413)
def too_large(error):
    return render_template("errors/413.html"), 413


@bp.app_errorhandler(ControlCharacters)
def control_characters(error):
    return render_template("errors/400.html"), 400


@bp.app_errorhandler(500)
def server_error(error):
    """The shop's own page for an unexpected error, with the advice for a buyer who was paying; 503 with a
    Retry-After when the database cannot be reached.

    The session is rolled back first: after a failed statement it refuses every query until then, and the
    page's header reads the database (its helpers fail soft when it still cannot). Should the page fail all
    the same, a plain page without the header says the same.
    """
    start_error_page()
    rollback_quietly()
    unavailable = is_database_unreachable(getattr(error, "original_exception", None))
    status, headers = (503, {"Retry-After": str(RETRY_AFTER_SECONDS)}) if unavailable else (500, {})
    try:
        page = render_template("errors/500.html", unavailable=unavailable)
    except Exception:  # noqa: BLE001 (an error page must answer)
        log.exception("the error page failed; the plain one is shown")
        rollback_quietly()
        page = render_template("errors/500_plain.html", unavailable=unavailable)
    return page, status, headers
