"""Catalogue rules: what a product needs before it may be published, and its search text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.catalog.models import Product, ProductStatus
from shop.catalog.search import build_search_text
from shop.core.errors import DomainError


class MissingFoodInformation(DomainError):
    def __init__(self, missing: list[str]):
        super().__init__(_l("Dit product mist verplichte voedselinformatie: %(fields)s."), fields=", ".join(missing))
        self.missing = missing


FIELD_LABELS = {
    "ingredients": _l("ingrediënten"),
    "storage": _l("bewaaradvies"),
    "net_quantity": _l("nettohoeveelheid"),
    "alcohol_pct": _l("alcoholpercentage"),
}


def missing_food_information(product: Product) -> list[str]:
    """The EU 1169/2011 art. 14 fields still empty on a food product (field names)."""
    if not product.is_food:
        return []
    missing = []
    if not (product.ingredients or "").strip():
        missing.append("ingredients")
    if not (product.storage or "").strip():
        missing.append("storage")
    if product.net_quantity is None or product.net_quantity <= 0:
        missing.append("net_quantity")
    # Drinks above 1.2 % vol must state their alcohol; the VAT category says a product is alcoholic.
    if product.vat_category is not None and product.vat_category.code == "alcohol" and product.alcohol_pct is None:
        missing.append("alcohol_pct")
    return missing


def publish_product(product: Product, *, by=None) -> None:
    """Publish a product. Raises MissingFoodInformation while mandatory food information is missing."""
    missing = missing_food_information(product)
    if missing:
        raise MissingFoodInformation([str(FIELD_LABELS[f]) for f in missing])
    product.status = ProductStatus.PUBLISHED


def product_search_text(
    texts: list[str], *, producer_name: str, place_names: list[str], category_names: list[str]
) -> str:
    """What search matches for a product: its names and descriptions (every language), its producer and place,
    and its own (sub)category's names. The parent category is left out on purpose: with it, every egg would be
    found by ``kaas`` through "Zuivel, kaas & eieren"."""
    return build_search_text(*texts, producer_name, *place_names, *category_names)


def refresh_search_text(product: Product) -> None:
    """Recompute a product's search text after its names, producer or category changed."""
    texts = [product.name, product.description]
    for language in (product.translations or {}).values():
        texts += [language.get("name") or "", language.get("description") or ""]
    category = product.category
    product.search_text = product_search_text(
        texts,
        producer_name=product.producer.name,
        place_names=[product.producer.place_name, product.producer.municipality.name],
        category_names=[category.name, *((category.translations or {}).get(lang, {}).get("name", "") for lang in ("fr", "en"))],
    )
