"""Reading producers' CSV files (pure functions, real byte strings) and applying supply changes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shop.catalog.models import ProductStatus
from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import StockChanged
from shop.listings.product_csv import (
    SupplyChange,
    SupplyError,
    UnknownProduct,
    apply_supply_changes,
    check_supply_rows,
    export_products_csv,
    list_supply_products,
    read_supply_csv,
    summarise_supply,
)
from tests.factories import make_category, make_producer, make_product


def _product(status=ProductStatus.PUBLISHED, stock=10, price_cents=450):
    return SimpleNamespace(status=status, stock=stock, price_cents=price_cents, is_food=True, ingredients="melk",
                           storage="koel", net_quantity=250, vat_category=None, alcohol_pct=None, name="Kaas")


PRODUCTS = {12: _product(), 13: _product(stock=0), 14: _product(ProductStatus.PENDING_REVIEW),
            15: _product(ProductStatus.HIDDEN)}


def _check(data: bytes, products=None):
    return check_supply_rows(read_supply_csv(data), PRODUCTS if products is None else products)


def _messages(errors):
    return [str(error) for error in errors]


# --- files as producers make them: all read the same ----------------------------------------------------------

GOOD = [
    pytest.param("id;naam;prijs;voorraad;beschikbaar\r\n12;Hoevekaas;4,50;10;ja\r\n".encode("cp1252"), id="cp1252-crlf"),
    pytest.param("id;naam;prijs;voorraad;beschikbaar\r\n12;Hoevekäas;4,50;10;ja\r\n".encode("cp1252"), id="cp1252-umlaut"),
    pytest.param("\ufeffid;naam;prijs;voorraad;beschikbaar\r\n12;Crème;4,50;10;ja\r\n".encode("utf-8"), id="utf8-bom"),
    pytest.param("id;naam;prijs;voorraad;beschikbaar\n12;Crème;4,50;10;ja\n".encode(), id="utf8-lf"),
    pytest.param(b"id,naam,prijs,voorraad,beschikbaar\n12,Kaas,\"4,50\",10,ja\n", id="comma-quoted-decimal-comma"),
    pytest.param(b"id,naam,prijs,voorraad,beschikbaar\n12,Kaas,4.50,10,ja\n", id="comma-decimal-point"),
    pytest.param(b"\"id\";\"naam\";\"prijs\";\"voorraad\";\"beschikbaar\"\r\n\"12\";\"Kaas; jong\";\"4,50\";\"10\";\"ja\"\r\n",
                 id="all-quoted-with-delimiter-inside"),
    pytest.param(b"  ID ; Naam ;  Prijs ; Voorraad ; Beschikbaar \r\n 12 ; Kaas ;  4,50  ; 10 ;  JA \r\n\r\n\r\n;;;;\r\n",
                 id="whitespace-case-trailing-empty-lines"),
    pytest.param(b"id\tprijs\tvoorraad\tbeschikbaar\n12\t4,5\t10\tbeschikbaar\n", id="tab"),
    pytest.param("id;prijs;voorraad;beschikbaar\r\n12;€ 4,50;10;1\r\n".encode("cp1252"), id="euro-sign-cp1252"),
    pytest.param("id;prijs;voorraad;beschikbaar\r\n12;4,50;10;ja\r\n".encode("utf-16"), id="utf16"),
    pytest.param(b"id;prijs;voorraad;beschikbaar;\r\n12;4,50;10;ja;\r\n", id="trailing-delimiter"),
    pytest.param(b"sep=,\r\nid,prijs,voorraad,beschikbaar\r\n12,\"4,50\",10,ja\r\n", id="excel-sep-line"),
]


@pytest.mark.parametrize("data", GOOD)
def test_real_world_files_read_to_the_same_change(data):
    changes, errors = _check(data)
    assert _messages(errors) == []
    assert changes == [SupplyChange(12, stock=10, price_cents=450, available=True)]


def test_an_exported_file_imports_unchanged(db):
    product = make_product("Oude kaas", price_cents=1275, stock=7)
    data = export_products_csv([product])
    changes, errors = check_supply_rows(read_supply_csv(data), {product.id: product})
    assert errors == []
    assert changes == [SupplyChange(product.id, stock=7, price_cents=1275, available=True)]


def test_export_is_what_belgian_excel_opens(db):
    kaas = make_category("Kaas")
    producer = make_producer()
    make_product("Kaas; \"jong\"", producer=producer, category=kaas, price_cents=450, stock=3, unit="250 g")
    make_product("Boter", producer=producer, category=kaas, price_cents=1000, stock=0, unit="per stuk",
                 status=ProductStatus.HIDDEN)
    make_product("Oud", producer=producer, category=kaas, status=ProductStatus.ARCHIVED)
    products = list_supply_products(producer.id)
    data = export_products_csv(products)
    assert data.startswith(b"\xef\xbb\xbfid;naam;eenheid;prijs;voorraad;beschikbaar;status;categorie;btw\r\n")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[1] == f"{products[0].id};Boter;per stuk;10,00;0;nee;verborgen;Kaas;6"
    assert lines[2] == f'{products[1].id};"Kaas; ""jong""";250 g;4,50;3;ja;in de winkel;Kaas;6'
    assert lines[3] == ""
    assert len(lines) == 4


