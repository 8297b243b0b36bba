"""The check that an address's postcode and place belong together, without accounts knowing the reference data.

The rule and the national postcode table live in shop.reference.postcodes, a layer above. It tells accounts
once how to check a postcode and place (``set_check``, from create_app); the company profile's invoice address
is checked with it (shop.accounts.company.check_company_details), as every other address in the shop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (postcode, place) -> None, or a problem with ``field`` ("postcode" or "city") and ``message``
_check: Callable[[str, str], Any] | None = None


def set_check(check: Callable[[str, str], Any]) -> None:
    """Register (or replace) how a postcode and place are checked."""
    global _check
    _check = check


def place_problem(postcode: str, place: str) -> Any:
    """The problem with a postcode (already four digits) and place, or None."""
    if _check is None:
        raise RuntimeError("No postcode check: create_app connects the reference data to accounts")
    return _check(postcode, place)
