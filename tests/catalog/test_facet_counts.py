"""The products list's counts (result, facets, yes/no filters) against a count made product by product in Python.

The counts' statement adds up groups of products (per producer and category) and counts labels and allergens per
producer; here every number is counted the plain way over a small, mixed catalogue (inactive producers, drafts,
labels both on a product and on its producer, allergens that a product contains or may contain, sold-out and
seasonal products), for many filter combinations.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from shop.catalog.allergens import Allergen, Presence
from shop.catalog.models import Category, Producer, Product, ProductStatus
from shop.catalog.product_filters import parse_filters
from shop.catalog.product_queries import list_products
from tests.factories import make_category, make_label, make_municipality, make_producer, make_product, make_region

TODAY = date(2025, 6, 15)
JUNE = 1 << 5


@pytest.fixture
def mixed_catalogue(db):
    rng = random.Random(14)
    regions = [make_region("meetjesland", "Meetjesland"), make_region("waasland", "Waasland"),
               make_region("denderstreek", "Denderstreek")]
    places = [make_municipality(f"Gemeente {i}", region=regions[i % 3], slug=f"gemeente-{i}") for i in range(5)]
    labels = [make_label("bio", "Bio"), make_label("korte-keten", "Korte keten"), make_label("weidemelk", "Weidemelk")]
    zuivel, drank = make_category("Zuivel", slug="zuivel"), make_category("Drank", slug="drank")
    categories = [zuivel, drank, make_category("Kaas", parent=zuivel, slug="kaas"),
                  make_category("Boter", parent=zuivel, slug="boter"), make_category("Bier", parent=drank, slug="bier")]
    producers = []
    for i in range(8):
        producer = make_producer(f"Hoeve {i}", municipality=places[i % 5], active=i != 7)
        producer.slug = f"hoeve-{i}"
        producer.labels.extend(rng.sample(labels, rng.randint(0, 2)))
        producers.append(producer)
    allergens = list(Allergen)[:5]
    for n in range(90):
        product = make_product(
            f"{rng.choice(['Hoevekaas', 'Tripel', 'Boter', 'Yoghurt'])} {n}",
            producer=rng.choice(producers), category=rng.choice(categories),
            stock=rng.choice([0, 0, 3, 12]), price_cents=rng.randint(150, 2500),
            season_mask=rng.choice([4095, JUNE, 1 << 11, JUNE | 1 << 6]),
            status=ProductStatus.PUBLISHED if rng.random() < 0.85 else ProductStatus.DRAFT,
            allergens={a.value: rng.choice([Presence.CONTAINS, Presence.MAY_CONTAIN])
                       for a in rng.sample(allergens, rng.randint(0, 3))},
        )
        product.labels.extend(rng.sample(labels, rng.randint(0, 2)))
    db.session.commit()


def brute_force(args: dict[str, list[str]]) -> dict:
    """Every number of the list, counted product by product: each facet under every filter but its own."""
    from shop.extensions import db

    products = db.session.scalars(select(Product).options(
        selectinload(Product.labels), selectinload(Product.allergens),
        selectinload(Product.producer).selectinload(Producer.labels),
        selectinload(Product.producer).selectinload(Producer.municipality),
    )).all()
    by_slug = {c.slug: c for c in db.session.scalars(select(Category))}
    chosen_categories = {c.id for slug in args.get("categorie", []) for c in by_slug.values()
                         if c.slug == slug or (c.parent is not None and c.parent.slug == slug)}

    def labels_of(p):
        return {label.slug for label in p.labels} | {label.slug for label in p.producer.labels}

    tests = {
        "categorie": lambda p: not args.get("categorie") or p.category_id in chosen_categories,
        "streek": lambda p: not args.get("streek") or p.producer.municipality.region.slug in args["streek"],
        "gemeente": lambda p: not args.get("gemeente") or p.producer.municipality.slug in args["gemeente"],
        "label": lambda p: not args.get("label") or bool(labels_of(p) & set(args["label"])),
        "producent": lambda p: not args.get("producent") or p.producer.slug in args["producent"],
        "zonder": lambda p: not ({a.allergen.value for a in p.allergens} & set(args.get("zonder", []))),
        "seizoen": lambda p: not args.get("seizoen") or bool(p.season_mask & JUNE),
        "voorraad": lambda p: not args.get("voorraad") or p.stock > 0,
        "prijs": lambda p: (not args.get("prijs_min") or p.price_cents >= int(args["prijs_min"][0]) * 100)
        and (not args.get("prijs_max") or p.price_cents <= int(args["prijs_max"][0]) * 100),
    }
    for_sale = [p for p in products if p.status == ProductStatus.PUBLISHED and p.producer.active]

    def under(*excluded: str) -> list[Product]:
        return [p for p in for_sale if all(test(p) for name, test in tests.items() if name not in excluded)]

    region_of = {p.id: p.producer.municipality.region.slug for p in for_sale}
    shown = under()
    categories = Counter(p.category.slug for p in under("categorie"))
    for top in (c for c in by_slug.values() if c.parent is None):
        categories[top.slug] += sum(categories[c.slug] for c in by_slug.values() if c.parent_id == top.id)
    without_allergen_filter = under("zonder")
    return {
        "total": len(shown),
        "names": sorted(p.name for p in shown),
        "seizoen": sum(1 for p in under("seizoen") if p.season_mask & JUNE),
        "voorraad": sum(1 for p in under("voorraad") if p.stock > 0),
        "categorie": +categories,
        "streek": Counter(region_of[p.id] for p in under("streek")),
        "gemeente": Counter(p.producer.municipality.slug for p in under("gemeente")),
        "label": Counter(label for p in under("label") for label in labels_of(p)),
        "producent": Counter(p.producer.slug for p in under("producent")),
        "zonder": +Counter({a.value: sum(1 for p in without_allergen_filter
                                         if a.value not in {x.allergen.value for x in p.allergens})
                            for a in Allergen}),
    }


def counted(args: dict[str, list[str]]) -> dict:
    filters = parse_filters(MultiDict([(k, v) for k, values in args.items() for v in values]), per_page=200)
    listing = list_products(filters, today=TODAY)
    facets = {name: Counter({v.value: v.count for v in values if v.count})
              for name, values in listing.facets.items()}
    for top in listing.facets["categorie"]:
        facets["categorie"].update({child.value: child.count for child in top.children if child.count})
    return {"total": listing.total, "names": sorted(p.name for p in listing.products),
            "seizoen": listing.in_season_count, "voorraad": listing.in_stock_count, **facets}


COMBINATIONS = [
    {},
    {"categorie": ["zuivel"]},
    {"categorie": ["kaas", "bier"], "streek": ["meetjesland"]},
    {"label": ["bio"]},
    {"label": ["bio", "weidemelk"], "gemeente": ["gemeente-1", "gemeente-3"]},
    {"zonder": ["gluten"]},
    {"zonder": ["milk", "eggs"], "categorie": ["drank"], "label": ["korte-keten"]},
    {"seizoen": ["1"], "voorraad": ["1"]},
    {"seizoen": ["1"], "label": ["korte-keten"], "streek": ["waasland", "denderstreek"]},
    {"producent": ["hoeve-2", "hoeve-4"], "voorraad": ["1"], "zonder": ["celery"]},
    {"producent": ["hoeve-7"]},  # inactive: dropped as unknown
    {"prijs_min": ["5"], "prijs_max": ["15"], "label": ["weidemelk"], "seizoen": ["1"]},
    {"q": ["kaas"]},
    {"q": ["kaas"], "label": ["bio"], "zonder": ["milk"], "streek": ["meetjesland"]},
    {"categorie": ["boter"], "streek": ["waasland"], "gemeente": ["gemeente-1"], "producent": ["hoeve-1"],
     "label": ["bio"], "zonder": ["gluten"], "voorraad": ["1"], "seizoen": ["1"]},
]


@pytest.mark.parametrize("args", COMBINATIONS, ids=lambda args: "&".join(f"{k}={','.join(v)}" for k, v in args.items())
                         or "none")
def test_every_count_is_the_count_of_the_products_themselves(mixed_catalogue, args):
    expected = brute_force({k: v for k, v in args.items() if k != "q"})
    got = counted(args)
    if "q" in args:  # the search's own rules are tested apart: compare within what it finds
        found = set(got["names"])
        assert found and found <= set(expected["names"])
        return
    if args.get("producent") == ["hoeve-7"]:
        expected = brute_force({})
    assert got == expected


# --- the facet index against the statement ------------------------------------------------------------------

def listed(args: dict[str, list[str]], *, use_index: bool, today: date = TODAY) -> dict:
    """Everything the list shows that the counts or the page's choice decide, by the index or by SQL alone."""
    filters = parse_filters(MultiDict([(k, v) for k, values in args.items() for v in values]), per_page=7)
    listing = list_products(filters, today=today, use_index=use_index)
    return {
        "total": listing.total, "page": listing.page, "pages": listing.pages,
        "products": [p.id for p in listing.products],
        "seizoen": listing.in_season_count, "voorraad": listing.in_stock_count,
        "facets": {name: [(v.value, v.count, v.selected, [(c.value, c.count, c.selected) for c in v.children])
                          for v in values] for name, values in listing.facets.items()},
        "chips": [(c.parameter, c.value) for c in listing.chips],
        "notices": listing.notices,
    }


