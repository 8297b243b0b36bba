"""All money maths: integer cents, VAT inside gross amounts, exact splits, parsing and formatting."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency


class MoneyParseError(ValueError):
    pass


def vat_in_gross(gross_cents: int, rate_percent: int) -> int:
    """VAT contained in a gross (VAT-inclusive) amount, rounded half up: gross*rate/(100+rate)."""
    if rate_percent == 0:
        return 0
    numerator = gross_cents * rate_percent
    denominator = 100 + rate_percent
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def split_largest_remainder(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_cents`` over ``weights`` proportionally; parts are integers that sum exactly.

    Ties in the remainders go to the earlier weight, so the result is deterministic.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        parts = [0] * len(weights)
        parts[0] = total_cents
        return parts
    floors = [total_cents * w // weight_sum for w in weights]
    remainders = [total_cents * w % weight_sum for w in weights]
    leftover = total_cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors


def split_over_rates(gross_cents: int, rated_weights: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split a gross amount over parts that each carry a VAT rate, in proportion to the parts' weights.

    ``rated_weights`` are (VAT rate, weight) pairs; returns (VAT rate, share in cents) for each part, in the
    same order. Largest remainder: the shares sum exactly to ``gross_cents``. The one split of a gross amount
    over rates: a package's price over its components (weight: list price x quantity), a delivery fee over
    the goods' rates (weight: the goods' gross per rate). ``gross_per_rate`` then ``vat_lines`` give base and
    VAT per rate.
    """
    shares = split_largest_remainder(gross_cents, [weight for _, weight in rated_weights])
    return [(rate, share) for (rate, _), share in zip(rated_weights, shares, strict=True)]


def gross_per_rate(rated_amounts: Iterable[tuple[int, int]]) -> dict[int, int]:
    """(VAT rate, gross cents) pairs added up per rate."""
    totals: dict[int, int] = {}
    for rate, gross in rated_amounts:
        totals[rate] = totals.get(rate, 0) + gross
    return totals


def vat_lines(gross_by_rate: Mapping[int, int]) -> list[dict[str, int]]:
    """Base and VAT per rate for gross amounts grouped by rate, sorted by rate."""
    lines = []
    for rate in sorted(gross_by_rate):
        gross = gross_by_rate[rate]
        vat = vat_in_gross(gross, rate)
        lines.append({"rate": rate, "gross_cents": gross, "vat_cents": vat, "base_cents": gross - vat})
    return lines


@dataclass(frozen=True)
class NetPrice:
    """A gross (VAT-inclusive) price told apart: what it is without VAT, and the VAT inside it."""

    gross_cents: int
    net_cents: int
    vat_cents: int


def net_price(gross_cents: int, rated_weights: Sequence[tuple[int, int]]) -> NetPrice:
    """The net and VAT inside a gross price whose parts carry VAT rates, as a company customer sees it.

    ``rated_weights`` are (VAT rate, weight) pairs, as for ``split_over_rates``: one product is ``[(rate, 1)]``,
    a package its components' shares, a cart its gross per rate. The gross is split over the rates (largest
    remainder), and the VAT is counted once per rate (``vat_lines``), so the net of a cart equals the sum of
    its VAT lines' bases. The amount charged stays the gross: net + VAT == gross, always.
    """
    lines = vat_lines(gross_per_rate(split_over_rates(gross_cents, rated_weights)))
    vat = sum(line["vat_cents"] for line in lines)
    return NetPrice(gross_cents=gross_cents, net_cents=gross_cents - vat, vat_cents=vat)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    if remainder * 2 >= abs(denominator):
        quotient += 1
    return sign * quotient


def document_vat_lines(gross_by_rate: Mapping[int, int]) -> list[dict[str, int]]:
    """Base and VAT per rate as an invoice or credit note states them (EN 16931): the gross per rate is
    converted to net once per rate (gross minus the VAT inside it), and the VAT is computed once per rate
    from that net, ``net * rate / 100`` rounded half up, never as a sum of rounded line VAT.

    For most amounts net + VAT equals the gross; for some (about one in ten) no net does, and they differ by
    one cent. That cent is the document's rounding (``InvoiceDocument.rounding_cents``, the e-invoice's
    PayableRoundingAmount), so the document's total stays what was charged. Sorted by rate.
    """
    lines = []
    for rate in sorted(gross_by_rate):
        gross = gross_by_rate[rate]
        base = gross - vat_in_gross(gross, rate)
        lines.append({"rate": rate, "gross_cents": gross, "base_cents": base,
                      "vat_cents": round_half_up(base * rate, 100)})
    return lines


_AMOUNT = re.compile(r"^\s*(?:€\s*)?(\d{1,7})(?:[.,](\d{1,2}))?\s*(?:€)?\s*$")


def parse_cents(text: str) -> int:
    """Parse a euro amount as people type it (``12,50``, ``12.5``, ``€ 3``) into cents."""
    match = _AMOUNT.match(text or "")
    if not match:
        raise MoneyParseError(text)
    euros, fraction = match.groups()
    fraction = (fraction or "0").ljust(2, "0")
    return int(euros) * 100 + int(fraction)


def cents_to_text(cents: int) -> str:
    """Cents as people type them, the inverse of parse_cents: 1250 -> "12,50", -150 -> "-1,50" (form fields,
    links and CSV files; no currency sign, no thousands separator)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


@functools.lru_cache(maxsize=4096, typed=True)
def format_eur(cents: int | None, locale: str = "nl_BE") -> str:
    """Format cents for the given locale: ``€ 12,50`` in Dutch, ``12,50 €`` in French.

    Remembered per amount and locale (the text depends on nothing else): a catalogue page shows the same few
    dozen amounts on every visit, and Babel takes longer to format one than a page takes to look it up."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR", locale=_babel_locale(locale))


@functools.lru_cache(maxsize=16)
def _babel_locale(identifier: str) -> Locale:
    """The parsed Babel locale, once per identifier: parsing it again for every price on a page (Babel does not
    keep parsed locales) costs more than formatting the amount. Locales are not changed once loaded."""
    return Locale.parse(identifier)


def price_per_kg_cents(price_cents: int, grams: int | None) -> int | None:
    """Unit price per kilogram (or litre), rounded half up, for comparing packs."""
    if not grams:
        return None
    return (price_cents * 1000 * 2 + grams) // (2 * grams)
