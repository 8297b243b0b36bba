"""Numbers from outside the shop (a URL, a query string, a form field): record ids and other whole numbers that
the database's integer columns can hold.

PostgreSQL's ``integer`` holds -2**31..2**31-1; a larger number in a query is an error there (a 500), not
"nothing found". So every id read from a request goes through ``parse_id`` (or, in a route, the app-wide
``<int:...>`` converter ``IdConverter``), and every other whole number through ``parse_whole_number``.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # the largest value of PostgreSQL's integer (every id column)


def parse_whole_number(raw, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``raw`` as a whole number written with the digits 0-9 (an optional leading ``-``, surrounding spaces
    ignored) between ``minimum`` and ``maximum``; None for anything else: empty, ``12a``, ``²``, ``1.5`` or a
    number out of range."""
    text = str(raw).strip() if raw is not None else ""
    digits = text[1:] if text.startswith("-") else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > len(str(maximum)) + 1:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_id(raw) -> int | None:
    """``raw`` as a record id: a whole number 1..2**31-1 in ASCII digits; None for anything else."""
    return parse_whole_number(raw, minimum=1, maximum=MAX_ID)


class IdConverter(IntegerConverter):
    """``<int:...>`` for the whole app: ASCII digits only, 1..2**31-1 unless a rule says otherwise; anything
    else does not match the route, so the visitor gets the shop's 404 page instead of a database error."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        # More digits than any id has: refused before Python turns a very long text into a number.
        if len(value.lstrip("-")) > len(str(MAX_ID)) + 1:
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Replace Flask's ``int`` converter before any blueprint adds its routes."""
    app.url_map.converters["int"] = IdConverter
