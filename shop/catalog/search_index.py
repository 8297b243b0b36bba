"""The full-text index behind the product search: it finds the candidates, ``catalog.search`` keeps the rules.

A product's ``search_text`` (kept by ``catalog.services.refresh_search_text``) holds its folded words and their
Dutch stems between spaces. A query term matches when a word starts with the term or a word ends with the
term's stem (``search.match_clause``). Both are asked of an index, so that a search reads the matching rows
only instead of every product's text:

- SQLite: an FTS5 table with the trigram tokenizer over ``products.search_text`` (external content), asked for
  the phrases ``" kaas"`` and ``"kas "``, which it answers from its index alone (a part shorter than three
  characters, which has no trigram, by ``LIKE``, reading every row);
- PostgreSQL: GIN indexes on a tsvector of the words (for "starts with") and of the same words reversed
  ("ends with ``kas``" is "reversed, starts with ``sak``"), built with the ``simple``
  configuration: the words are already folded and stemmed by the shop's own rules, which the ``dutch``
  Snowball stemmer would contradict (it splits no compounds: ``kaas`` would not find ``hoevekaas``), and
  ``fold`` already strips accents on both sides (``paté`` finds ``pate``), so no unaccent extension is needed.

The rules' own LIKE conditions stay in the statement, so the index only narrows what is read; but a search's first
read of a term (``matched_ids_statement``, for the facet index) takes on SQLite the index's answer alone, which is exact. The index follows
every change of ``search_text`` in the database itself (SQLite triggers; PostgreSQL maintains its index), so
every writer, also a bulk insert or a raw UPDATE, keeps it exact.
"""

from __future__ import annotations

import functools
import operator

