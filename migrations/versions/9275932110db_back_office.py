"""back office: order notes, audit log, refund request keys, shortage resolution, review note

Revision ID: 9275932110db
Revises: e7911beaf618
Create Date: 2026-11-25 12:12:11.614896

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9275932110db'
down_revision = 'e7911beaf618'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_audit_entries_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_by_user_id'), ['by_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_subject_id'), ['subject_id'], unique=False)

    op.create_table('order_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_order_notes_by_user_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_notes_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_notes'))
    )
    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_notes_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_refunds_request_key'), ['request_key'])

    with op.batch_alter_table('shortage_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('value_cents', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('substitute_product_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('substitute_producer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('substitute_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('substitute_quantity', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('substitute_vat_rate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('substitute_value_cents', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('refund_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_shortage_reports_substitute_product_id_products'), 'products', ['substitute_product_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_shortage_reports_refund_id_refunds'), 'refunds', ['refund_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_shortage_reports_resolved_by_user_id_users'), 'users', ['resolved_by_user_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_shortage_reports_substitute_producer_id_producers'), 'producers', ['substitute_producer_id'], ['id'])



def downgrade():
    with op.batch_alter_table('shortage_reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_shortage_reports_substitute_producer_id_producers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_shortage_reports_resolved_by_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_shortage_reports_refund_id_refunds'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_shortage_reports_substitute_product_id_products'), type_='foreignkey')
        batch_op.drop_column('refund_id')
        batch_op.drop_column('substitute_value_cents')
        batch_op.drop_column('substitute_vat_rate')
        batch_op.drop_column('substitute_quantity')
        batch_op.drop_column('substitute_name')
        batch_op.drop_column('substitute_producer_id')
        batch_op.drop_column('substitute_product_id')
        batch_op.drop_column('value_cents')
        batch_op.drop_column('resolved_by_user_id')

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_refunds_request_key'), type_='unique')
        batch_op.drop_column('request_key')

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('review_note')

    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_notes_order_id'))

    op.drop_table('order_notes')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_subject_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_by_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
