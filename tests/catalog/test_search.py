import pytest
from sqlalchemy import or_, select, text

from shop.catalog.models import Product
from shop.catalog.product_queries import _ids
from shop.catalog.search import MAX_TERMS, build_search_text, fold, match_clause, parse_query, stem
from shop.catalog.search_index import any_term_clause, matched_ids_statement, search_clause
from shop.catalog.services import refresh_search_text
from shop.extensions import db
from tests.factories import make_category, make_municipality, make_producer
from tests.factories import make_product as _make_product


def make_product(name: str, **overrides):
    """A product whose producer, place and category share no word with the names searched below."""
    producer = make_producer("Familie Peeters", municipality=make_municipality("Zele"))
    return _make_product(name, producer=producer, category=make_category("Streekwaren"), **overrides)


def search(query: str) -> list[str]:
    """Names found for ``query`` the way the shop searches: through the full-text index, by the rules."""
    terms = parse_query(query)
    statement = select(Product.name).order_by(Product.name)
    if terms:
        statement = statement.where(search_clause(terms, db.session.get_bind().dialect.name))
    return list(db.session.scalars(statement))


def test_fold_strips_accents_case_and_punctuation():
    assert fold("Paté, Hoevekaas!") == "pate hoevekaas"
    assert fold("Crème brûlée & Œufs") == "creme brulee oeufs"
    assert fold("Bœuf, Smørrebrød, Straße") == "boeuf smorrebrod strasse"
    assert fold("  ") == ""
    assert fold(None) == ""


def test_stem_makes_singular_and_plural_meet():
    assert stem("kaas") == "kas"
    assert stem("kazen") == "kas"
    assert stem("appels") == stem("appel") == "appel"
    assert stem("pralines") == stem("praline") == "praline"
    assert stem("broodjes") == stem("brood") == "brod"
    assert stem("tomaten") == stem("tomaat") == "tomat"


def test_build_search_text_holds_words_then_new_stems_between_spaces():
    assert build_search_text("Oude Hoevekaas", "kaas") == " oude hoevekaas kaas hoevekas kas "


def test_parse_query_folds_drops_stop_words_and_duplicates():
    assert parse_query("De Paté van de HOEVE paté") == ["pate", "hoeve"]


def test_parse_query_keeps_at_most_max_terms():
    assert MAX_TERMS == 8
    assert parse_query("a1 b2 c3 d4 e5 f6 g7 h8 i9 j10") == ["a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8"]


def test_parse_query_turns_sql_wildcards_and_odd_characters_into_nothing():
    assert parse_query("%") == []
    assert parse_query("_%_' OR 1=1 --") == ["or", "1"]
    assert parse_query("100%") == ["100"]
    assert parse_query("🧀 ☕") == []


def test_parse_query_cuts_very_long_queries():
    assert parse_query("kaas " * 1000) == ["kaas"]
    assert parse_query("x" * 5000) == ["x" * 100]


def test_kaas_finds_hoevekaas_and_kazen_but_not_kers(db):
    make_product("Hoevekaas")
    make_product("Kazen van de streek")
    make_product("Kersen")
    assert search("kaas") == ["Hoevekaas", "Kazen van de streek"]
    assert search("kazen") == ["Hoevekaas", "Kazen van de streek"]


def test_pate_with_and_without_accent_find_the_same(db):
    make_product("Paté van de hoeve")
    make_product("Pastasaus")
    assert search("paté") == ["Paté van de hoeve"]
    assert search("pate") == ["Paté van de hoeve"]
    assert search("PATÉ") == ["Paté van de hoeve"]


def test_prefix_of_a_word_matches(db):
    make_product("Aardbeienconfituur")
    make_product("Aardappelen")
    assert search("aardb") == ["Aardbeienconfituur"]


def test_every_term_must_match(db):
    make_product("Jonge hoevekaas")
    make_product("Oude hoevekaas")
    assert search("oude kaas") == ["Oude hoevekaas"]


def test_like_wildcards_in_the_query_match_literally_nothing_special(db):
    make_product("Hoevekaas")
    make_product("Appelsap")
    assert search("%") == ["Appelsap", "Hoevekaas"]  # no usable term: the caller shows everything
    assert search("_") == ["Appelsap", "Hoevekaas"]
    assert search("%%kaas") == ["Hoevekaas"]
    assert search("appel%") == ["Appelsap"]
    assert search("x%z") == []