from sqlalchemy import (
    String,
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

from shop.catalog.models import Product
from shop.catalog.search import match_clause, stem
from shop.extensions import db

SQLITE_TABLE = "product_search"

# The statements that build the index on a database that has the products table, per dialect.
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5("
    "search_text, content='products', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS products_search_insert AFTER INSERT ON products BEGIN "
    f"INSERT INTO {SQLITE_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS products_search_delete AFTER DELETE ON products BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS products_search_update AFTER UPDATE OF search_text ON products BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {SQLITE_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS products_search_insert",
    "DROP TRIGGER IF EXISTS products_search_delete",
    "DROP TRIGGER IF EXISTS products_search_update",
    f"DROP TABLE IF EXISTS {SQLITE_TABLE}",
)

# The words, and the same words reversed ("ends with ``kas``" is "reversed, starts with ``sak``"), each in a GIN
# index of its own: a prefix query on one of them is answered by its index without a recheck of the row (a
# weighted query on one vector of both, as before, had PostgreSQL compute that vector again for every match).
# The expressions of the indexes and of the queries must be the same text.
POSTGRESQL_WORDS = "to_tsvector('simple'::regconfig, search_text)"
POSTGRESQL_REVERSED = "to_tsvector('simple'::regconfig, reverse(search_text))"
POSTGRESQL_INDEXES = ("ix_products_search_words", "ix_products_search_reversed", "ix_products_search_vector")
POSTGRESQL_CREATE = (
    "DROP INDEX IF EXISTS ix_products_search_vector",
    f"CREATE INDEX IF NOT EXISTS ix_products_search_words ON products USING gin ({POSTGRESQL_WORDS})",
    f"CREATE INDEX IF NOT EXISTS ix_products_search_reversed ON products USING gin ({POSTGRESQL_REVERSED})",
)
POSTGRESQL_DROP = tuple(f"DROP INDEX IF EXISTS {name}" for name in POSTGRESQL_INDEXES)


def create_statements(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(dialect, ())


def drop_statements(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, ())


def is_search_index(name: str | None) -> bool:
    """The FTS5 table with its shadow tables, or the GIN index: the models do not declare them (for Alembic)."""
    return bool(name) and (name == SQLITE_TABLE or name.startswith(f"{SQLITE_TABLE}_")
                           or name in POSTGRESQL_INDEXES)


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
_fts = table(SQLITE_TABLE, column("rowid"), column("search_text"))


def _prefix(word: str):
    return func.to_tsquery(literal_column("'simple'::regconfig"), f"{word}:*")


def _candidates(terms: list[str], dialect: str):
    """SQL condition on products: the index of ``dialect`` holds a word that starts with one of ``terms`` or ends
    with its stem (every product that matches one of them by the rules, and perhaps more); None on any other
    database."""
    if dialect == "sqlite":
        # A word that starts with the term holds " term", one that ends with its stem "stem ": each a phrase of
        # trigrams that the index answers from its own lists (a LIKE on the table had FTS5 read every candidate's
        # text in products to test the pattern again: ~2.5 times the cost for ``kaas`` at 100 times the demo
        # catalogue). The trigram tokenizer finds no phrase shorter than three characters: those a LIKE, which
        # FTS5 answers by reading every row.
        phrases, short = [], []
        for term in terms:
            for part in (f" {term}", f"{stem(term)} "):
                if len(part) >= 3:
                    phrases.append('"' + part.replace('"', '""') + '"')
                else:
                    short.append(part)
        found = [select(_fts.c.rowid).where(_fts.c.search_text.like(f"%{part}%")) for part in dict.fromkeys(short)]
        if phrases:
            found.insert(0, select(_fts.c.rowid).where(
                literal_column(SQLITE_TABLE).op("MATCH")(" OR ".join(dict.fromkeys(phrases)))))
        return Product.id.in_(found[0].union(*found[1:]) if len(found) > 1 else found[0])
    if dialect == "postgresql":
        words = literal_column(POSTGRESQL_WORDS.replace("search_text", "products.search_text"))
        reversed_words = literal_column(POSTGRESQL_REVERSED.replace("search_text", "products.search_text"))
        return or_(*(or_(words.op("@@")(_prefix(term)), reversed_words.op("@@")(_prefix(stem(term)[::-1])))
                     for term in terms))
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
    a term's rule matches, this is ``or_(*(search_clause([term]) for term in terms))``, but PostgreSQL tests each
    row read against the index's condition only once (written per term, it computed both word vectors of every
    row again: ~3.9 s for ``kaas appel`` at 100 times the demo catalogue)."""
    rule = or_(*(match_clause(Product.search_text, [term]) for term in terms))
    indexed = _candidates(terms, dialect)
    return rule if indexed is None else and_(indexed, rule)


def matched_ids_statement(terms: list[str], dialect: str):
    """One statement that reads, for each of ``terms``, the ids of the products it matches by the rules and of
    those whose search text starts with it (``search_text LIKE ' term%'``: their name starts with the term,
    relevance 2 in ``relevance``): a row ``(n, matched, first)`` per term, ``n`` its place in
    ``terms``, the ids comma-separated in one text each (None for none).

    The ids are aggregated in the database, so that no row is sent to Python per match, and on SQLite they are the
    answer of the index alone, no product's row read: the trigram index answers the rules exactly (a phrase of
    trigrams is a substring, and the search text is folded to lower-case letters, digits and spaces), ``^`` asks
    for the phrase at the start of the text. At 100 times the demo catalogue ~35 ms each for ``hoeve`` (96,100
    matches, 28,700 that start with it), where reading every match's row to test the rules and score it took
    ~450 ms. On PostgreSQL the rules' own conditions stay, tested on the rows the GIN indexes name (their rows are
    read anyway, for their ids).

    None where the index cannot answer: another database, or on SQLite a term of one character (its parts are
    shorter than a trigram)."""
    if not terms:
        return None
    parts = []
    if dialect == "sqlite":
        if any(len(term) < 2 for term in terms):
            return None
        match = literal_column(SQLITE_TABLE).op("MATCH")

        def ids_matching(expression: str):
            return select(func.group_concat(_fts.c.rowid)).select_from(_fts).where(match(expression)).scalar_subquery()

        for n, term in enumerate(terms):
            phrases = " OR ".join(dict.fromkeys(_phrase(part) for part in (f" {term}", f"{stem(term)} ")))
            parts.append(select(literal(n), ids_matching(phrases), ids_matching("^ " + _phrase(f" {term}"))))
    elif dialect == "postgresql":
        ids = cast(Product.id, String)
        for n, term in enumerate(terms):
            parts.append(
                select(literal(n), func.string_agg(ids, ","),
                       func.string_agg(ids, ",").filter(Product.search_text.like(f" {term}%")))
                .where(_candidates([term], dialect), match_clause(Product.search_text, [term])))
    else:
        return None
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


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
