"""Catalogue speed: the products' full-text search index (SQLite FTS5 trigram table kept by triggers; PostgreSQL
GIN index on a tsvector) and indexes for the products list's orders.

Revision ID: a7c3e91d5b20
Revises: a4c81e5f2d10
Create Date: 2026-12-06 22:40:00

"""
from alembic import op
from sqlalchemy import text

from shop.catalog.search_index import create_statements, drop_statements


# revision identifiers, used by Alembic.
revision = 'a7c3e91d5b20'
down_revision = 'a4c81e5f2d10'
branch_labels = None
depends_on = None


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
