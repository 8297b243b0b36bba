"""The 14 allergens of Regulation (EU) No 1169/2011, Annex II."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Allergen(StrEnum):
    GLUTEN = "gluten"
    CRUSTACEANS = "crustaceans"
    EGGS = "eggs"
    FISH = "fish"
    PEANUTS = "peanuts"
    SOYBEANS = "soybeans"
    MILK = "milk"
    NUTS = "nuts"
    CELERY = "celery"
    MUSTARD = "mustard"
    SESAME = "sesame"
    SULPHITES = "sulphites"
    LUPIN = "lupin"
    MOLLUSCS = "molluscs"

    @property
    def label(self) -> str:
        return str(ALLERGEN_LABELS[self])


ALLERGEN_LABELS = {
    Allergen.GLUTEN: _l("Glutenbevattende granen"),
    Allergen.CRUSTACEANS: _l("Schaaldieren"),
    Allergen.EGGS: _l("Eieren"),
    Allergen.FISH: _l("Vis"),
    Allergen.PEANUTS: _l("Aardnoten"),
    Allergen.SOYBEANS: _l("Soja"),
    Allergen.MILK: _l("Melk"),
    Allergen.NUTS: _l("Noten"),
    Allergen.CELERY: _l("Selderij"),
    Allergen.MUSTARD: _l("Mosterd"),
    Allergen.SESAME: _l("Sesamzaad"),
    Allergen.SULPHITES: _l("Zwaveldioxide en sulfieten"),
    Allergen.LUPIN: _l("Lupine"),
    Allergen.MOLLUSCS: _l("Weekdieren"),
}


class Presence(StrEnum):
    CONTAINS = "contains"
    MAY_CONTAIN = "may_contain"
