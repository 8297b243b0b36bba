"""einvoice_deliveries.sending_round: a resend by staff is a new sending (its own idempotency key)

Revision ID: b3e5c1a7d902
Revises: d3c733fada18
Create Date: 2026-12-20 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e5c1a7d902'
down_revision = 'd3c733fada18'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('einvoice_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_round', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('einvoice_deliveries', schema=None) as batch_op:
        batch_op.drop_column('sending_round')
