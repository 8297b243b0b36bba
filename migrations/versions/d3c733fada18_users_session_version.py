"""users.session_version: raising it ends every session of the user (log-out, new password, deactivation)

Revision ID: d3c733fada18
Revises: 1b47fc401154
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3c733fada18'
down_revision = '1b47fc401154'
branch_labels = None
depends_on = None


def upgrade():
    # Existing users get version 1; sessions made before this release hold a bare id, which the loader
    # no longer accepts: everyone logs in once more.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
