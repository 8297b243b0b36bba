"""Catalogue speed at scale: an index for the facet counts' scan (products of one status in producer and category
order) and one in the products list's recommended order (featured, in stock first, name), so that its first page
is read without sorting every product; on PostgreSQL the search's words and reversed words in two GIN indexes
instead of one weighted vector (which made PostgreSQL compute the vector again for every match).

Revision ID: b3e5f0c27d41
Revises: a7c4e2d91b35
Create Date: 2026-12-07 01:50:00

"""
from alembic import op
from sqlalchemy import text


# revision identifiers, used by Alembic.
revision = 'b3e5f0c27d41'
down_revision = 'a7c4e2d91b35'
branch_labels = None
depends_on = None


# The search index of revision a7c3e91d5b20, as it was made then (its downgrade puts it back).
OLD_POSTGRESQL_SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_products_search_vector ON products USING gin ("
    "(setweight(to_tsvector('simple'::regconfig, search_text), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, reverse(search_text)), 'B')))"
)
POSTGRESQL_SEARCH_INDEXES = (
    "DROP INDEX IF EXISTS ix_products_search_vector",
    "CREATE INDEX IF NOT EXISTS ix_products_search_words ON products USING gin "
    "(to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX IF NOT EXISTS ix_products_search_reversed ON products USING gin "
    "(to_tsvector('simple'::regconfig, reverse(search_text)))",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SEARCH_INDEXES:
            op.execute(text(statement))
    op.create_index('ix_products_facets', 'products',
                    ['status', 'producer_id', 'category_id', 'stock', 'season_mask', 'price_cents', 'id'],
                    unique=False)
    # The same expressions as shop.catalog.models (in_stock_first): a query uses the index only when they match.
    op.create_index('ix_products_recommended', 'products',
                    ['status', text('featured DESC'), text('(CASE WHEN (stock > 0) THEN 0 ELSE 1 END)'), 'name', 'id',
                     'producer_id'], unique=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(text("DROP INDEX IF EXISTS ix_products_search_words"))
        op.execute(text("DROP INDEX IF EXISTS ix_products_search_reversed"))
        op.execute(text(OLD_POSTGRESQL_SEARCH_INDEX))
    op.drop_index('ix_products_recommended', table_name='products')
    op.drop_index('ix_products_facets', table_name='products')