def test_plural_query_finds_singular_name(db):
    make_product("Praline met hazelnoot")
    make_product("Tomaat")
    assert search("pralines") == ["Praline met hazelnoot"]
    assert search("tomaten") == ["Tomaat"]


# --- the full-text index (catalog/search_index.py) -------------------------------------------------------------


def scan(query: str) -> list[str]:
    """Names found by the rules alone, reading every product's search text (no index)."""
    statement = select(Product.name).where(match_clause(Product.search_text, parse_query(query)))
    return list(db.session.scalars(statement.order_by(Product.name)))


@pytest.mark.parametrize(
    "query",
    ["kaas", "kazen", "kaäs", "paté", "pate", "aardb", "appel sap", "hoeve kaas", "boter", "ei", "zele", "x", "7"],
)
def test_the_index_finds_exactly_what_the_rules_find(db, query):
    for name in ("Hoevekaas", "Kazen van de streek", "Kersen", "Paté van de hoeve", "Pastasaus", "Aardbeien",
                 "Appelsap", "Appel-perensap 7 dl", "Hoeveboter", "Eieren", "Kaasboter", "X-tra"):
        make_product(name)
    db.session.commit()

    assert search(query) == scan(query)


@pytest.mark.parametrize(
    "query", ["kaas appel", "kazen sap", "hoeve x", "ei 7", "pate boter", "aardb zzz", "zzz qqq", "kaas", "x"]
)
def test_the_index_finds_exactly_the_products_that_match_any_term_by_the_rules(db, query):
    """What a search reads for the terms it has not met yet (``product_queries._search_levels``)."""
    for name in ("Hoevekaas", "Kazen van de streek", "Kersen", "Paté van de hoeve", "Pastasaus", "Aardbeien",
                 "Appelsap", "Appel-perensap 7 dl", "Hoeveboter", "Eieren", "Kaasboter", "X-tra"):
        make_product(name)
    db.session.commit()
    terms = parse_query(query)

    found = db.session.scalars(select(Product.name).where(
        any_term_clause(terms, db.session.get_bind().dialect.name)).order_by(Product.name))
    scanned = db.session.scalars(select(Product.name).where(
        or_(*(match_clause(Product.search_text, [term]) for term in terms))).order_by(Product.name))
    assert list(found) == list(scanned)


def test_accents_and_dutch_word_forms_through_the_index(db):
    make_product("Paté van de hoeve")
    make_product("Hoevekaas")
    make_product("Kersen")
    db.session.commit()

    assert search("pate") == search("PATÉ") == ["Paté van de hoeve"]
    assert search("kaäs") == search("kazen") == ["Hoevekaas"]
    assert search("kers") == ["Kersen"]


def test_every_word_of_a_multi_word_query_must_match_through_the_index(db):
    make_product("Appelsap")
    make_product("Appelmoes")
    make_product("Perensap")
    db.session.commit()

    assert search("appel sap") == ["Appelsap"]
    assert search("sap") == ["Appelsap", "Perensap"]


def test_a_product_is_found_by_its_new_words_as_soon_as_its_text_changes(db):
    product = make_product("Hoevekaas")
    db.session.commit()
    assert search("kaas") == ["Hoevekaas"]

    product.name = "Geitenboter"
    refresh_search_text(product)
    db.session.commit()

    assert search("boter") == ["Geitenboter"]
    assert search("geit") == ["Geitenboter"]
    assert search("kaas") == []


def test_a_deleted_product_leaves_the_index(db):
    product = _make_product("Hoevekaas", stock=0)  # no stock movements: a product that never sold can go
    db.session.commit()

    db.session.delete(product)
    db.session.commit()

    assert search("kaas") == []


def test_the_sqlite_index_itself_follows_the_search_text(db):
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps its GIN index itself")
    product = make_product("Hoevekaas")
    db.session.commit()
    product.name = "Geitenboter"
    refresh_search_text(product)
    db.session.commit()

    def indexed(query: str) -> list[int]:
        return list(db.session.scalars(text("SELECT rowid FROM product_words WHERE product_words MATCH :q"),
                                        {"q": query}))

    assert indexed("geitenboter") == [product.id]
    assert indexed("hoevekaas") == []


