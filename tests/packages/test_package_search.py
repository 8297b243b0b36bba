"""Finding a gift package by searching: on /pakketten (with the filters) and from the shop's search box."""

from __future__ import annotations

import re

import pytest

from shop.catalog.search import build_search_text
from tests.factories import make_package, make_product


def _names(html: str) -> list[str]:
    return re.findall(r'class="card__title"[^>]*>\s*<a[^>]*>([^<]+)</a>', html) or re.findall(
        r'<h3 class="card__title">(?:<a[^>]*>)?([^<]+)', html)


@pytest.fixture
def packages(db):
    cheese = make_product("Hoevekaas", price_cents=900, stock=20)
    beer = make_product("Tripel", price_cents=300, stock=20)
    make_package([(cheese, 1)], name="Feestelijke kerstmand", slug="kerstmand", price_cents=3500,
                 search_text=build_search_text("Feestelijke kerstmand", "Een mand vol kazen voor de feestdagen"))
    make_package([(beer, 2)], name="Bierpakket", slug="bierpakket", price_cents=2000,
                 search_text=build_search_text("Bierpakket", "Drie Oost-Vlaamse bieren"))
    make_package([(beer, 1)], name="Oude kerstdoos", slug="oude-kerstdoos", price_cents=2000, active=False,
                 search_text=build_search_text("Oude kerstdoos"))
    db.session.commit()


def test_package_list_searches_names_and_stories(client, packages):
    html = client.get("/pakketten?q=kazen").get_data(as_text=True)
    assert "Feestelijke kerstmand" in html
    assert "Bierpakket" not in html
    assert "1 pakket gevonden" in html
    assert "“kazen”" in html  # the chip that clears the search


def test_package_search_is_accent_and_plural_free_and_combines_with_filters(client, packages):
    assert "Bierpakket" in client.get("/pakketten?q=B%C3%ACER").get_data(as_text=True)
    html = client.get("/pakketten?q=kerst&beschikbaar=1").get_data(as_text=True)
    assert "Feestelijke kerstmand" in html and "Oude kerstdoos" not in html  # inactive never shows


def test_package_search_without_match_says_so(client, packages):
    html = client.get("/pakketten?q=chocolade").get_data(as_text=True)
    assert "Geen pakketten met deze keuze" in html


def test_shop_search_also_shows_matching_packages(client, packages):
    html = client.get("/producten?q=kerstmand").get_data(as_text=True)
    assert "1 geschenkpakket voor “kerstmand”" in html
    assert 'href="/pakketten?q=kerstmand"' in html
    assert "Feestelijke kerstmand" in html
    assert "geschenkpakket voor" not in client.get("/producten?q=tripel").get_data(as_text=True)
