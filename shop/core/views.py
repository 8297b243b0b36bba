"""Cross-cutting routes: language switch, media files, error pages (the health check is shop.operations)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, session

from shop.core.redirects import local_path
from shop.core.security import ControlCharacters

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
    return render_template("errors/500.html"), 500