# --- the index follows every writer of products, also SQL that no model sees ----------------------------------

def first_read(term: str) -> tuple[set[int], set[int]]:
    """A term's matches and those whose search text starts with it as a search's first read takes them: the
    index's answer alone, no rule tested on the products' rows (``matched_ids_statement``)."""
    (_, matched, first), = db.session.execute(
        matched_ids_statement([term], db.session.get_bind().dialect.name)).all()
    return set(_ids(matched)), set(_ids(first))


def by_the_rules(term: str) -> tuple[set[int], set[int]]:
    """The same by the rules on every product's search text (no index)."""
    rule = match_clause(Product.search_text, [term])
    return (set(db.session.scalars(select(Product.id).where(rule))),
            set(db.session.scalars(select(Product.id).where(rule, Product.search_text.like(f" {term}%")))))


# Words of the texts written below: by their start (likeur, walnoot), by the end of a word (likeur in
# walnotenlikeur, stem of likeuren), a first word (walnotenlikeur, zwarte), a word no product had before (on SQLite
# its reversed form enters the vocabulary then), and the old words that must be gone.
FOLLOWED_TERMS = ["likeur", "likeuren", "walnot", "walnotenlikeur", "zwarte", "bessen", "jenever", "hoevekaas",
                  "kaas", "kazen", "geit", "boter"]


def assert_the_index_answers_the_rules() -> None:
    for term in FOLLOWED_TERMS:
        assert first_read(term) == by_the_rules(term), term


def test_the_index_follows_a_raw_update_of_the_search_text(db):
    product = make_product("Hoevekaas", stock=0)
    other = make_product("Geitenboter", stock=0)
    db.session.commit()

    db.session.execute(text("UPDATE products SET search_text = :text WHERE id = :id"),
                       {"text": build_search_text("Walnotenlikeur", "Zwarte bessenjenever"), "id": product.id})
    db.session.commit()

    assert first_read("likeur") == ({product.id}, set())
    assert first_read("walnotenlikeur") == ({product.id}, {product.id})
    assert first_read("jenever") == ({product.id}, set())  # the end of bessenjenever
    assert first_read("kaas") == (set(), set())
    assert first_read("geit") == ({other.id}, {other.id})
    assert_the_index_answers_the_rules()


def test_the_index_follows_a_bulk_insert_and_a_delete_of_every_product(db):
    template = make_product("Hoevekaas", stock=0)
    db.session.commit()
    columns = [c.name for c in Product.__table__.columns if c.name not in ("id", "slug", "name", "search_text")]
    copy = (f"INSERT INTO products ({', '.join(columns)}, slug, name, search_text) "
            f"SELECT {', '.join(columns)}, :slug || '-' || CAST(n.k AS TEXT), :name, :text "
            "FROM products, (SELECT 1 AS k UNION ALL SELECT 2) AS n WHERE products.id = :id")

    db.session.execute(text(copy), {"slug": "likeur", "name": "Walnotenlikeur", "id": template.id,
                                    "text": build_search_text("Walnotenlikeur", "Zwarte bessenjenever")})
    db.session.commit()

    copies = set(db.session.scalars(select(Product.id).where(Product.id != template.id)))
    assert len(copies) == 2
    assert first_read("likeuren") == (copies, set())  # stem likeur, the end of walnotenlikeur
    assert first_read("zwarte") == (copies, set())
    assert_the_index_answers_the_rules()

    db.session.execute(text("DELETE FROM products"))
    db.session.commit()

    for term in FOLLOWED_TERMS:
        assert first_read(term) == (set(), set()), term


def test_the_index_follows_a_product_whose_id_changes(db):
    product = make_product("Walnotenlikeur", stock=0)
    db.session.commit()
    old_id = product.id
    db.session.expunge_all()

    db.session.execute(text("UPDATE products SET id = :new WHERE id = :old"), {"new": old_id + 1000, "old": old_id})
    db.session.commit()

    assert first_read("likeur") == ({old_id + 1000}, set())
    assert_the_index_answers_the_rules()
