"""The user Flask-Login loaded for this request, read and set where ``current_user`` would cost too much.

Flask-Login (0.6) keeps it in ``g._login_user``; ``current_user`` loads it there on first use. It has no public
way to read whether it is loaded, nor to set it without writing the session (``login_user``). Through
``current_user`` a read costs ~1.5 µs (~3 µs for ``is_authenticated``) against ~0.15 µs, and a page asks per
price. So this module reads and writes ``g._login_user``, once ``internals_problems`` found at start-up that
Flask-Login reads and writes it there. When it no longer does (an upgrade), ``loaded_user`` answers None and
``treat_as_visitor`` does nothing, so every caller goes through ``current_user``: the same answers, slower; and
tests/core/test_library_internals.py names the change with the installed version.
"""

from __future__ import annotations

import logging
from importlib.metadata import version

from flask import Flask, current_app, g

try:
    from flask.globals import _cv_app  # Flask's context variable of the app context (private)
except ImportError:  # a Flask without it: every read through current_user
    _cv_app = None

log = logging.getLogger(__name__)

ATTRIBUTE = "_login_user"  # where Flask-Login keeps the user it loaded (tests forget it between requests)
_reads_login_state = False  # set by init_app once internals_problems() found what this module reads


def loaded_user():
    """The user (or anonymous user) Flask-Login loaded for this request, or None when it has not loaded one yet
    (or when it cannot be read directly: ask ``current_user`` then)."""
    if not _reads_login_state:
        return None
    context = _cv_app.get(None)
    return context.g.__dict__.get(ATTRIBUTE) if context is not None else None


def treat_as_visitor() -> None:
    """Flask-Login's user of this request is its anonymous user, without looking at the session or cookies (the
    caller knows there is no user in them): ``current_user`` answers it without loading."""
    if _reads_login_state:
        setattr(g, ATTRIBUTE, current_app.login_manager.anonymous_user())


def internals_problems(app: Flask) -> list[str]:
    """What this module reads and writes of Flask and Flask-Login and the installed versions no longer have: the
    app context's ``g`` through ``flask.globals._cv_app``; ``current_user`` answering the user set in
    ``g._login_user``, and a user it loads being kept there. Empty when all is there."""
    from flask_login import current_user

    if _cv_app is None:
        return [f"Flask {version('flask')} no longer has flask.globals._cv_app"]
    problems = []
    with app.test_request_context("/"):
        context = _cv_app.get(None)
        names = getattr(getattr(context, "g", None), "__dict__", None)
        if not isinstance(names, dict):
            return [f"Flask {version('flask')} no longer has the app context's g at flask.globals._cv_app.get().g"]
        loaded = current_user._get_current_object()  # no user in this request's session: the anonymous user
        if names.get(ATTRIBUTE) is not loaded:
            problems.append("the user it loaded at g._login_user")
    with app.test_request_context("/"):
        placed = app.login_manager.anonymous_user()
        setattr(g, ATTRIBUTE, placed)
        if current_user._get_current_object() is not placed:
            problems.append("current_user answering the user set at g._login_user")
    return [f"Flask-Login {version('flask-login')} no longer keeps {problem}" for problem in problems]


def init_app(app: Flask) -> None:
    """After Flask-Login is bound and its user loader set."""
    global _reads_login_state
    problems = internals_problems(app)
    if problems:
        log.warning("log-in state: read through current_user: %s", "; ".join(problems))
    _reads_login_state = not problems
