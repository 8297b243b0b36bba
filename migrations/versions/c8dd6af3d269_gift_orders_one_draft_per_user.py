"""gift_orders: at most one draft per user, a partial unique index on the drafts' user_id (two first visits at
once made two drafts; get_or_create_draft now returns the one the other visit stored).

Revision ID: c8dd6af3d269
Revises: c5a9d3e71f28
Create Date: 2026-12-07 11:10:00

"""
from alembic import op
from sqlalchemy import text

# revision identifiers, used by Alembic.
revision = 'c8dd6af3d269'
down_revision = 'c5a9d3e71f28'
branch_labels = None
depends_on = None

# The drafts of a user other than its newest: the list page shows only the newest (get_draft), so nobody could
# see or change them. They go (their rows first: SQLite does not enforce the cascade) so the index can be made.
_OLDER_DRAFTS = ("SELECT id FROM gift_orders WHERE status = 'draft' AND id < (SELECT MAX(newest.id) FROM gift_orders "
                 "AS newest WHERE newest.user_id = gift_orders.user_id AND newest.status = 'draft')")


def upgrade():
    op.execute(f"DELETE FROM gift_recipients WHERE gift_order_id IN ({_OLDER_DRAFTS})")
    op.execute(f"DELETE FROM gift_orders WHERE id IN ({_OLDER_DRAFTS})")
    op.create_index('uq_gift_orders_user_id_draft', 'gift_orders', ['user_id'], unique=True,
                    sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'"))


def downgrade():
    op.drop_index('uq_gift_orders_user_id_draft', table_name='gift_orders')