def test_empty_cells_leave_fields_as_they_are():
    changes, errors = _check(b"id;prijs;voorraad;beschikbaar\n12;;7;\n13;3,20;;\n")
    assert errors == []
    assert changes == [SupplyChange(12, stock=7), SupplyChange(13, price_cents=320)]


def test_only_the_stock_column_is_enough():
    changes, errors = _check(b"id;voorraad\n12;0\n")
    assert errors == [] and changes == [SupplyChange(12, stock=0)]


@pytest.mark.parametrize(("word", "value"), [
    ("ja", True), ("Nee", False), ("beschikbaar", True), ("verborgen", False), ("1", True), ("0", False),
    ("JA ", True), ("neen", False), ("x", True),
])
def test_availability_words(word, value):
    changes, errors = _check(f"id;beschikbaar\n12;{word}\n".encode())
    assert errors == [] and changes == [SupplyChange(12, available=value)]


# --- refused, with the line and column named ------------------------------------------------------------------

BAD = [
    pytest.param(b"id;prijs;voorraad\n12;4,5x;10\n", ["Regel 2, kolom prijs: '4,5x' is geen bedrag."], id="junk-price"),
    pytest.param(b"id;prijs;voorraad\n12;4,50;10\n12;4,50;10\n13;1;1\n\n99;4,50;-3\n",
                 ["Regel 3, kolom id: product 12 staat al op regel 2.",
                  "Regel 6, kolom id: onbekend product (99).",
                  "Regel 6, kolom voorraad: De voorraad kan niet negatief zijn."], id="duplicate-unknown-negative"),
    pytest.param(b"id;voorraad\n12;tien\n", ["Regel 2, kolom voorraad: 'tien' is geen geheel getal."], id="junk-stock"),
    pytest.param(b"id;voorraad\n12;2,5\n", ["Regel 2, kolom voorraad: '2,5' is geen geheel getal."], id="fraction-stock"),
    pytest.param(b"id;voorraad\n12;-1\n", ["Regel 2, kolom voorraad: De voorraad kan niet negatief zijn."], id="negative"),
    pytest.param(b"id;prijs\n12;0\n", ["Regel 2, kolom prijs: De prijs moet tussen € 0,01 en € 10.000 liggen."],
                 id="zero-price"),
    pytest.param(b"id;prijs\n12;-4,50\n", ["Regel 2, kolom prijs: '-4,50' is geen bedrag."], id="negative-price"),
    pytest.param(b"id;beschikbaar\n12;misschien\n",
                 ["Regel 2, kolom beschikbaar: 'misschien' is geen geldige waarde; gebruik ja of nee."], id="availability"),
    pytest.param(b"id;beschikbaar\n14;ja\n",
                 ["Regel 2, kolom beschikbaar: Dit product heeft status 'wacht op controle' en kan hier niet "
                  "gepubliceerd worden."], id="publish-pending"),
    pytest.param(b"id;voorraad\nabc;1\n;2\n", ["Regel 2, kolom id: 'abc' is geen productnummer.",
                                                "Regel 3, kolom id: het productnummer ontbreekt."], id="bad-ids"),
    pytest.param(b"product;prijs\n12;4,50\n",
                 ["Regel 1, kolom product: onbekende kolom. Gebruik de kolommen id, prijs, voorraad, beschikbaar."],
                 id="wrong-header"),
    pytest.param(b"naam;prijs\nKaas;4,50\n",
                 ["Regel 1, kolom id: de kolom id ontbreekt in de kopregel. Begin van een export: die heeft de juiste "
                  "kolommen."], id="missing-id-column"),
    pytest.param(b"id;naam\n12;Kaas\n",
                 ["Regel 1: de kopregel heeft geen kolom prijs, voorraad of beschikbaar; er valt niets te importeren."],
                 id="nothing-to-import"),
    pytest.param(b"12;4,50;10\n13;4,50;10\n",
                 ["Regel 1, kolom 12: onbekende kolom. Gebruik de kolommen id, prijs, voorraad, beschikbaar.",
                  "Regel 1, kolom 4,50: onbekende kolom. Gebruik de kolommen id, prijs, voorraad, beschikbaar.",
                  "Regel 1, kolom 10: onbekende kolom. Gebruik de kolommen id, prijs, voorraad, beschikbaar."],
                 id="no-header"),
    pytest.param(b"id;prijs;prijs\n12;1;2\n", ["Regel 1, kolom prijs: deze kolom staat er twee keer."], id="double-col"),
    pytest.param(b"id,prijs,voorraad\n12,4,50,10\n",
                 ["Regel 2: 4 velden, maar de kopregel heeft er 3. Staat er een scheidingsteken te veel (zet een prijs "
                  "als \"4,50\" tussen aanhalingstekens)?"], id="unquoted-decimal-comma-in-comma-file"),
    pytest.param(b"id;voorraad\n", ["Het bestand bevat geen producten, alleen een kopregel."], id="header-only"),
    pytest.param(b"", ["Het bestand is leeg."], id="empty"),
    pytest.param(b"\r\n\r\n  \n", ["Het bestand is leeg."], id="blank"),
]


