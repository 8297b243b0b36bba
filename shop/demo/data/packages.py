"""Occasions and gift-package themes of the Groot Vleeshuis for the demo catalogue (packages.json).

Each theme lists slots; a slot lists what may fill it (a template id of products.csv, or
"sub:<subcategory slug>") and a quantity. The seed fills each slot with a published product in stock,
spreading the slots over at least two producers; a theme with a region only takes products from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop.demo.data import Texts, read_json, texts

SUBCATEGORY_PREFIX = "sub:"


@dataclass(frozen=True)
class Slot:
    pick: tuple[str, ...]  # template ids (a named product is preferred) or "sub:<slug>", in order
    quantity: int


@dataclass(frozen=True)
class Theme:
    slug: str
    name: Texts
    story: Texts
    occasions: tuple[str, ...]
    image: str  # static/img/packages/<image>.svg
    featured: bool
    region: str | None  # only products of this streek
    slots: tuple[Slot, ...]


_packages = read_json("packages.json")
OCCASIONS: dict[str, Texts] = {slug: texts(name) for slug, name in _packages["occasions"].items()}
# Package pictures in static/img/packages/.
IMAGES: tuple[str, ...] = tuple(_packages["images"])
THEMES: tuple[Theme, ...] = tuple(
    Theme(slug=t["slug"], name=texts(t["name"]), story=texts(t["story"]), occasions=tuple(t["occasions"]),
          image=t["image"], featured=t["featured"], region=t["region"],
          slots=tuple(Slot(tuple(s["pick"]), s["quantity"]) for s in t["slots"]))
    for t in _packages["themes"]
)
