"""orders.request_id: the request that placed the order (logs, Stripe metadata); existing orders get "".

Revision ID: f26839a1ca42
Revises: b3e5c1a7d902
Create Date: 2026-12-06 21:06:54.436361

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f26839a1ca42'
down_revision = 'b3e5c1a7d902'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('request_id')

