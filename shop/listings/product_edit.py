"""Producers keep their own listings: create, edit, hide, unhide, archive and submit products for review.

Rules (issue 4): a new product waits for staff review (``pending_review``) before it shows; a food product
whose mandatory food information is missing can only be saved as ``draft``. Price, stock and availability go
live at once; a published product stays published after an edit, but its food information must stay
complete. Stock changes only through ``inventory.services.set_stock`` (a movement with reason
``producer_edit``). Order lines snapshot their prices, so nothing here touches placed orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.catalog.allergens import Allergen, Presence
from shop.catalog.models import (
    Category,
    Label,
    NetUnit,
    Producer,
    Product,
    ProductAllergen,
    ProductStatus,
)
from shop.catalog.search import fold
from shop.catalog.services import (
    FIELD_LABELS,
    MissingFoodInformation,
    missing_food_information,
    publish_product,
    refresh_search_text,
)
from shop.catalog.vat import VatCategory
from shop.core.errors import DomainError
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import StockChanged, set_stock

MAX_PRICE_CENTS = 1_000_000
MAX_STOCK = 100_000
TRANSLATED_LANGUAGES = ("fr", "en")
TRANSLATED_FIELDS = ("name", "description", "unit", "ingredients", "storage")


class ProductEditError(DomainError):
    pass


@dataclass
class ProductData:
    """Everything a producer can set on a product, already parsed (cents, ints, sets)."""

    name: str
    category_id: int
    unit: str
    price_cents: int
    vat_category_id: int
    stock: int
    description: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    net_quantity: int | None = None
    net_unit: NetUnit = NetUnit.PIECE
    is_food: bool = True
    ingredients: str = ""
    contains: set[Allergen] = field(default_factory=set)
    may_contain: set[Allergen] = field(default_factory=set)
    storage: str = ""
    alcohol_pct: float | None = None
    origin: str = ""
    shelf_life_days: int | None = None
    perishable: bool = False
    season_months: list[int] = field(default_factory=lambda: list(range(1, 13)))
    label_ids: list[int] = field(default_factory=list)
    # The stock figure the producer saw when the form was shown: a sale in between is not overwritten.
    stock_seen: int | None = None


@dataclass(frozen=True)
class Change:
    """One thing an edit changed: the field's name and its old and new values (for "what changed")."""

    field: str
    old: Any = None
    new: Any = None


def season_mask_from(months) -> int:
    mask = 0
    for month in months:
        mask |= 1 << (int(month) - 1)
    return mask


def missing_food_labels(product: Product) -> list[str]:
    """The missing mandatory food information, as translated field names."""
    return [str(FIELD_LABELS[name]) for name in missing_food_information(product)]


def _check(data: ProductData) -> tuple[Category, VatCategory, list[Label]]:
    """The rules a form checks too, repeated here so no caller can break them."""
    if not data.name.strip():
        raise ProductEditError(_l("Vul de naam van het product in."))
    if not data.unit.strip():
        raise ProductEditError(_l("Vul de eenheid in, bijvoorbeeld 'per stuk' of '250 g'."))
    if not 0 < data.price_cents <= MAX_PRICE_CENTS:
        raise ProductEditError(_l("De prijs moet tussen € 0,01 en € 10.000 liggen."))
    if not 0 <= data.stock <= MAX_STOCK:
        raise ProductEditError(_l("De voorraad moet een geheel getal tussen 0 en 100.000 zijn."))
    if data.contains & data.may_contain:
        raise ProductEditError(_l("Een allergeen kan niet tegelijk in 'bevat' en in 'kan sporen bevatten van' staan."))
    if not data.season_months or any(not 1 <= int(m) <= 12 for m in data.season_months):
        raise ProductEditError(_l("Kies minstens één maand waarin het product te koop is."))
    category = db.session.get(Category, data.category_id)
    if category is None or category.parent_id is None:
        raise ProductEditError(_l("Kies een subcategorie."))
    vat_category = db.session.get(VatCategory, data.vat_category_id)
    if vat_category is None:
        raise ProductEditError(_l("Kies een btw-categorie."))
    labels = list(db.session.scalars(select(Label).where(Label.id.in_(data.label_ids)).order_by(Label.name)))
    if len(labels) != len(set(data.label_ids)):
        raise ProductEditError(_l("Kies alleen labels uit de lijst."))
    return category, vat_category, labels


