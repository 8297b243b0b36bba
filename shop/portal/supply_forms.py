"""Forms of the portal's supply pages: the quick-edit table, the CSV upload and its confirmation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from shop.catalog.models import Product
from shop.core.money import MoneyParseError, cents_to_text, format_eur, parse_cents
from shop.listings.product_csv import MAX_STOCK, SupplyChange, can_toggle_availability, check_change, is_available


@dataclass
class QuickEditRow:
    """One product's row: the text as typed (kept on errors) and the errors by field."""

    product: Product
    stock: str
    price: str
    available: bool
    expected_stock: str
    errors: dict[str, object] = field(default_factory=dict)
    submitted: bool = True

    @property
    def can_toggle(self) -> bool:
        return can_toggle_availability(self.product)

    @property
    def price_now(self) -> str:
        return format_eur(self.product.price_cents)


class QuickEditForm(FlaskForm):
    """CSRF plus one row per product (``stock-<id>``, ``price-<id>``, ``available-<id>``, ``expected-<id>``).

    Rows are built by hand because their number follows the producer's catalogue. Validation checks every
    row before anything is applied; ``changes()`` gives what to pass to ``apply_supply_changes``.
    """

    def __init__(self, products: list[Product], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products
        data = request.form if self.is_submitted() else None
        self.rows: list[QuickEditRow] = []
        for product in products:
            key = str(product.id)
            if data is not None and f"stock-{key}" in data:
                self.rows.append(QuickEditRow(
                    product,
                    stock=data.get(f"stock-{key}", "").strip(),
                    price=data.get(f"price-{key}", "").strip(),
                    available=bool(data.get(f"available-{key}")),
                    expected_stock=data.get(f"expected-{key}", "").strip(),
                ))
            else:
                self.rows.append(QuickEditRow(
                    product, stock=str(product.stock), price=cents_to_text(product.price_cents),
                    available=is_available(product), expected_stock=str(product.stock), submitted=False,
                ))
        self.row_errors: list[tuple[QuickEditRow, str, object]] = []
        self.general_errors: list[object] = []

    @property
    def errors(self):  # base.html says "Fout:" in the title when there are errors
        errors = dict(super().errors)
        if self.row_errors:
            errors["rows"] = [str(message) for _, _, message in self.row_errors]
        if self.general_errors:
            errors["form"] = [str(message) for message in self.general_errors]
        return errors

    def validate(self, extra_validators=None) -> bool:
        csrf_ok = super().validate(extra_validators)
        self._changes: list[SupplyChange] = []
        for row in self.rows:
            if not row.submitted:
                continue
            change = SupplyChange(row.product.id)
            if not row.stock:
                row.errors["stock"] = _l("Vul de voorraad in (0 als je niets hebt).")
            elif not (row.stock.isdigit() and row.stock.isascii()):
                if row.stock.lstrip("-").isdigit():
                    row.errors["stock"] = _l("De voorraad kan niet negatief zijn.")
                else:
                    row.errors["stock"] = _l("Vul de voorraad in als een geheel getal, bijvoorbeeld 12.")
            elif int(row.stock) > MAX_STOCK:
                row.errors["stock"] = _l("De voorraad kan hoogstens %(max)s zijn.", max=MAX_STOCK)
            else:
                change.stock = int(row.stock)
            if not row.price:
                row.errors["price"] = _l("Vul een prijs in, bijvoorbeeld 4,50.")
            else:
                try:
                    change.price_cents = parse_cents(row.price)
                except MoneyParseError:
                    row.errors["price"] = _l("Vul de prijs in euro in, bijvoorbeeld 4,50.")
            if row.can_toggle:
                change.available = row.available
            change.expected_stock = int(row.expected_stock) if row.expected_stock.isdigit() else None
            for name, message in check_change(row.product, change).items():
                row.errors.setdefault(name, message)
            if row.errors:
                for name, message in row.errors.items():
                    self.row_errors.append((row, name, message))
            else:
                self._changes.append(change)
        return csrf_ok and not self.row_errors

    def changes(self) -> list[SupplyChange]:
        return list(self._changes)

    def expect_current_stock(self) -> None:
        """After a concurrent change: keep what was typed, but compare with the stock as it is now."""
        for row in self.rows:
            row.expected_stock = str(row.product.stock)


class CsvUploadForm(FlaskForm):
    file = FileField(_l("CSV-bestand"), validators=[FileRequired(_l("Kies een CSV-bestand om te importeren."))])


class CsvConfirmForm(FlaskForm):
    """The checked changes travel back as JSON; the confirmation checks them all again before applying."""

    changes = HiddenField()

    def parsed_changes(self) -> list[SupplyChange] | None:
        try:
            raw = json.loads(self.changes.data or "")
            changes = []
            for item in raw:
                product_id, stock, price_cents, available, expected = item
                for value in (stock, price_cents, expected):
                    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                        return None
                if not isinstance(product_id, int) or (available is not None and not isinstance(available, bool)):
                    return None
                changes.append(SupplyChange(product_id, stock, price_cents, available, expected))
            return changes
        except (ValueError, TypeError):
            return None

    @staticmethod
    def encode(changes: list[SupplyChange]) -> str:
        return json.dumps([[c.product_id, c.stock, c.price_cents, c.available, c.expected_stock] for c in changes])
