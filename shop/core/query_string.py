"""What the shop's list and report pages read from the query string: a search text (``q``), a page number
(``pagina``) and a period (``van`` and ``tot``), the same way on every page."""

from __future__ import annotations

from datetime import date

from shop.core.ids import parse_whole_number

SEARCH_MAX = 100
# The highest page number read from a link; the lists show their last page for any page past theirs.
MAX_PAGE = 99_999


def search_text(args) -> str:
    """The text searched for (``?q=``): surrounding spaces dropped, at most 100 characters."""
    return (args.get("q") or "").strip()[:SEARCH_MAX]


def page_number(args) -> int:
    """The page asked for (``?pagina=``): 1 when it is missing, not a whole number or below 1; ``MAX_PAGE``
    for a larger one (a page past the last, never a number too large for the database's OFFSET)."""
    raw = (args.get("pagina") or "").strip()
    if raw.isascii() and raw.isdigit() and raw.lstrip("0") and parse_whole_number(raw, maximum=MAX_PAGE) is None:
        return MAX_PAGE
    return parse_whole_number(raw, minimum=1, maximum=MAX_PAGE) or 1


def period_from_query(args, form_class, default: tuple[date, date]):
    """``(form, start, end)`` for a period form of days ``van`` and ``tot`` filled from the query string.

    Without either day the ``default`` period is shown, filled in; an invalid period gives ``(form, None,
    None)``, the form holding its errors.
    """
    if "van" not in args and "tot" not in args:
        start, end = default
        return form_class(data={"van": start, "tot": end}), start, end
    form = form_class(args)
    if form.validate():
        return form, form.van.data, form.tot.data
    return form, None, None
