"""The full-text index behind the product search: it finds the candidates, ``catalog.search`` keeps the rules.

A product's ``search_text`` (kept by ``catalog.services.refresh_search_text``) holds its folded words and their
Dutch stems between spaces. A query term matches when a word starts with the term or a word ends with the
term's stem (``search.match_clause``). Both are asked of an index, so that a search reads the matching rows
only instead of every product's text:

- SQLite: an FTS5 table with the trigram tokenizer over ``products.search_text`` (external content), which
  answers ``LIKE '% kaas%'`` and ``LIKE '%kas %'`` from its index;
- PostgreSQL: a GIN index on a tsvector of the words (weight A, for "starts with") and of the same words
  reversed (weight B: "ends with ``kas``" is "reversed, starts with ``sak``"), built with the ``simple``
  configuration: the words are already folded and stemmed by the shop's own rules, which the ``dutch``
  Snowball stemmer would contradict (it splits no compounds: ``kaas`` would not find ``hoevekaas``), and
  ``fold`` already strips accents on both sides (``paté`` finds ``pate``), so no unaccent extension is needed.

The rules' own LIKE conditions stay in the statement, so the index only narrows what is read. The index follows
every change of ``search_text`` in the database itself (SQLite triggers; PostgreSQL maintains its index), so
every writer, also a bulk insert or a raw UPDATE, keeps it exact.
"""

from __future__ import annotations

from sqlalchemy import and_, column, event, func, literal_column, select, table, text

from shop.catalog.models import Product
from shop.catalog.search import match_clause, stem

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

# Words (A) and reversed words (B); the expression of the index and of the queries must be the same text.
POSTGRESQL_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, search_text), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, reverse(search_text)), 'B'))"
)
POSTGRESQL_CREATE = (f"CREATE INDEX IF NOT EXISTS ix_products_search_vector ON products USING gin ({POSTGRESQL_VECTOR})",)
POSTGRESQL_DROP = ("DROP INDEX IF EXISTS ix_products_search_vector",)


def create_statements(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(dialect, ())


def drop_statements(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, ())


def is_search_index(name: str | None) -> bool:
    """The FTS5 table with its shadow tables, or the GIN index: the models do not declare them (for Alembic)."""
    return bool(name) and (name == SQLITE_TABLE or name.startswith(f"{SQLITE_TABLE}_")
                           or name == "ix_products_search_vector")


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


def _tsquery(term: str) -> str:
    return f"({term}:*A | {stem(term)[::-1]}:*B)"


def search_clause(terms: list[str], dialect: str):
    """SQL condition on products: every term matches by the rules of ``search.match_clause``, read through the
    index of ``dialect`` (any other database scans ``search_text``)."""
    rule = match_clause(Product.search_text, terms)
    if not terms:
        return rule
    if dialect == "sqlite":
        indexed = []
        for term in terms:
            starts = select(_fts.c.rowid).where(_fts.c.search_text.like(f"% {term}%"))
            ends = select(_fts.c.rowid).where(_fts.c.search_text.like(f"%{stem(term)} %"))
            indexed.append(Product.id.in_(starts.union(ends)))
        return and_(*indexed, rule)
    if dialect == "postgresql":
        query = " & ".join(_tsquery(term) for term in terms)
        vector = literal_column(POSTGRESQL_VECTOR.replace("search_text", "products.search_text"))
        return and_(vector.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), query)), rule)
    return rule
