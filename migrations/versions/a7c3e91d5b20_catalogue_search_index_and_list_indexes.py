"""Catalogue speed: the products' full-text search index (SQLite FTS5 trigram table kept by triggers; PostgreSQL
GIN index on a tsvector) and indexes for the products list's orders.

Revision ID: a7c3e91d5b20
Revises: a4c81e5f2d10
Create Date: 2026-12-06 22:40:00

"""
from alembic import op
from sqlalchemy import text

# revision identifiers, used by Alembic.
revision = 'a7c3e91d5b20'
down_revision = 'a4c81e5f2d10'
branch_labels = None
depends_on = None


# The search index as this revision makes it (written out here: shop.catalog.search_index has moved on since, and
# revision 9e4b7d2c6a15 replaces it; its downgrade puts this one back).
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_search USING fts5("
    "search_text, content='products', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS products_search_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO product_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_search_delete AFTER DELETE ON products BEGIN "
    "INSERT INTO product_search(product_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_search_update AFTER UPDATE OF search_text ON products BEGIN "
    "INSERT INTO product_search(product_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO product_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO product_search(product_search) VALUES ('rebuild')",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS products_search_insert",
    "DROP TRIGGER IF EXISTS products_search_delete",
    "DROP TRIGGER IF EXISTS products_search_update",
    "DROP TABLE IF EXISTS product_search",
)
POSTGRESQL_CREATE = (
    "DROP INDEX IF EXISTS ix_products_search_vector",
    "CREATE INDEX IF NOT EXISTS ix_products_search_words ON products USING gin "
    "(to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX IF NOT EXISTS ix_products_search_reversed ON products USING gin "
    "(to_tsvector('simple'::regconfig, reverse(search_text)))",
)
POSTGRESQL_DROP = tuple(f"DROP INDEX IF EXISTS {name}" for name in (
    "ix_products_search_words", "ix_products_search_reversed", "ix_products_search_vector"))


def create_statements(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(dialect, ())


def drop_statements(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, ())


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_listing', ['producer_id', 'status', 'category_id', 'stock', 'season_mask',
                                                      'featured', 'price_cents'], unique=False)
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(text(statement))


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(text(statement))
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_listing')
