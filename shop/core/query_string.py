"""What the shop's list and report pages read from the query string: a search text (``q``), a page number
(``pagina``) and a period (``van`` and ``tot``), the same way on every page."""

from __future__ import annotations

from datetime import date

SEARCH_MAX = 100


def search_text(args) -> str:
    """The text searched for (``?q=``): surrounding spaces dropped, at most 100 characters."""
    return (args.get("q") or "").strip()[:SEARCH_MAX]


def page_number(args) -> int:
    """The page asked for (``?pagina=``): 1 when it is missing, not a whole number or below 1."""
    return max(args.get("pagina", 1, type=int) or 1, 1)


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