def random_arguments(rng: random.Random) -> dict[str, list[str]]:
    """A combination of filters, some of them unknown values, with a sort order and a page."""
    choices = {
        "categorie": ["zuivel", "drank", "kaas", "boter", "bier", "snoep"],
        "streek": ["meetjesland", "waasland", "denderstreek", "kempen"],
        "gemeente": [f"gemeente-{i}" for i in range(6)],
        "label": ["bio", "korte-keten", "weidemelk", "fairtrade"],
        "producent": [f"hoeve-{i}" for i in range(9)],
        "zonder": [a.value for a in list(Allergen)[:6]],
    }
    args: dict[str, list[str]] = {}
    for name, values in choices.items():
        if rng.random() < 0.35:
            args[name] = rng.sample(values, rng.randint(1, 3))
    for flag in ("seizoen", "voorraad"):
        if rng.random() < 0.3:
            args[flag] = ["1"]
    if rng.random() < 0.2:
        args["prijs_min"] = [str(rng.randint(1, 15))]
    if rng.random() < 0.2:
        args["prijs_max"] = [str(rng.randint(5, 30))]
    if rng.random() < 0.3:
        args["q"] = [rng.choice(["kaas", "boter", "tripel yoghurt", "hoeve", "zzz"])]
    if rng.random() < 0.4:
        args["sorteer"] = [rng.choice(["naam", "prijs_op", "prijs_af", "nieuw", "aanbevolen", "relevantie"])]
    args["pagina"] = [str(rng.choice([1, 1, 2, 3, 5, 40]))]
    return args


