"""Locale choice (explicit choice in the session beats Accept-Language) and locale-aware formatting."""

from __future__ import annotations

import logging
from importlib.metadata import version

from babel import Locale
from babel.dates import get_month_names
from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import force_locale, format_date, get_domain, get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept

from shop.core.money import format_eur

try:
    from flask.globals import _cv_app  # Flask's context variable of the app context (private; see _babel_state)
except ImportError:  # a Flask without it: Flask-Babel's own getters
    _cv_app = None

log = logging.getLogger(__name__)

# Babel locales used to format money: Belgian Dutch and French; English as used in Ireland (€12.50).
MONEY_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_IE"}
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


def select_locale() -> str:
    if not has_request_context():  # CLI, worker, tests of services: the shop's default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return choose_locale(current_app.config, session.get("lang"), request.accept_languages)


_LOCALES: dict[str, Locale] = {}


def select_babel_locale() -> Locale:
    """``select_locale``'s choice as the babel ``Locale`` Flask-Babel makes of it, made once per language and
    process. Flask-Babel parses its selector's answer on every request (``Locale.parse("nl")``, 8-16 µs: babel
    checks the identifier against its locale data each time) and takes a ``Locale`` it is given as it is."""
    language = select_locale()
    locale = _LOCALES.get(language)
    if locale is None:
        locale = _LOCALES[language] = Locale.parse(language)
    return locale


def choose_locale(config, chosen, accept_languages: LanguageAccept) -> str:
    """The rule itself, without a Flask request (the page cache's fast path asks it too): the language chosen in
    the session, else the best of the browser's Accept-Language, else the shop's default."""
    languages = config["LANGUAGES"]
    if chosen in languages:
        return chosen
    return accept_languages.best_match(languages) or config["BABEL_DEFAULT_LOCALE"]


def _babel_state():
    """Flask-Babel's state of this app context (``g._flask_babel``: the locale it chose or was forced to, its
    domain), read without the proxies and checks of its own getters, or None before its first use. Flask-Babel
    has no public way to read it as cheaply: ``get_locale()`` costs ~3.5 µs and ``get_translations()`` ~12 µs
    against ~0.3 µs, and a catalogue page asks for hundreds of messages. None too when the installed Flask or
    Flask-Babel keeps it elsewhere (``internals_problems`` at start-up): their own getters are used then."""
    if not _reads_babel_state:
        return None
    context = _cv_app.get(None)
    return context.g.__dict__.get("_flask_babel") if context is not None else None


_reads_babel_state = False  # set by init_app once internals_problems() found what _babel_state reads


def internals_problems(app: Flask) -> list[str]:
    """What ``_babel_state`` reads of Flask and Flask-Babel and the installed versions no longer have: the app
    context's ``g`` through ``flask.globals._cv_app``, and on ``g._flask_babel`` the locale ``get_locale()``
    gives (also inside ``force_locale``) as ``babel_locale`` and the domain ``get_domain()`` gives as
    ``babel_domain``. Empty when all is there."""
    if _cv_app is None:
        return [f"Flask {version('flask')} no longer has flask.globals._cv_app"]
    problems = []
    with app.app_context():
        context = _cv_app.get(None)
        g_dict = getattr(getattr(context, "g", None), "__dict__", None)
        if not isinstance(g_dict, dict):
            return [f"Flask {version('flask')} no longer has the app context's g at flask.globals._cv_app.get().g"]
        locale, domain = get_locale(), get_domain()
        state = g_dict.get("_flask_babel")
        if state is None:
            problems.append("its state at g._flask_babel")
        else:
            if getattr(state, "babel_locale", None) is not locale:
                problems.append("g._flask_babel.babel_locale, the locale get_locale() gives")
            if getattr(state, "babel_domain", None) is not domain:
                problems.append("g._flask_babel.babel_domain, the domain get_domain() gives")
            with force_locale("en"):
                if getattr(state, "babel_locale", None) is not get_locale():
                    problems.append("g._flask_babel.babel_locale, the locale forced by force_locale()")
    return [f"Flask-Babel {version('flask-babel')} no longer keeps {problem}" for problem in problems]


def current_locale():
    """``flask_babel.get_locale()``: the locale Flask-Babel holds for this app context (also inside its
    ``force_locale``), read directly once it is chosen; catalogue pages ask it several times per card."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    return locale if locale is not None else get_locale()


def current_language() -> str:
    # The Locale's language, as the first part of its identifier ("nl_BE" -> "nl") is: str(locale) rebuilds the
    # whole identifier, and this runs a few times per card on every catalogue page.
    locale = current_locale()
    return locale.language if locale is not None else "nl"


def translations() -> NullTranslations:
    """``flask_babel.get_translations()``, remembered for the app context (in ``g.shop_translations``) with the
    locale and domain it was found for (Flask-Babel looks it up again on every message: its locale's identifier
    rebuilt, its cache keyed by it)."""
    context = _cv_app.get(None) if _reads_babel_state else None
    if context is not None:
        names = context.g.__dict__
        state, known = names.get("_flask_babel"), names.get("shop_translations")
        if (known is not None and state is not None and known[0] is getattr(state, "babel_locale", None)
                and known[1] is getattr(state, "babel_domain", None)):
            return known[2]
    found = get_translations()
    if context is not None:
        state = names.get("_flask_babel")
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            names["shop_translations"] = (locale, getattr(state, "babel_domain", None), found)
    return found


def gettext(string: str, /, **variables) -> str:
    """``flask_babel.gettext`` (same text, same formatting) with the translations looked up once per request."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, /, **variables) -> str:
    """``flask_babel.ngettext`` with the translations looked up once per request."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


# The templates' ``_``, ``gettext`` and ``ngettext``: what Jinja's "newstyle" wrappers around Flask-Babel's callables
# do (autoescaped text marked safe, always formatted with its variables), with one call instead of three.
@pass_context
def _template_gettext(context, string: str, /, **variables) -> str:
    text = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_context
def _template_ngettext(context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def eur(cents: int | None) -> str:
    return format_eur(cents, MONEY_LOCALES.get(current_language(), "nl_BE"))


def month_name(month: int, width: str = "wide") -> str:
    """Name of month 1-12 in the visitor's language (``januari``, ``janvier``, ``January``)."""
    return get_month_names(width, locale=current_language())[month]


def init_app(app: Flask) -> None:
    """The formatting helpers of the templates (create_app binds Babel with ``select_locale`` first), and whether
    Flask-Babel's state can be read directly (else its own getters: same answers, slower)."""
    global _reads_babel_state
    problems = internals_problems(app)
    if problems:
        log.warning("translations: through Flask-Babel's getters on every message: %s", "; ".join(problems))
    _reads_babel_state = not problems
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.jinja_env.filters["eur"] = eur
    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt) if value else ""
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["month_name"] = month_name
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
