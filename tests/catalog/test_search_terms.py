"""A search's matches and relevance as the facet index keeps them (``product_queries._search_levels``: the ids from
the full-text index, the relevance tested on the index's names and heads) against the rules themselves in SQL
(``search.match_clause`` and ``search_index.relevance`` on every product's row), for many terms over a mixed
catalogue: compounds, plurals, accents, capitals, punctuation, names without a word, products not for sale."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import case, func, select
from werkzeug.datastructures import MultiDict

from shop.catalog.facet_index import usable_index
from shop.catalog.models import Product, ProductStatus
from shop.catalog.product_filters import parse_filters
from shop.catalog.product_queries import _search_levels, list_products
from shop.catalog.search import match_clause, parse_query, stem
from shop.catalog.search_index import relevance
from shop.extensions import db
from tests.factories import make_category, make_label, make_municipality, make_producer, make_product, make_region

TODAY = date(2025, 6, 15)

NAMES = [
    "Hoevekaas", "Kazen van de streek", "Kaas van de hoeve", "KAASBOTER", "Oude kaas", "Kersen", "Kersenconfituur",
    "Paté van de hoeve", "PATÉ de campagne", "Pastasaus", "Aardbeien", "Aardbeiconfituur", "Appelsap",
    "Appel-perensap 7 dl", "Appels (Jonagold)", "Hoeveboter", "Eieren", "Scharreleieren", "X-tra pikant", "!!!",
    "'t Hoevetje", "Crème brûlée", "Œufs de la ferme", "Mosterd", "Grove mosterd", "Tripel", "Tripel Karmeliet",
    "Hoeve-ijs vanille", "Straßenbrot", "Bloemkool", "Boerenkaas 500 g", "Geitenkaasje", "Kaasje", "Pralines",
    "Praline met hazelnoot", "Tomaten", "Tomaat", "Wafels", "Lukken", "Mattentaart", "Speculaas", "Peperkoek",
]
TERMS = ["kaas", "kazen", "kaasje", "kas", "hoeve", "hoev", "ho", "pate", "pat", "paté", "appel", "appels", "sap",
         "aardb", "aardbei", "ei", "eieren", "x", "7", "dl", "creme", "brulee", "oeufs", "strassenbrot", "mosterd",
         "tripel", "boter", "confituur", "kers", "tomaten", "tomaat", "wafel", "praline", "pralines", "zzz", "e",
         "hoeve kaas", "kaas hoeve", "appel sap", "pate hoeve", "mosterd grove", "ei x", "zzz kaas", "kaas kaas"]


@pytest.fixture
def catalogue(db):
    rng = random.Random(14)
    region = make_region("meetjesland", "Meetjesland")
    places = [make_municipality(f"Gemeente {i}", region=region, slug=f"gemeente-{i}") for i in range(3)]
    producers = [make_producer(f"Familie {name}", municipality=places[i % 3], active=i != 3)
                 for i, name in enumerate(["Peeters", "Janssens", "Claes", "Willems"])]
    categories = [make_category("Streekwaren", slug="streekwaren"), make_category("Zuivel", slug="zuivel")]
    label = make_label("bio", "Bio")
    for n in range(3):  # every name three times: relevance ties are ordered by name, then id
        for name in NAMES:
            product = make_product(
                name, producer=rng.choice(producers), category=rng.choice(categories), stock=rng.choice([0, 4]),
                status=ProductStatus.PUBLISHED if rng.random() < 0.9 else ProductStatus.DRAFT,
                description=rng.choice(["", "Van de hoeve", "Met kaas", "Appels en peren"]),
            )
            if n == 1:
                product.labels.append(label)
    db.session.commit()


def by_the_rules(term: str) -> tuple[set[int], set[int], set[int]]:
    """The products ``term`` matches, and of those the ones that score 2 and 1: the rules on every product's row."""
    rows = db.session.execute(select(
        Product.id, case((match_clause(Product.search_text, [term]), 1), else_=0), relevance([term]))).all()
    matched = {product_id for product_id, hit, _ in rows if hit}
    return (matched, {i for i, hit, score in rows if hit and score == 2},
            {i for i, hit, score in rows if hit and score == 1})


def ids_of(index, bits: int) -> set[int]:
    return {index.product_ids[p] for p in range(index.size) if bits >> p & 1}


@pytest.mark.parametrize("query", TERMS)
def test_a_new_terms_matches_and_relevance_are_those_of_the_rules(catalogue, query):
    index = usable_index(TODAY.month)
    terms = parse_query(query)
    index.terms.clear()

    _search_levels(index, terms)

    for_sale = set(index.position_of)
    for term in terms:
        matched, two, one = (ids_of(index, bits) for bits in index.terms[term])
        assert (matched, two, one) == tuple(ids & for_sale for ids in by_the_rules(term)), term


def test_the_index_keeps_each_products_name_lowered_by_the_database(catalogue):
    index = usable_index(TODAY.month)
    lowered = dict(db.session.execute(select(Product.id, func.lower(Product.name))).all())

    assert len(index.names) == index.size
    for position, product_id in enumerate(index.product_ids):
        assert index.names[position] == lowered[product_id]  # SQLite lowers ASCII only: "patÉ de campagne"


def listed(args: dict[str, list[str]], *, use_index: bool) -> dict:
    filters = parse_filters(MultiDict([(k, v) for k, values in args.items() for v in values]), per_page=500)
    listing = list_products(filters, today=TODAY, use_index=use_index)
    return {"total": listing.total, "products": [p.id for p in listing.products],
            "seizoen": listing.in_season_count, "voorraad": listing.in_stock_count,
            "facets": {name: [(v.value, v.count, [(c.value, c.count) for c in v.children]) for v in values]
                       for name, values in listing.facets.items()}}


@pytest.mark.parametrize("query", TERMS)
def test_a_search_lists_and_counts_what_the_rules_in_sql_list_and_count(catalogue, query):
    for args in ({"q": [query]}, {"q": [query], "label": ["bio"], "voorraad": ["1"]},
                 {"q": [query], "sorteer": ["naam"]}):
        usable_index(TODAY.month).terms.clear()  # every term new to the index
        assert listed(args, use_index=True) == listed(args, use_index=False), args


def test_stems_of_the_terms_are_searched_too(catalogue):
    """A guard on the catalogue above: some terms match by their stem only (``kazen`` finds ``Hoevekaas``)."""
    assert stem("kazen") == "kas"
    index = usable_index(TODAY.month)
    _search_levels(index, ["kazen"])
    names = dict(db.session.execute(select(Product.id, Product.name)).all())
    assert "Hoevekaas" in {names[i] for i in ids_of(index, index.terms["kazen"][0])}