@pytest.mark.parametrize(("data", "expected"), BAD)
def test_bad_files_are_refused_with_line_and_column(data, expected):
    changes, errors = _check(data)
    assert _messages(errors) == expected


NOT_CSV = "Dit is geen CSV-bestand. Bewaar je lijst in Excel als 'CSV (gescheiden door lijstscheidingsteken)' en probeer opnieuw."


@pytest.mark.parametrize("data", [
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", id="png"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml", id="xlsx-renamed"),
    pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", id="jpeg"),
    pytest.param(b"id;voorraad\n12;\x00\x01\x02\n", id="nul-bytes"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", id="pdf"),
    pytest.param(b"id;voorraad\n12;\x81\x8d\x8f\x90\n", id="undecodable"),
    pytest.param(b"id;voorraad\x07\x1b\n12;3\n", id="control-characters"),
])
def test_files_that_are_not_csv_are_refused(data):
    changes, errors = _check(data)
    assert changes == []
    assert _messages(errors) == [NOT_CSV]


def test_too_big_file_is_refused():
    data = b"id;voorraad\r\n" + b"12;1\r\n" * 200_000
    parsed = read_supply_csv(data)
    assert _messages(parsed.errors) == ["Het bestand is te groot (1172 kB); het mag hoogstens 1024 kB zijn."]


