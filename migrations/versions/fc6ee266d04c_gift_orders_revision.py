"""gift_orders.revision: raised by every change of a draft list; ordering claims the list only at the revision
whose rows it ordered (a change stored between reading the rows and ordering made an order of rows the list no
longer had).

Revision ID: fc6ee266d04c
Revises: c8dd6af3d269
Create Date: 2026-12-07 11:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'fc6ee266d04c'
down_revision = 'c8dd6af3d269'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('gift_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('gift_orders', schema=None) as batch_op:
        batch_op.drop_column('revision')
