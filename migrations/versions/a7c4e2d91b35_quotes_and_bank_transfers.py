"""Quotes and payment by bank transfer: an order's quote number and validity, its structured reference and
payment due date; the bank transfers received (staff's mark or a bank statement line, each once).

Revision ID: a7c4e2d91b35
Revises: c4d8e2f1a9b3
Create Date: 2026-12-06 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c4e2d91b35'
down_revision = 'c4d8e2f1a9b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('quote_valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('transfer_reference', sa.String(length=21), nullable=True))
        batch_op.add_column(sa.Column('payment_due_date', sa.Date(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_orders_quote_number'), ['quote_number'])
        batch_op.create_unique_constraint(batch_op.f('uq_orders_transfer_reference'), ['transfer_reference'])

    op.create_table(
        'bank_transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('line_key', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=21), nullable=False),
        sa.Column('booked_on', sa.Date(), nullable=True),
        sa.Column('counterparty', sa.String(length=160), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_bank_transfers_order_id_orders')),
        sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_bank_transfers_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_transfers')),
        sa.UniqueConstraint('line_key', name=op.f('uq_bank_transfers_line_key')),
    )
    with op.batch_alter_table('bank_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_transfers_order_id'), ['order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_transfers_order_id'))
    op.drop_table('bank_transfers')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_orders_transfer_reference'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_orders_quote_number'), type_='unique')
        batch_op.drop_column('payment_due_date')
        batch_op.drop_column('transfer_reference')
        batch_op.drop_column('quote_valid_until')
        batch_op.drop_column('quote_number')
