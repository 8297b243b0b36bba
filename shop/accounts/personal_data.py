"""What other domains hold about a person, reached without accounts importing them.

A domain above accounts that keeps data about a person (the orders: shop.orders.customers) adds a
PersonalDataHolder once (create_app). Accounts then asks every holder, in the order they were added:
- ``open_matters``: what must end before the account can be deleted (the numbers of open orders);
- ``claim``: attach what was kept under the now proven e-mail address (guest orders), returning how many;
- ``export``: its sections of the personal-data export (GDPR art. 15 and 20);
- ``erase``: remove the contact data and keep what accounting needs, when the account is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shop.accounts.models import User


@dataclass(frozen=True)
class PersonalDataHolder:
    name: str
    open_matters: Callable[[User], list[str]]
    claim: Callable[[User], int]
    export: Callable[[User], dict[str, Any]]
    erase: Callable[..., None]  # erase(user, *, old_email, anonymous)


_HOLDERS: dict[str, PersonalDataHolder] = {}


def add_holder(holder: PersonalDataHolder) -> None:
    """Register (or replace, under the same name) a domain that holds personal data."""
    _HOLDERS[holder.name] = holder


def open_matters(user: User) -> list[str]:
    return [matter for holder in _HOLDERS.values() for matter in holder.open_matters(user)]


def claim(user: User) -> int:
    return sum(holder.claim(user) for holder in _HOLDERS.values())


def export(user: User) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for holder in _HOLDERS.values():
        sections |= holder.export(user)
    return sections


def erase(user: User, *, old_email: str, anonymous: str) -> None:
    for holder in _HOLDERS.values():
        holder.erase(user, old_email=old_email, anonymous=anonymous)
