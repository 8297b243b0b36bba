"""What an order needs, per order line and product, once its shortage reports are applied.

The needs come from the order lines as sold (loose products, and package components times the number of
packages), corrected by the shortage reports of those lines:

- substituted: the missing units of the original product are not needed, the substitute's units are;
- refunded: the missing units are not needed;
- open (not yet handled): the units are not counted either (the producer said it cannot deliver them), but
  they are shown as "open shortage" so that staff see something is still to be decided;
- withdrawn: ignored.

The pick list and packing slips (shop.fulfilment) and the purchase lists (shop.supply.purchase_lists) read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from shop.supply.models import ShortageReport, ShortageStatus

# Orders whose goods still have to be picked and packed.


def _line_ids(orders: Iterable[Order]) -> list[int]:
    return [line.id for order in orders for line in order.lines]


def _shortage_reports(orders: Iterable[Order]) -> list[ShortageReport]:
    line_ids = _line_ids(orders)
    if not line_ids:
        return []
    return list(db.session.scalars(
        select(ShortageReport)
        .where(ShortageReport.order_line_id.in_(line_ids), ShortageReport.status != ShortageStatus.WITHDRAWN)
        .order_by(ShortageReport.id)
    ))


def products_by_id(product_ids: Iterable[int]) -> dict[int, Product]:
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    return {
        product.id: product
        for product in db.session.scalars(
            select(Product).where(Product.id.in_(ids)).options(selectinload(Product.producer))
        )
    }


# --- what to pick, per order line and product ------------------------------------------------------------------


@dataclass
class Need:
    """Units of one product for one order line after the line's shortage reports."""

    order: Order
    line: OrderLine
    product_id: int
    name: str  # as sold (or the substitute's name)
    ordered: int  # units as sold (loose, or component quantity x packages); 0 for a substitute
    removed: int = 0  # units taken off by a substituted or refunded shortage
    open_short: int = 0  # units reported short and not yet handled
    substitute: int = 0  # units of a substitute that went in instead of another product

    @property
    def in_package(self) -> bool:
        return self.line.package_id is not None

    @property
    def to_pick(self) -> int:
        return max(self.ordered - self.removed - self.open_short, 0) + self.substitute


@dataclass
class Adjustment:
    """A shortage that changes what goes in an order line (shown on the pick list and the packing slip)."""

    order_number: str
    line_id: int
    status: ShortageStatus
    name: str
    quantity: int
    substitute_name: str = ""
    substitute_quantity: int = 0

    def describe(self) -> str:
        """What happened, in the current language ("1 × Hoevekaas vervangen door 1 × Brugse kaas")."""
        if self.status == ShortageStatus.SUBSTITUTED:
            return _("%(quantity)s × %(name)s vervangen door %(substitute_quantity)s × %(substitute)s",
                     quantity=self.quantity, name=self.name, substitute_quantity=self.substitute_quantity,
                     substitute=self.substitute_name)
        if self.status == ShortageStatus.REFUNDED:
            return _("%(quantity)s × %(name)s niet geleverd (terugbetaald)", quantity=self.quantity, name=self.name)
        return _("%(quantity)s × %(name)s gemeld als tekort, nog niet opgelost", quantity=self.quantity,
                 name=self.name)


def collect_needs(orders: list[Order], reports: list[ShortageReport] | None = None) -> tuple[list[Need], list[Adjustment]]:
    """Every (order line, product) to pick for ``orders`` with the shortage reports applied (see module doc)."""
    if reports is None:
        reports = _shortage_reports(orders)
    needs: dict[tuple[int, int], Need] = {}
    for order in orders:
        for line in order.lines:
            if line.product_id is not None:
                needs[(line.id, line.product_id)] = Need(order, line, line.product_id, line.name, line.quantity)
            for component in line.components:
                key = (line.id, component.product_id)
                units = component.quantity * line.quantity
                if key in needs:  # the same product twice in one package: add up
                    needs[key].ordered += units
                else:
                    needs[key] = Need(order, line, component.product_id, component.name, units)
    lines = {line.id: (order, line) for order in orders for line in order.lines}
    adjustments: list[Adjustment] = []
    for report in reports:
        if report.order_line_id not in lines:
            continue
        order, line = lines[report.order_line_id]
        need = needs.get((line.id, report.product_id))
        name = need.name if need is not None else report.product.name
        adjustments.append(Adjustment(order.number, line.id, report.status, name, report.quantity,
                                      report.substitute_name, report.substitute_quantity))
        if need is not None:
            left = need.ordered - need.removed - need.open_short
            if report.status == ShortageStatus.OPEN:
                need.open_short += min(report.quantity, left)
            else:
                need.removed += min(report.quantity, left)
        if report.status == ShortageStatus.SUBSTITUTED and report.substitute_product_id and report.substitute_quantity:
            key = (line.id, report.substitute_product_id)
            if key not in needs:
                needs[key] = Need(order, line, report.substitute_product_id, report.substitute_name, 0)
            needs[key].substitute += report.substitute_quantity
    return list(needs.values()), adjustments
