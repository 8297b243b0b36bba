"""The full-text index behind the product search: it finds the candidates, ``catalog.search`` keeps the rules.

A product's ``search_text`` (kept by ``catalog.services.refresh_search_text``) holds its folded words and their
Dutch stems between spaces. A query term matches when a word starts with the term or a word ends with the
term's stem (``search.match_clause``). Both are asked of an index of the words, so that a search reads the
matching products' ids only, never the products' rows:

- SQLite: an FTS5 table of each product's words (``product_words``, contentless: the index alone, its rowid the
  product's id), with its first word (``head``: relevance 2 is a search text that starts with the term) and its
  words reversed (``reversed``) in columns of their own. "Starts with ``kaas``" is the prefix query
  ``{words}: "kaas"*``, "ends with ``kas``" is ``{reversed}: "sak"*``. SQLite has no reverse(): each word of the
  catalogue is reversed once, when it first appears, into ``product_words_vocabulary`` (a few thousand words at 100
  times the demo catalogue), and a product's reversed words are looked up there. The trigram index this replaces
  answered "starts with" by phrases of trigrams (``" hoeve"``: four position lists intersected) and took ~35 ms
  for ``hoeve`` at that size, the word index ~15 ms; it is also a third of the size (70 MB against 220 MB).
- PostgreSQL: a narrow table of each product's id and search text (``product_words``) with two GIN indexes, of its
  words and of the same words reversed ("ends with ``kas``" is "reversed, starts with ``sak``"), each asked for a
  prefix. The indexes are on the narrow table, not on ``products``: a search's matches are then read from a few
  thousand pages that stay in the server's buffers, not from the wide products rows (at 100 times the demo
  catalogue 10,500 pages of 82 MB against 21,800 of 698 MB for ``hoeve``'s 120,000 matches, ~330 ms to ~45 ms).
  The vectors are the words between spaces, as the rules split them (``array_to_tsvector``, no parser): no
  configuration's stemmer or parser stands between the rules and the index.

Both indexes answer the rules exactly for a search text as ``build_search_text`` writes it (folded words, letters
and digits, between single spaces), so a search's first read of a term (``matched_ids_statement``, for the facet
index) takes their answer alone; the rules' own LIKE conditions stay in the statements that read products
(``search_clause``, ``any_term_clause``). The index follows every change of ``products`` in the database itself
(triggers: an insert, a delete and a change of a product's search text or id), so every writer, also a bulk insert,
a raw UPDATE or a delete of every row, keeps it exact.
"""

from __future__ import annotations

import functools
import operator

