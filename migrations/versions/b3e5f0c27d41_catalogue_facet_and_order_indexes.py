"""Catalogue speed at scale: an index for the facet counts' scan (products of one status in producer and category
order) and one in the products list's recommended order (featured, in stock first, name), so that its first page
is read without sorting every product.

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


def upgrade():
    op.create_index('ix_products_facets', 'products',
                    ['status', 'producer_id', 'category_id', 'stock', 'season_mask', 'price_cents', 'id'],
                    unique=False)
    # The same expressions as shop.catalog.models (in_stock_first): a query uses the index only when they match.
    op.create_index('ix_products_recommended', 'products',
                    ['status', text('featured DESC'), text('(CASE WHEN (stock > 0) THEN 0 ELSE 1 END)'), 'name', 'id',
                     'producer_id'], unique=False)


def downgrade():
    op.drop_index('ix_products_recommended', table_name='products')
    op.drop_index('ix_products_facets', table_name='products')
