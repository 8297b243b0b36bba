"""Who bears a credit note: the one rule that takes a credit note off the producers' statements
(shop.reporting.statements reads it; nothing else decides it).

An order's *holdings* are what its invoice pays to whom, per (holder, product, VAT rate): each producer for its
products (loose lines at their total, package components at their share of the package price, a resolved
substitution moved from the producer that could not deliver to the substitute's producer) and the shop for the
delivery fee (holder ``SHOP``). The order's credit notes are taken off them one by one, in the order they were
issued:

1. The credit note that leaves nothing on the invoice (a cancellation after payment, a refund in full, or the
   last of several refunds) takes whatever each holder still has of the order, units and amounts: the order
   leaves every producer's statement.
2. A credit note that documents a refunded shortage (its refund is the shortage report's) takes the missing
   units and the amount paid back from the producer that could not deliver them, at that product's rate.
3. Any other credit note (a gesture, a damaged parcel) takes its amount at each VAT rate from what the holders
   still have at that rate, in proportion (largest remainder, shop.core.money.split_largest_remainder, so the
   parts add up to the cent); the units stay, nothing was sent back. The shop's delivery fee bears its part
   like a producer's goods: a gesture on the whole order is shared by everything the order paid for. When
   nothing is left at a rate (an earlier credit took it), the amount is spread over what is left at any rate.

Because every credit note takes from what is left, successive partial credits never take a holder below zero,
and the one that closes the invoice brings every holder to zero exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop.core.money import split_largest_remainder

SHOP = 0  # the holder of the delivery fee (producer ids start at 1)

# (holder, product id or 0 for the fee, VAT rate) -> [units, cents]
Key = tuple[int, int, int]
Holdings = dict[Key, list[int]]


@dataclass(frozen=True)
class Shortage:
    """The refunded shortage a credit note documents: who could not deliver what, at which rate, how many."""

    producer_id: int
    product_id: int
    vat_rate: int
    units: int


@dataclass(frozen=True)
class Credit:
    """What the rule needs of a credit note: its gross per VAT rate and total, whether it closes the invoice
    (nothing is left on it afterwards) and the shortage it documents, if any."""

    gross_by_rate: tuple[tuple[int, int], ...]
    total_cents: int
    closes_invoice: bool
    shortage: Shortage | None = None


def take_credit(holdings: Holdings, credit: Credit) -> dict[Key, tuple[int, int]]:
    """Take ``credit`` off an order's ``holdings`` (changed in place) by the rule above; returns what it took
    from each holder as (units, cents), both zero or negative."""
    taken: dict[Key, tuple[int, int]] = {}

    def take(key: Key, units: int, cents: int) -> None:
        held = holdings.setdefault(key, [0, 0])
        held[0] -= units
        held[1] -= cents
        before = taken.get(key, (0, 0))
        taken[key] = (before[0] - units, before[1] - cents)

    if credit.closes_invoice:
        for key, (units, cents) in sorted(holdings.items()):
            if units or cents:
                take(key, units, cents)
        return taken
    if credit.shortage is not None:
        shortage = credit.shortage
        take((shortage.producer_id, shortage.product_id, shortage.vat_rate), shortage.units, credit.total_cents)
        return taken
    for rate, gross in credit.gross_by_rate:
        weights = [(key, held[1]) for key, held in sorted(holdings.items()) if key[2] == rate and held[1] > 0]
        if not weights:
            weights = [(key, held[1]) for key, held in sorted(holdings.items()) if held[1] > 0]
        if not weights:
            continue  # nothing is held any more: nobody's statement changes
        for (key, _weight), share in zip(weights, split_largest_remainder(gross, [w for _k, w in weights]),
                                         strict=True):
            if share:
                take(key, 0, share)
    return taken
