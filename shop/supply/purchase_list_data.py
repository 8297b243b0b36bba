"""The purchase list as data: what one producer delivers over a period, per product.

Built by shop.supply.purchase_lists, drawn by shop.supply.purchase_list_pdf (both import it from here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shop.catalog.models import Producer


@dataclass
class PurchaseLine:
    product_id: int
    name: str
    unit: str
    quantity: int = 0  # units to deliver
    open_short: int = 0  # units reported short, not yet handled (not asked for)
    days: list[date] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)


@dataclass
class PurchaseList:
    producer: Producer
    start: date
    end: date
    lines: list[PurchaseLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def open_short(self) -> int:
        return sum(line.open_short for line in self.lines)
