"""Shared catalogue fixture for the catalogue tests."""

from datetime import datetime, timezone

import pytest

from shop.catalog.allergens import Presence
from shop.catalog.models import NetUnit, ProductStatus
from tests.factories import (
    make_category,
    make_label,
    make_municipality,
    make_producer,
    make_product,
    make_region,
    make_vat_category,
)

MAY_TO_AUGUST = sum(1 << (m - 1) for m in (5, 6, 7, 8))


@pytest.fixture
def catalogue(db):
    """Five visible products over three producers, two regions, two top categories; plus three hidden ones."""
    meetjesland = make_region("meetjesland", "Meetjesland")
    waasland = make_region("waasland", "Waasland")
    eeklo = make_municipality("Eeklo", region=meetjesland, slug="eeklo")
    sint_niklaas = make_municipality("Sint-Niklaas", region=waasland, slug="sint-niklaas")
    lokeren = make_municipality("Lokeren", region=waasland, slug="lokeren")

    zuivel = make_category("Zuivel", slug="zuivel", position=1)
    kaas = make_category("Kaas", parent=zuivel, slug="kaas", position=1)
    boter = make_category("Boter", parent=zuivel, slug="boter", position=2)
    drank = make_category("Drank", slug="drank", position=2)
    bier = make_category("Bier", parent=drank, slug="bier", position=1)
    zoet = make_category("Zoet", slug="zoet", position=3)
    vlees = make_category("Vlees", slug="vlees", position=4)

    bio = make_label("bio", "Bio")
    hoevewinkel = make_label("hoevewinkel", "Hoevewinkel")

    kaasmakerij = make_producer("Hoeve Dierickx", municipality=eeklo, slug="hoeve-dierickx")
    kaasmakerij.labels.append(hoevewinkel)
    brouwerij = make_producer("Brouwerij Waas", municipality=sint_niklaas, slug="brouwerij-waas")
    zuivelhoeve = make_producer("Zuivelhoeve Lokeren", municipality=lokeren, slug="zuivelhoeve-lokeren")
    zuivelhoeve.labels.append(bio)
    inactive = make_producer("Gesloten Hoeve", municipality=eeklo, slug="gesloten-hoeve", active=False)

    alcohol = make_vat_category("alcohol", 21)
    created = iter(datetime(2025, 1, day, tzinfo=timezone.utc) for day in range(1, 20))

    products = {
        "kaas": make_product(
            "Oude hoevekaas", producer=kaasmakerij, category=kaas, price_cents=650, net_unit=NetUnit.GRAM,
            allergens={"milk": Presence.CONTAINS}, created_at=next(created),
        ),
        "boter": make_product(
            "Hoeveboter", producer=zuivelhoeve, category=boter, price_cents=325, net_unit=NetUnit.GRAM,
            allergens={"milk": Presence.CONTAINS}, created_at=next(created),
        ),
        "tripel": make_product(
            "Tripel", producer=brouwerij, category=bier, price_cents=275, vat=alcohol, alcohol_pct=8.5,
            unit="33 cl", net_quantity=330, net_unit=NetUnit.MILLILITRE,
            allergens={"gluten": Presence.CONTAINS}, created_at=next(created),
        ),
        "confituur": make_product(
            "Aardbeienconfituur", producer=zuivelhoeve, category=zoet, price_cents=450, stock=0, net_unit=NetUnit.GRAM,
            season_mask=MAY_TO_AUGUST, allergens={"nuts": Presence.MAY_CONTAIN}, created_at=next(created),
        ),
        "pate": make_product(
            "Paté van de hoeve", producer=kaasmakerij, category=vlees, price_cents=520, stock=3, net_unit=NetUnit.GRAM,
            created_at=next(created),
        ),
        "draft": make_product("Geheime kaas", producer=kaasmakerij, category=kaas, status=ProductStatus.DRAFT),
        "hidden": make_product("Verstopte kaas", producer=kaasmakerij, category=kaas, status=ProductStatus.HIDDEN),
        "inactive": make_product("Boter van gesloten hoeve", producer=inactive, category=boter),
    }
    products["tripel"].labels.append(bio)
    db.session.flush()
    return products
