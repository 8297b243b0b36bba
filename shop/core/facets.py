"""Which values of a list page's filter facet are shown at once and which wait behind "Toon alle".

A facet (producers, municipalities, ...) can hold hundreds of values; every value as a checkbox makes the page
heavy (hundreds of form controls) and hard to scan. A facet shows its values with the most results, plus every
selected value, in the facet's own order; the rest follow behind a ``<details>`` ("Toon alle 277"), or, when
there are many, behind a link to the same page with that one facet opened whole (``toon=<facet>``). Small
facets are shown whole. Used by the products, producers and packages lists (``templates/macros/facets.html``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The values shown at once: the ones with the most results (Baymard: 5 to 10 in a facet before "show more").
SHOWN_VALUES = 6
# A facet with at most this many more values than SHOWN_VALUES is shown whole: "Toon alle" for one or two
# values hides nothing worth hiding.
SMALL_FACET_SLACK = 2
# More hidden values than this: "Toon alle" is a link to the page with the facet opened, not a <details>
# holding them all (every value in the page counts, opened or not).
MAX_VALUES_IN_PAGE = 12


@dataclass(frozen=True)
class FacetView:
    """A facet's values split for display; ``top`` and ``rest`` keep the facet's own order."""

    top: list[Any]
    rest: list[Any]
    opened: bool  # the visitor asked for the whole facet (``toon=<facet>``)

    @property
    def total(self) -> int:
        return len(self.top) + len(self.rest)

    @property
    def rest_in_page(self) -> bool:
        """Whether the rest is in the page (behind a <details>) rather than behind a link."""
        return self.opened or len(self.rest) <= MAX_VALUES_IN_PAGE


def facet_view(values: Sequence[Any], *, opened: bool = False, shown: int = SHOWN_VALUES) -> FacetView:
    """Split ``values`` (each with ``count`` and ``selected``) into the ones shown at once and the rest.

    Shown: the ``shown`` values with the highest counts (ties: the facet's order) and every selected value.
    """
    values = list(values)
    if len(values) <= shown + SMALL_FACET_SLACK:
        return FacetView(values, [], opened)
    by_count = sorted(range(len(values)), key=lambda index: -values[index].count)
    keep = set(by_count[:shown]) | {index for index, value in enumerate(values) if value.selected}
    top = [value for index, value in enumerate(values) if index in keep]
    rest = [value for index, value in enumerate(values) if index not in keep]
    return FacetView(top, rest, opened)


@dataclass(frozen=True)
class TreeFacetView:
    """A two-level facet (top categories with their subcategories): every top value, and the children of the
    tops that are selected or hold a selected child; all children when the facet is small or opened."""

    branches: list[tuple[Any, list[Any]]]  # (top value, its children shown)
    hidden_children: int

    @property
    def total(self) -> int:
        return sum(1 + len(children) for _top, children in self.branches) + self.hidden_children


def tree_facet_view(tops: Sequence[Any], *, opened: bool = False) -> TreeFacetView:
    """Split a facet whose values carry ``children`` (each with ``count`` and ``selected``)."""
    size = sum(1 + len(top.children) for top in tops)
    show_all = opened or size <= MAX_VALUES_IN_PAGE
    branches, hidden = [], 0
    for top in tops:
        if show_all or top.selected or any(child.selected for child in top.children):
            branches.append((top, list(top.children)))
        else:
            branches.append((top, []))
            hidden += len(top.children)
    return TreeFacetView(branches, hidden)