def _apply(product: Product, data: ProductData, category, vat_category, labels) -> None:
    """Copy everything but stock and status onto the product."""
    product.name = data.name.strip()
    product.description = data.description.strip()
    # Merge: the form's texts win, texts it does not show (other keys) are kept, empty ones are dropped.
    translations = {}
    for language in TRANSLATED_LANGUAGES:
        texts = dict((product.translations or {}).get(language, {}))
        texts.update(data.translations.get(language, {}))
        texts = {key: value.strip() for key, value in texts.items() if isinstance(value, str) and value.strip()}
        if texts:
            translations[language] = texts
    for language, texts in (product.translations or {}).items():
        if language not in TRANSLATED_LANGUAGES:
            translations[language] = texts
    product.translations = translations
    product.category = category
    product.vat_category = vat_category
    product.unit = data.unit.strip()
    product.net_quantity = data.net_quantity
    product.net_unit = data.net_unit
    product.price_cents = data.price_cents
    product.is_food = data.is_food
    product.ingredients = data.ingredients.strip()
    product.storage = data.storage.strip()
    product.alcohol_pct = data.alcohol_pct
    product.origin = data.origin.strip()
    product.shelf_life_days = data.shelf_life_days
    product.perishable = data.perishable
    product.season_mask = season_mask_from(data.season_months)
    product.labels = labels
    wanted = {a: Presence.CONTAINS for a in data.contains} | {a: Presence.MAY_CONTAIN for a in data.may_contain}
    current = {Allergen(row.allergen): row for row in product.allergens}
    for allergen, row in current.items():
        if allergen not in wanted:
            product.allergens.remove(row)
        elif row.presence != wanted[allergen]:
            row.presence = wanted[allergen]
    for allergen, presence in wanted.items():
        if allergen not in current:
            product.allergens.append(ProductAllergen(allergen=allergen, presence=presence))


