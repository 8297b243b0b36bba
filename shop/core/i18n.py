"""Locale choice (explicit choice in the session beats Accept-Language) and locale-aware formatting."""

from __future__ import annotations

from babel.dates import get_month_names
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, get_locale
from werkzeug.datastructures import LanguageAccept

from shop.core.money import format_eur

# Babel locales used to format money: Belgian Dutch and French; English as used in Ireland (€12.50).
MONEY_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_IE"}
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


def select_locale() -> str:
    if not has_request_context():  # CLI, worker, tests of services: the shop's default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return choose_locale(current_app.config, session.get("lang"), request.accept_languages)


def choose_locale(config, chosen, accept_languages: LanguageAccept) -> str:
    """The rule itself, without a Flask request (the page cache's fast path asks it too): the language chosen in
    the session, else the best of the browser's Accept-Language, else the shop's default."""
    languages = config["LANGUAGES"]
    if chosen in languages:
        return chosen
    return accept_languages.best_match(languages) or config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    # The Locale's language, as the first part of its identifier ("nl_BE" -> "nl") is: str(locale) rebuilds the
    # whole identifier, and this runs a few times per card on every catalogue page.
    locale = get_locale()
    return locale.language if locale is not None else "nl"


def eur(cents: int | None) -> str:
    return format_eur(cents, MONEY_LOCALES.get(current_language(), "nl_BE"))


def month_name(month: int, width: str = "wide") -> str:
    """Name of month 1-12 in the visitor's language (``januari``, ``janvier``, ``January``)."""
    return get_month_names(width, locale=current_language())[month]


def init_app(app: Flask) -> None:
    """The formatting helpers of the templates (create_app binds Babel with ``select_locale``)."""
    app.jinja_env.filters["eur"] = eur
    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt) if value else ""
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["month_name"] = month_name
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
