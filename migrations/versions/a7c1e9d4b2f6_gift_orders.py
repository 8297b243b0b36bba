"""gift_orders, gift_recipients: company gift lists kept as drafts until ordered.

Revision ID: a7c1e9d4b2f6
Revises: f26839a1ca42
Create Date: 2026-12-06 22:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c1e9d4b2f6'
down_revision = 'f26839a1ca42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'gift_orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('common_message', sa.String(length=300), nullable=False),
        sa.Column('logo_key', sa.String(length=300), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('pending_rows', sa.JSON(), nullable=False),
        sa.Column('pending_filename', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_gift_orders_order_id_orders')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_gift_orders_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_orders')),
        sa.UniqueConstraint('order_id', name=op.f('uq_gift_orders_order_id')),
    )
    with op.batch_alter_table('gift_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gift_orders_user_id'), ['user_id'], unique=False)
    op.create_table(
        'gift_recipients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gift_order_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('company', sa.String(length=200), nullable=False),
        sa.Column('street', sa.String(length=200), nullable=False),
        sa.Column('postcode', sa.String(length=20), nullable=False),
        sa.Column('city', sa.String(length=200), nullable=False),
        sa.Column('country', sa.String(length=60), nullable=False),
        sa.Column('message', sa.String(length=1000), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('quantity', sa.String(length=20), nullable=False),
        sa.Column('desired_date', sa.String(length=40), nullable=False),
        sa.Column('shipment_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['gift_order_id'], ['gift_orders.id'],
                                name=op.f('fk_gift_recipients_gift_order_id_gift_orders'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'],
                                name=op.f('fk_gift_recipients_shipment_id_shipments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_recipients')),
    )
    with op.batch_alter_table('gift_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gift_recipients_gift_order_id'), ['gift_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('gift_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gift_recipients_gift_order_id'))
    op.drop_table('gift_recipients')
    with op.batch_alter_table('gift_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gift_orders_user_id'))
    op.drop_table('gift_orders')