def _unique_slug(name: str, producer: Producer) -> str:
    base = fold(f"{name} {producer.slug}").replace(" ", "-")[:150].strip("-") or "product"
    slug, n = base, 1
    while db.session.scalar(select(Product.id).where(Product.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_product(producer: Producer, data: ProductData, *, by) -> Product:
    """Create a product of ``producer``. It waits for review (``pending_review``), or is a ``draft`` while a
    food product misses mandatory food information (``missing_food_labels`` names what). The opening stock is
    a ``producer_edit`` stock movement. Raises ProductEditError for data that breaks a rule."""
    category, vat_category, labels = _check(data)
    product = Product(producer=producer, slug=_unique_slug(data.name, producer), stock=0,
                      status=ProductStatus.DRAFT)
    _apply(product, data, category, vat_category, labels)
    db.session.add(product)
    db.session.flush()
    if not missing_food_information(product):
        product.status = ProductStatus.PENDING_REVIEW
    refresh_search_text(product)
    set_stock(product, data.stock, MovementReason.PRODUCER_EDIT, by=by, note="nieuw product")
    db.session.flush()
    return product


_COMPARED = (
    "name", "description", "translations", "category_id", "vat_category_id", "unit", "net_quantity", "net_unit",
    "price_cents", "is_food", "ingredients", "storage", "alcohol_pct", "origin", "shelf_life_days", "perishable",
    "season_mask",
)


def _snapshot(product: Product) -> dict[str, Any]:
    values = {name: getattr(product, name) for name in _COMPARED}
    values["translations"] = dict(product.translations or {})
    values["allergens"] = {(row.allergen, row.presence) for row in product.allergens}
    values["labels"] = {label.id for label in product.labels}
    return values


def update_product(product: Product, data: ProductData, *, by) -> list[Change]:
    """Apply a producer's edit; returns what changed (price and stock with old and new values).

    Price, stock and the rest go live at once; placed orders keep their own snapshot. A published or hidden
    product keeps its status but its food information must stay complete (raises MissingFoodInformation). A
    draft whose information is now complete goes to review; a product waiting for review whose information
    is no longer complete goes back to draft. Stock: only when the figure was changed in the form, through
    ``set_stock``; raises StockChanged when a sale changed it since the form was shown.
    Raises ProductEditError for an archived product or data that breaks a rule.
    """
    if product.status == ProductStatus.ARCHIVED:
        raise ProductEditError(_l("Een gearchiveerd product kun je niet meer aanpassen."))
    category, vat_category, labels = _check(data)
    before = _snapshot(product)
    old_stock = product.stock
    _apply(product, data, category, vat_category, labels)
    db.session.flush()
    missing = missing_food_information(product)
    if product.status in (ProductStatus.PUBLISHED, ProductStatus.HIDDEN) and missing:
        raise MissingFoodInformation([str(FIELD_LABELS[f]) for f in missing])
    if product.status == ProductStatus.DRAFT and not missing:
        product.status = ProductStatus.PENDING_REVIEW
        product.review_note = ""  # submitted again: staff's earlier reason no longer applies
    elif product.status == ProductStatus.PENDING_REVIEW and missing:
        product.status = ProductStatus.DRAFT
    after = _snapshot(product)
    changes = [Change("price_cents", before["price_cents"], after["price_cents"])] if (
        before["price_cents"] != after["price_cents"]) else []
    stock_changed = data.stock_seen is None or data.stock != data.stock_seen
    if stock_changed and data.stock != old_stock:
        if data.stock_seen is not None and old_stock != data.stock_seen:
            raise StockChanged(
                _l("De voorraad is intussen gewijzigd (nu %(stock)s), bv. door een verkoop. Bekijk het nieuwe "
                   "cijfer en probeer opnieuw."), stock=old_stock
            )
        set_stock(product, data.stock, MovementReason.PRODUCER_EDIT, by=by, note="portaal")
        changes.append(Change("stock", old_stock, data.stock))
    for name in (*_COMPARED, "allergens", "labels"):
        if name != "price_cents" and before[name] != after[name]:
            changes.append(Change(name))
    if before["name"] != after["name"] or before["category_id"] != after["category_id"] or (
        before["description"] != after["description"] or before["translations"] != after["translations"]
    ):
        refresh_search_text(product)
    db.session.flush()
    return changes


def hide_product(product: Product, *, by) -> None:
    """Take a published product out of the shop for a while (sold out for the season, on holiday)."""
    if product.status != ProductStatus.PUBLISHED:
        raise ProductEditError(_l("Alleen een product dat in de winkel staat, kun je verbergen."))
    product.status = ProductStatus.HIDDEN


def unhide_product(product: Product, *, by) -> None:
    """Put a hidden product back in the shop; its food information must be complete (MissingFoodInformation)."""
    if product.status != ProductStatus.HIDDEN:
        raise ProductEditError(_l("Dit product is niet verborgen."))
    publish_product(product, by=by)


def archive_product(product: Product, *, by) -> None:
    """Archive a product for good: it leaves the shop and the portal's list; placed orders keep it."""
    if product.status == ProductStatus.ARCHIVED:
        raise ProductEditError(_l("Dit product is al gearchiveerd."))
    product.status = ProductStatus.ARCHIVED


def submit_for_review(product: Product, *, by) -> None:
    """Send a draft to staff for review. Raises MissingFoodInformation while information is missing."""
    if product.status != ProductStatus.DRAFT:
        raise ProductEditError(_l("Alleen een ontwerp kun je ter controle indienen."))
    missing = missing_food_information(product)
    if missing:
        raise MissingFoodInformation([str(FIELD_LABELS[f]) for f in missing])
    product.status = ProductStatus.PENDING_REVIEW
    product.review_note = ""  # submitted again: staff's earlier reason no longer applies


def data_from_product(product: Product) -> ProductData:
    """The current values of a product, as the edit form starts from."""
    return ProductData(
        name=product.name, category_id=product.category_id, unit=product.unit, price_cents=product.price_cents,
        vat_category_id=product.vat_category_id, stock=product.stock, description=product.description,
        translations=dict(product.translations or {}), net_quantity=product.net_quantity,
        net_unit=NetUnit(product.net_unit), is_food=product.is_food, ingredients=product.ingredients,
        contains=set(product.contains), may_contain=set(product.may_contain), storage=product.storage,
        alcohol_pct=product.alcohol_pct, origin=product.origin, shelf_life_days=product.shelf_life_days,
        perishable=product.perishable, season_months=product.season_months,
        label_ids=[label.id for label in product.labels], stock_seen=product.stock,
    )