from sqlalchemy import (
    and_,
    case,
    cast,
    column,
    event,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from shop.catalog.models import Product
from shop.catalog.search import match_clause, stem
from shop.extensions import db

WORDS_TABLE = "product_words"  # SQLite: the FTS5 table; PostgreSQL: the narrow table its indexes are on
SQLITE_VOCABULARY = "product_words_vocabulary"

# SQLite. The pieces of a text between spaces, as JSON for json_each (json_quote escapes whatever the text holds,
# none of it as a space); a text's first word when it starts with a space (``search_text LIKE ' kaas%'`` is "its
# first word starts with kaas"); a word's letters in reverse order (SQLite has no reverse(): one letter per element
# of a JSON array of the word's length, concatenated in the array's order); and a text's words reversed, looked up
# in the vocabulary, where each word of the catalogue is reversed once when it first appears (about 100 us a word:
# for every word of every product written, a bulk insert of the 100 times catalogue took 25 s more).
_SQLITE_PIECES = "json_each('[' || replace(json_quote({0}), ' ', '\",\"') || ']')"
_SQLITE_HEAD = "CASE WHEN substr({0}, 1, 1) = ' ' THEN substr({0}, 2, instr(substr({0}, 2) || ' ', ' ') - 1) END"
_SQLITE_REVERSE = ("(SELECT group_concat(substr({0}, -1 - key, 1), '') FROM "
                   "json_each('[' || rtrim(replace(hex(zeroblob(length({0}))), '00', '0,'), ',') || ']'))")
_SQLITE_REVERSED_WORDS = (f"(SELECT group_concat(known.reversed, ' ') FROM {_SQLITE_PIECES} AS piece "
                          f"JOIN {SQLITE_VOCABULARY} AS known ON known.word = piece.value)")
# The new words of a text (of letters and digits only: a word of other characters is no bare FTS5 word, and a
# folded text has none) into the vocabulary, before the text is indexed. It is never emptied: a word no product has
# any more finds nothing in the index.
_SQLITE_ADD_WORDS = (
    f"INSERT INTO {SQLITE_VOCABULARY}(word, reversed) SELECT word, {_SQLITE_REVERSE.format('word')} FROM "
    f"(SELECT DISTINCT piece.value AS word FROM {{source}}{_SQLITE_PIECES} AS piece "
    "WHERE piece.value GLOB '[a-z0-9]*' AND NOT piece.value GLOB '*[^a-z0-9]*') "
    f"WHERE word NOT IN (SELECT word FROM {SQLITE_VOCABULARY})"
)


def _sqlite_values(text: str) -> str:
    """The FTS5 row of a search text: its words, its first word and its words reversed."""
    return f"{text}, {_SQLITE_HEAD.format(text)}, {_SQLITE_REVERSED_WORDS.format(text)}"


def _sqlite_index(row: str) -> str:
    return f"INSERT INTO {WORDS_TABLE}(rowid, words, head, reversed) " \
           f"VALUES ({row}.id, {_sqlite_values(row + '.search_text')})"


def _sqlite_unindex(row: str) -> str:
    # A contentless table forgets a row by being told its values again: derived from the text as when indexed (with
    # detail=column the index holds each word's columns, not its place, so the order of the reversed words is free).
    return f"INSERT INTO {WORDS_TABLE}({WORDS_TABLE}, rowid, words, head, reversed) " \
           f"VALUES ('delete', {row}.id, {_sqlite_values(row + '.search_text')})"


SQLITE_CREATE = (
    # detail=column: the column of each word is kept, not its place; no column sizes (no ranking). The unicode61
    # tokenizer splits a folded text at its spaces, as the rules do.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {WORDS_TABLE} USING fts5(words, head, reversed, content='', "
    "columnsize=0, detail='column', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TABLE IF NOT EXISTS {SQLITE_VOCABULARY} (word TEXT PRIMARY KEY, reversed TEXT NOT NULL) WITHOUT ROWID",
    f"CREATE TRIGGER IF NOT EXISTS products_words_insert AFTER INSERT ON products BEGIN "
    f"{_SQLITE_ADD_WORDS.format('new.search_text', source='')}; {_sqlite_index('new')}; END",
    f"CREATE TRIGGER IF NOT EXISTS products_words_delete AFTER DELETE ON products BEGIN "
    f"{_sqlite_unindex('old')}; END",
    f"CREATE TRIGGER IF NOT EXISTS products_words_update AFTER UPDATE OF id, search_text ON products "
    f"WHEN old.id IS NOT new.id OR old.search_text IS NOT new.search_text BEGIN "
    f"{_sqlite_unindex('old')}; {_SQLITE_ADD_WORDS.format('new.search_text', source='')}; {_sqlite_index('new')}; "
    "END",
)
# The products there already (a migration).
SQLITE_FILL = (
    _SQLITE_ADD_WORDS.format("products.search_text", source="products, "),
    f"INSERT INTO {WORDS_TABLE}(rowid, words, head, reversed) SELECT id, {_sqlite_values('search_text')} "
    "FROM products",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS products_words_insert",
    "DROP TRIGGER IF EXISTS products_words_delete",
    "DROP TRIGGER IF EXISTS products_words_update",
    f"DROP TABLE IF EXISTS {WORDS_TABLE}",
    f"DROP TABLE IF EXISTS {SQLITE_VOCABULARY}",
)

# PostgreSQL. A text's words as the rules see them: each piece between spaces that follows a space (a word that
# starts the text without one is no " word" for the rules), as lexemes, no parser between. A word over the 2047
# bytes a lexeme may hold is left out (as to_tsvector does), not refused. PL/pgSQL, so that the planner is never
# told it is as cheap as its parts (an SQL function is inlined): priced as it costs, it reads the GIN index
# rather than compute the vector of every product (a sequential scan took 4 s for ``hoeve`` at 100 times the demo
# catalogue).
POSTGRESQL_WORDS = "product_words_vector(search_text)"
POSTGRESQL_REVERSED = "product_words_vector(reverse(search_text))"
POSTGRESQL_CREATE = (
    """CREATE OR REPLACE FUNCTION product_words_vector(search_text text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
    DECLARE
        words text[] := array_remove((string_to_array(search_text, ' '))[2:], '');
    BEGIN
        IF octet_length(search_text) > 2047 THEN
            words := ARRAY(SELECT word FROM unnest(words) AS word WHERE octet_length(word) <= 2047);
        END IF;
        RETURN array_to_tsvector(words);
    END $$""",
    f"CREATE TABLE IF NOT EXISTS {WORDS_TABLE} (product_id integer PRIMARY KEY, search_text text NOT NULL)",
    # The products whose words match ``words`` or whose reversed words match ``reversed`` (tsqueries), read through
    # the GIN indexes whatever share of the catalogue they are: the planner charges a bitmap scan the vector of every
    # row it fetches as if each were tested again (it is not, the index is exact), so it chose a sequential scan that
    # computes them all for a term most products match (2.3 s for ``e``, ``ge`` or ``st`` at 100 times the demo
    # catalogue, against ~0.1 s through the indexes). Their ids, or (``product_words_matched``) their ids
    # comma-separated, with those whose search text is ``LIKE head`` apart.
    f"""CREATE OR REPLACE FUNCTION product_words_ids(words tsquery, reversed tsquery)
    RETURNS TABLE (product_id integer) LANGUAGE sql STABLE SET enable_seqscan = off AS $$
        SELECT product_id FROM {WORDS_TABLE}
        WHERE {POSTGRESQL_WORDS} @@ words OR {POSTGRESQL_REVERSED} @@ reversed
    $$""",
    f"""CREATE OR REPLACE FUNCTION product_words_matched(words tsquery, reversed tsquery, head text)
    RETURNS TABLE (matched text, first text) LANGUAGE sql STABLE SET enable_seqscan = off AS $$
        SELECT string_agg(product_id::text, ','), string_agg(product_id::text, ',') FILTER (WHERE search_text LIKE head)
        FROM {WORDS_TABLE} WHERE {POSTGRESQL_WORDS} @@ words OR {POSTGRESQL_REVERSED} @@ reversed
    $$""",
    # Inserts and deletes per statement (a bulk insert copies its rows in one statement), a change per row and
    # only of the search text or the id (a sale's UPDATE of the stock does not call it).
    f"""CREATE OR REPLACE FUNCTION product_words_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {WORDS_TABLE} (product_id, search_text) SELECT id, search_text FROM inserted_products;
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM {WORDS_TABLE} WHERE product_id IN (SELECT id FROM deleted_products);
        ELSIF TG_OP = 'UPDATE' THEN
            IF NEW.id <> OLD.id THEN
                DELETE FROM {WORDS_TABLE} WHERE product_id = OLD.id;
            END IF;
            INSERT INTO {WORDS_TABLE} (product_id, search_text) VALUES (NEW.id, NEW.search_text)
                ON CONFLICT (product_id) DO UPDATE SET search_text = EXCLUDED.search_text;
        ELSE
            TRUNCATE {WORDS_TABLE};
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS products_words_insert ON products",
    "CREATE TRIGGER products_words_insert AFTER INSERT ON products REFERENCING NEW TABLE AS inserted_products "
    "FOR EACH STATEMENT EXECUTE FUNCTION product_words_follow()",
    "DROP TRIGGER IF EXISTS products_words_delete ON products",
    "CREATE TRIGGER products_words_delete AFTER DELETE ON products REFERENCING OLD TABLE AS deleted_products "
    "FOR EACH STATEMENT EXECUTE FUNCTION product_words_follow()",
    "DROP TRIGGER IF EXISTS products_words_update ON products",
    "CREATE TRIGGER products_words_update AFTER UPDATE OF id, search_text ON products FOR EACH ROW "
    "WHEN (OLD.id <> NEW.id OR OLD.search_text IS DISTINCT FROM NEW.search_text) "
    "EXECUTE FUNCTION product_words_follow()",
    "DROP TRIGGER IF EXISTS products_words_truncate ON products",
    "CREATE TRIGGER products_words_truncate AFTER TRUNCATE ON products "
    "FOR EACH STATEMENT EXECUTE FUNCTION product_words_follow()",
)
POSTGRESQL_FILL = (f"INSERT INTO {WORDS_TABLE} (product_id, search_text) SELECT id, search_text FROM products",)
POSTGRESQL_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS ix_product_words_words ON {WORDS_TABLE} USING gin ({POSTGRESQL_WORDS})",
    f"CREATE INDEX IF NOT EXISTS ix_product_words_reversed ON {WORDS_TABLE} USING gin ({POSTGRESQL_REVERSED})",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS products_words_insert ON products",
    "DROP TRIGGER IF EXISTS products_words_delete ON products",
    "DROP TRIGGER IF EXISTS products_words_update ON products",
    "DROP TRIGGER IF EXISTS products_words_truncate ON products",
    "DROP FUNCTION IF EXISTS product_words_follow()",
    "DROP FUNCTION IF EXISTS product_words_ids(tsquery, tsquery)",
    "DROP FUNCTION IF EXISTS product_words_matched(tsquery, tsquery, text)",
    f"DROP TABLE IF EXISTS {WORDS_TABLE}",
    "DROP FUNCTION IF EXISTS product_words_vector(text)",
)


def create_statements(dialect: str, *, fill: bool = False) -> tuple[str, ...]:
    """The statements that build the index; ``fill``: and index the products there are (a migration; the tests'
    ``create_all`` makes an empty table). The triggers come first, so that no product written meanwhile is missed
    (on PostgreSQL they lock ``products`` against writes until the migration commits), and PostgreSQL's GIN
    indexes after the rows, built at once (an insert of 247,700 rows into the indexed table took over 15 s)."""
    if dialect == "sqlite":
        return SQLITE_CREATE + (SQLITE_FILL if fill else ())
    if dialect == "postgresql":
        # The planner's estimates of the indexes' expressions, before a search needs them.
        return POSTGRESQL_CREATE + (POSTGRESQL_FILL if fill else ()) + POSTGRESQL_INDEXES + (
            (f"ANALYZE {WORDS_TABLE}",) if fill else ())
    return ()


def drop_statements(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, ())


def is_search_index(name: str | None) -> bool:
    """The index's tables (with FTS5's shadow tables and the GIN indexes): the models do not declare them (for
    Alembic)."""
    return bool(name) and (name == WORDS_TABLE or name.startswith(f"{WORDS_TABLE}_")
                           or name.startswith(f"ix_{WORDS_TABLE}_"))


@event.listens_for(Product.__table__, "after_create")
def _create_index(table, connection, **_kw) -> None:
    """``create_all`` (the tests, a fresh database) builds the index too; migrations run the same statements."""
    for statement in create_statements(connection.dialect.name):
        connection.execute(text(statement))


@event.listens_for(Product.__table__, "before_drop")
def _drop_index(table, connection, **_kw) -> None:
    for statement in drop_statements(connection.dialect.name):
        connection.execute(text(statement))


# The FTS5 table as a FROM clause (not a model: the models do not declare it).
_fts = table(WORDS_TABLE, column("rowid"))


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _sqlite_match(terms: list[str]) -> str:
    """An FTS5 query for the products with a word that starts with one of ``terms`` or ends with its stem."""
    return " OR ".join(f"{{words}}: {_phrase(term)}* OR {{reversed}}: {_phrase(stem(term)[::-1])}*" for term in terms)


def _postgresql_queries(terms: list[str]) -> tuple:
    """The tsqueries of the words and of the reversed words that a product matching one of ``terms`` has: a word
    that starts with the term, or a reversed word that starts with the term's stem reversed."""
    words = " | ".join(f"{_quoted(term)}:*" for term in terms)
    reversed_words = " | ".join(f"{_quoted(stem(term)[::-1])}:*" for term in terms)
    return cast(literal(words), TSQUERY), cast(literal(reversed_words), TSQUERY)


def _quoted(word: str) -> str:
    """A lexeme in a tsquery, taken as it is (quoted: no operator, no normalisation)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _candidates(terms: list[str], dialect: str):
    """SQL condition on products: the index of ``dialect`` holds a word that starts with one of ``terms`` or ends
    with its stem (every product that matches one of them by the rules); None on any other database."""
    if dialect == "sqlite":
        return Product.id.in_(select(_fts.c.rowid).where(literal_column(WORDS_TABLE).op("MATCH")(
            _sqlite_match(terms))))
    if dialect == "postgresql":
        found = func.product_words_ids(*_postgresql_queries(terms)).table_valued("product_id")
        return Product.id.in_(select(found.c.product_id))
    return None


def search_clause(terms: list[str], dialect: str):
    """SQL condition on products: every term matches by the rules of ``search.match_clause``, read through the
    index of ``dialect`` (any other database scans ``search_text``)."""
    rule = match_clause(Product.search_text, terms)
    if not terms:
        return rule
    indexed = [_candidates([term], dialect) for term in terms]
    if indexed[0] is None:
        return rule
    return and_(*indexed, rule)


def any_term_clause(terms: list[str], dialect: str):
    """SQL condition on products: at least one of ``terms`` matches by the rules, read through the index of
    ``dialect``: the candidates of every term in one condition, then the rules. As the index holds every product
    a term's rule matches, this is ``or_(*(search_clause([term]) for term in terms))``, but the index is asked
    once for all of them."""
    rule = or_(*(match_clause(Product.search_text, [term]) for term in terms))
    indexed = _candidates(terms, dialect)
    return rule if indexed is None else and_(indexed, rule)


def matched_ids_statement(terms: list[str], dialect: str):
    """One statement that reads, for each of ``terms``, the ids of the products it matches by the rules and of
    those whose search text starts with it (``search_text LIKE ' term%'``: their name starts with the term,
    relevance 2 in ``relevance``): a row ``(n, matched, first)`` per term, ``n`` its place in ``terms``, the ids
    comma-separated in one text each (None for none).

    The ids are aggregated in the database, so that no row is sent to Python per match, and they are the index's
    answer alone, no product's row read (see the module's docstring: it is exact). At 100 times the demo catalogue,
    for ``hoeve`` (119,800 matches, 28,700 that start with it): SQLite ~15 ms, where its trigram index took ~35 ms
    (and reading every match's row ~450 ms); PostgreSQL ~45 ms, where the GIN indexes on ``products`` and the
    rules tested on its rows took ~330 ms.

    None on another database."""
    if not terms:
        return None
    parts = []
    if dialect == "sqlite":
        match = literal_column(WORDS_TABLE).op("MATCH")

        def ids_matching(expression):
            return select(func.group_concat(_fts.c.rowid)).select_from(_fts).where(match(expression)) \
                .scalar_subquery()

        for n, term in enumerate(terms):
            parts.append(select(literal(n), ids_matching(_sqlite_match([term])),
                                ids_matching(f"{{head}}: {_phrase(term)}*")))
    elif dialect == "postgresql":
        for n, term in enumerate(terms):
            found = func.product_words_matched(*_postgresql_queries([term]), literal(f" {term}%")) \
                .table_valued("matched", "first")
            parts.append(select(literal(n), found.c.matched, found.c.first))
    else:
        return None
    return union_all(*parts) if len(parts) > 1 else parts[0]


def relevance(terms: list[str]):
    """Higher when the terms are in the product's name: 2 when the name starts with a term, 1 when the
    name contains it. ``search_text`` starts with the folded name's words."""
    name = func.lower(Product.name)
    scores = [
        case((Product.search_text.like(f" {term}%"), 2), (name.like(f"%{term}%"), 1), else_=0) for term in terms
    ]
    return functools.reduce(operator.add, scores)


def term_matches(terms: list[str], where) -> dict[str, tuple[set[int], set[int], set[int]]]:
    """Per term, the products of ``where`` that match it, and of those the ones that score 2 and 1 for relevance
    (``relevance``), in one statement. ``where`` must hold every product of interest that matches a term: the
    search's candidates (``any_term_clause``), or the products the facet index brings up to date."""
    # Which term a row read through the index matches is the rule's own test on that row: asked again through
    # the index it cost as much as the search itself (PostgreSQL computed both word vectors of every row
    # again, ~1.2 s of ~1.65 s for ``kaas`` at 100 times the demo catalogue; SQLite read each term's
    # candidates twice). The index holds every row the rule matches, so the answer is the same.
    rows = db.session.execute(
        select(Product.id, *(case((match_clause(Product.search_text, [term]), 1), else_=0) for term in terms),
               *(relevance([term]) for term in terms))
        .where(where)
    ).all()
    found = {}
    for n, term in enumerate(terms):
        matched = {row[0] for row in rows if row[1 + n]}
        scores = {row[0]: row[1 + len(terms) + n] for row in rows if row[1 + n]}
        found[term] = (matched, {i for i in matched if scores[i] == 2}, {i for i in matched if scores[i] == 1})
    return found
