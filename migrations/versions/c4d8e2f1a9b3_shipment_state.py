"""shipments.state, shipped_at, delivered_at: every shipment of an order is fulfilled on its own.

Shipments of orders already shipped (deliveries) are marked shipped, those of completed orders delivered.

Revision ID: c4d8e2f1a9b3
Revises: a7c3e91d5b20
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2f1a9b3'
down_revision = 'a7c3e91d5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=12), nullable=False, server_default='to_prepare'))
        batch_op.add_column(sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_shipments_state'), ['state'], unique=False)
    op.execute(
        "UPDATE shipments SET state = 'shipped', shipped_at = (SELECT updated_at FROM orders WHERE orders.id = "
        "shipments.order_id) WHERE method = 'delivery' AND order_id IN (SELECT id FROM orders WHERE status = 'shipped')"
    )
    op.execute(
        "UPDATE shipments SET state = 'delivered', delivered_at = (SELECT updated_at FROM orders WHERE orders.id = "
        "shipments.order_id) WHERE order_id IN (SELECT id FROM orders WHERE status = 'completed')"
    )


def downgrade():
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_state'))
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('shipped_at')
        batch_op.drop_column('state')
