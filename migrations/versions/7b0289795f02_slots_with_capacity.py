"""slots, slot_bookings and slot_defaults: pickup hours and delivery days with a capacity (rows made lazily)

Revision ID: 7b0289795f02
Revises: a7c1e9d4b2f6
Create Date: 2026-12-06 22:19:17.480626

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b0289795f02'
down_revision = 'a7c1e9d4b2f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pickup', 'delivery', name='slotkind', native_enum=False, length=10), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('capacity_set', sa.Boolean(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.CheckConstraint('booked <= capacity', name=op.f('ck_slots_booked_within_capacity')),
    sa.CheckConstraint('booked >= 0', name=op.f('ck_slots_booked_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slots')),
    sa.UniqueConstraint('kind', 'day', 'start_time', name='uq_slots_kind_day_start_time')
    )
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slots_day'), ['day'], unique=False)

    op.create_table('slot_defaults',
    sa.Column('kind', sa.Enum('pickup', 'delivery', name='slotkind', native_enum=False, length=10), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_slot_defaults_by_user_id_users')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_slot_defaults'))
    )
    op.create_table('slot_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('units > 0', name=op.f('ck_slot_bookings_units_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_slot_bookings_order_id_orders')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_slot_bookings_shipment_id_shipments')),
    sa.ForeignKeyConstraint(['slot_id'], ['slots.id'], name=op.f('fk_slot_bookings_slot_id_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_bookings'))
    )
    with op.batch_alter_table('slot_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_bookings_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_slot_bookings_shipment_id'), ['shipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_slot_bookings_slot_id'), ['slot_id'], unique=False)



def downgrade():
    with op.batch_alter_table('slot_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slot_bookings_slot_id'))
        batch_op.drop_index(batch_op.f('ix_slot_bookings_shipment_id'))
        batch_op.drop_index(batch_op.f('ix_slot_bookings_order_id'))

    op.drop_table('slot_bookings')
    op.drop_table('slot_defaults')
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slots_day'))

    op.drop_table('slots')
