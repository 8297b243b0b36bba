"""outbox: mails drawn after the commit (renderer, render_args) and attachments drawn when delivered (source).

Revision ID: a4c81e5f2d10
Revises: 7b0289795f02
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c81e5f2d10'
down_revision = '7b0289795f02'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renderer', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('render_args', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('render_args')
        batch_op.drop_column('renderer')
