"""What every request is checked for before a view sees it, the security headers sent with every response, and
which responses no cache may keep.

A response to a signed-in person, and any response flagged personal (``mark_personal`` / ``@personal``: a
guest's order behind its secret link, a cart, a checkout, a downloaded file), is sent with
``Cache-Control: private, no-store`` and ``Vary: Cookie``: no browser back-button cache, proxy or CDN keeps
it. Everything else (the anonymous shop front) gets no such header, so it can be cached later. The shop's
own files (``static``, ``/media``) keep their caching rules for everyone: they are the same for all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import wraps
from itertools import chain

from flask import Flask, abort, g, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
NO_STORE = "private, no-store"
# The headers every response carries unless its view set them: (lower-case name, name, value).
SECURITY_HEADERS = tuple(
    (name.lower(), name, value)
    for name, value in (
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    )
)
PUBLIC_FILE_ENDPOINTS = frozenset({"static", "core.media"})


def mark_personal() -> None:
    """Flag the response of this request as one person's data: it gets ``Cache-Control: private, no-store``.
    Also usable as a blueprint's ``before_request`` (every page of the blueprint is personal)."""
    g.personal_response = True


def personal(view):
    """Route decorator: the page shows one person's data (see ``mark_personal``)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        mark_personal()
        return view(*args, **kwargs)

    return wrapped


def is_personal_response() -> bool:
    """Whether this request's response must not be stored: flagged personal, or for a signed-in user."""
    if g.get("personal_response"):
        return True
    if request.endpoint in PUBLIC_FILE_ENDPOINTS:
        return False
    return current_user.is_authenticated

# The C0 control characters except tab, line feed and carriage return (which a multi-line text field sends). No
# form or link of the shop sends them; PostgreSQL refuses NUL in any text, and the others would end up in names,
# addresses and notes printed on slips and invoices.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# The bodies the browser sends a form as; any other body (the payment provider's JSON) is not a form.
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class ControlCharacters(BadRequest):
    """A query argument, form field or uploaded file's name held a control character: the request is refused
    whole (400) before any view runs, so nothing is read from or written to the database."""


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def _holds_control_characters(texts: Iterable[str]) -> bool:
    # One search of the texts joined by line feeds (allowed, so the joints match nothing) instead of one per text.
    return CONTROL_CHARACTERS.search("\n".join(texts)) is not None


def request_has_control_characters() -> bool:
    """Whether a text of the query string or, for a form post, of the form holds a control character: names and
    values, and the names of the uploaded files."""
    current = request._get_current_object()  # the request once, not through its proxy for each part
    args = current.args
    if args and _holds_control_characters(chain.from_iterable(args.items(multi=True))):
        return True
    if current.mimetype not in FORM_MIMETYPES:
        return False
    form, files = current.form, current.files
    if form and _holds_control_characters(chain.from_iterable(form.items(multi=True))):
        return True
    return bool(files) and _holds_control_characters(
        chain.from_iterable((name, upload.filename or "") for name, upload in files.items(multi=True)))


def init_app(app: Flask) -> None:
    """Registered before the other extensions (CSRF, rate limits): a refused request is refused first."""

    @app.before_request
    def refuse_nul_in_path():
        # A NUL byte can never be part of a slug; PostgreSQL refuses it in any string, so stop it here.
        if "\x00" in request.path:
            abort(404)

    @app.before_request
    def start_unflagged():
        # g outlives a request when the caller keeps an app context open (the tests do): start every
        # request unflagged (the app's before_request run before a blueprint's mark_personal).
        g.pop("personal_response", None)

    @app.before_request
    def refuse_control_characters():
        if request_has_control_characters():
            raise ControlCharacters()

    @app.after_request
    def add_headers(response):
        headers = response.headers
        # Each security header a view did not set itself: the response's header names read once (a few), instead of
        # a search of them per header.
        present = {name.lower() for name in headers.keys()}
        for lower, name, value in SECURITY_HEADERS:
            if lower not in present:
                headers.add(name, value)
        if is_personal_response():
            headers["Cache-Control"] = NO_STORE  # also over what a view set: never looser
            if "expires" in present:
                headers.pop("Expires", None)
            if "vary" not in present:
                headers["Vary"] = "Cookie"
            else:
                response.vary.add("Cookie")
        return response