def test_too_many_lines_are_refused():
    data = b"id;voorraad\n" + b"".join(f"{n};1\n".encode() for n in range(1, 12))
    parsed = read_supply_csv(data, max_rows=10)
    assert _messages(parsed.errors) == ["Het bestand heeft te veel regels; het mag hoogstens 10 producten bevatten."]


def test_line_numbers_count_physical_lines_with_quoted_newlines():
    data = b'id;naam;voorraad\n12;"Kaas\nmet twee regels";1\n13;Boter;x\n'
    changes, errors = _check(data)
    assert _messages(errors) == ["Regel 4, kolom voorraad: 'x' is geen geheel getal."]


def test_another_producers_product_is_unknown(db):
    mine = make_product(stock=1)
    theirs = make_product(stock=1)
    own = {p.id: p for p in list_supply_products(mine.producer_id)}
    changes, errors = check_supply_rows(read_supply_csv(f"id;voorraad\n{theirs.id};5\n".encode()), own)
    assert changes == []
    assert _messages(errors) == [f"Regel 2, kolom id: onbekend product ({theirs.id})."]


# --- applying -------------------------------------------------------------------------------------------------


def test_apply_changes_stock_price_and_availability_with_movements(db):
    producer = make_producer()
    kaas = make_product("Kaas", producer=producer, stock=10, price_cents=450)
    boter = make_product("Boter", producer=producer, stock=2, status=ProductStatus.HIDDEN)
    diffs = apply_supply_changes(producer.id, [
        SupplyChange(boter.id, stock=2, available=True),
        SupplyChange(kaas.id, stock=4, price_cents=500, available=False),
    ], by=None, reason=MovementReason.CSV_IMPORT)
    assert [(d.product.name, d.fields) for d in diffs] == [
        ("Kaas", {"stock": (10, 4), "price": (450, 500), "available": (True, False)}),
        ("Boter", {"available": (False, True)}),
    ]
    assert (kaas.stock, kaas.price_cents, kaas.status) == (4, 500, ProductStatus.HIDDEN)
    assert boter.status == ProductStatus.PUBLISHED
    movements = db.session.query(StockMovement).filter_by(product_id=kaas.id).order_by(StockMovement.id).all()
    assert [(m.delta, m.reason) for m in movements] == [(10, MovementReason.INITIAL), (-6, MovementReason.CSV_IMPORT)]


def test_apply_refuses_another_producers_product(db):
    mine = make_product(stock=1)
    theirs = make_product(stock=1)
    db.session.commit()
    with pytest.raises(UnknownProduct):
        apply_supply_changes(mine.producer_id, [SupplyChange(theirs.id, stock=9)], by=None,
                             reason=MovementReason.PRODUCER_EDIT)
    db.session.rollback()
    assert db.session.get(type(theirs), theirs.id).stock == 1


def test_apply_refuses_a_stock_that_moved_since_it_was_seen(db):
    product = make_product(stock=8)
    with pytest.raises(StockChanged):
        apply_supply_changes(product.producer_id, [SupplyChange(product.id, stock=12, expected_stock=10)],
                             by=None, reason=MovementReason.PRODUCER_EDIT)


def test_apply_refuses_publishing_a_product_in_review(db):
    product = make_product(status=ProductStatus.PENDING_REVIEW)
    with pytest.raises(SupplyError):
        apply_supply_changes(product.producer_id, [SupplyChange(product.id, available=True)], by=None,
                             reason=MovementReason.PRODUCER_EDIT)


def test_summarise_supply_warnings(db):
    producer = make_producer()
    low = make_product("Laag", producer=producer, stock=5)
    make_product("Genoeg", producer=producer, stock=6)
    out = make_product("Op", producer=producer, stock=0)
    make_product("Verborgen op", producer=producer, stock=0, status=ProductStatus.HIDDEN)
    review = make_product("Nieuw", producer=producer, stock=3, status=ProductStatus.PENDING_REVIEW)
    overview = summarise_supply(list_supply_products(producer.id))
    assert overview.low_stock == [low]
    assert overview.out_of_stock == [out]
    assert overview.in_review == [review]