@pytest.mark.parametrize(("chunk", "step"), [(8192, 1024), (8, 8), (8, 3)],
                         ids=["one block", "blocks of 8", "blocks of 8 read 3 at a time"])
def test_the_facet_index_gives_every_number_and_page_of_the_statement(mixed_catalogue, monkeypatch, chunk, step):
    from shop.catalog import facet_index

    monkeypatch.setattr(facet_index, "CHUNK", chunk)  # small blocks: a page is found across many of them
    monkeypatch.setattr(facet_index, "STEP", step)
    assert facet_index.usable_index(TODAY.month) is not None  # the index answers below, not the statement
    rng = random.Random(2026 + chunk + step)
    for _ in range(150):
        args = random_arguments(rng)
        assert listed(args, use_index=True) == listed(args, use_index=False), args


def test_the_facet_index_follows_a_sale_by_the_changed_stock_only(mixed_catalogue, app):
    from shop.catalog.facet_index import EXTENSION
    from shop.extensions import db
    from shop.inventory.models import MovementReason
    from shop.inventory.services import take_stock

    assert listed({}, use_index=True) == listed({}, use_index=False)
    before = app.extensions[EXTENSION]
    in_stock = db.session.scalars(select(Product).where(Product.stock > 0, Product.status == ProductStatus.PUBLISHED)
                                  .order_by(Product.id)).all()
    take_stock({in_stock[0].id: in_stock[0].stock, in_stock[1].id: 1}, MovementReason.ORDER)  # one sells out
    db.session.commit()

    for args in ({}, {"voorraad": ["1"]}, {"pagina": ["13"]}, {"zonder": ["gluten"], "voorraad": ["1"]}):
        assert listed(args, use_index=True) == listed(args, use_index=False), args
    after = app.extensions[EXTENSION]
    assert after.generation != before.generation
    assert after.by_name is before.by_name  # brought up to date, not built again
    assert after.in_stock.bit_count() == before.in_stock.bit_count() - 1


@pytest.mark.parametrize("change", ["name", "producer", "announced"])
def test_the_facet_index_is_built_again_after_a_change_of_a_products_place(mixed_catalogue, app, change):
    from shop.catalog.facet_index import EXTENSION
    from shop.core.page_cache import catalogue_changed
    from shop.extensions import db

    assert listed({}, use_index=True) == listed({}, use_index=False)
    before = app.extensions[EXTENSION]
    product = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                 .order_by(Product.id)).first()
    if change == "name":  # its place in the orders by name (a price, the allergens: tests/catalog/*per_product*)
        product.name = "Aaa eerst"
    elif change == "producer":
        product.producer.active = not product.producer.active
    db.session.commit()
    if change == "announced":  # a writer outside the session (a restore) says so itself
        with db.engine.begin() as connection:
            connection.execute(Product.__table__.update().where(Product.id == product.id).values(season_mask=1))
        catalogue_changed("restore")
        db.session.commit()  # announced now, or at the end of the session's transaction if it had one open

    for args in ({}, {"prijs_min": ["50"]}, {"zonder": ["milk"]}, {"seizoen": ["1"]}, {"sorteer": ["prijs_af"]}):
        assert listed(args, use_index=True) == listed(args, use_index=False), args
    assert app.extensions[EXTENSION].by_name is not before.by_name
