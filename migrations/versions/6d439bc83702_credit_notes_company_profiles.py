"""Credit notes, company profiles, e-invoice deliveries; orders carry a PO reference and a Peppol id, refunds
their split over VAT rates. Existing rows get empty values.

Revision ID: 6d439bc83702
Revises: d0cb11be0cd8
Create Date: 2026-12-06 19:30:41.021217

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d439bc83702'
down_revision = 'd0cb11be0cd8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('company_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=160), nullable=False),
    sa.Column('vat_number', sa.String(length=14), nullable=False),
    sa.Column('peppol_id', sa.String(length=60), nullable=False, server_default=''),
    sa.Column('street', sa.String(length=160), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('invoice_email', sa.String(length=254), nullable=False),
    sa.Column('prices_excl_vat', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_company_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_company_profiles_user_id'))
    )
    op.create_table('credit_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('seller', sa.JSON(), nullable=False),
    sa.Column('buyer', sa.JSON(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('vat_lines', sa.JSON(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('payment', sa.JSON(), nullable=False),
    sa.CheckConstraint('total_cents > 0', name=op.f('ck_credit_notes_total_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_notes_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_credit_notes_order_id_orders')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_credit_notes_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_notes_number')),
    sa.UniqueConstraint('refund_id', name=op.f('uq_credit_notes_refund_id')),
    sa.UniqueConstraint('year', 'sequence', name=op.f('uq_credit_notes_year'))
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_notes_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_notes_order_id'), ['order_id'], unique=False)

    op.create_table('einvoice_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('receiver', sa.String(length=60), nullable=False),
    sa.Column('status', sa.Enum('queued', 'invalid', 'sent', 'delivered', 'rejected', name='deliverystatus', native_enum=False, length=20), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('provider_reference', sa.String(length=120), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(invoice_id IS NULL) <> (credit_note_id IS NULL)', name=op.f('ck_einvoice_deliveries_one_document')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_notes.id'], name=op.f('fk_einvoice_deliveries_credit_note_id_credit_notes')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_einvoice_deliveries_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_einvoice_deliveries')),
    sa.UniqueConstraint('credit_note_id', name=op.f('uq_einvoice_deliveries_credit_note_id')),
    sa.UniqueConstraint('invoice_id', name=op.f('uq_einvoice_deliveries_invoice_id'))
    )
    with op.batch_alter_table('einvoice_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_einvoice_deliveries_status'), ['status'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchase_order', sa.String(length=50), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('peppol_id', sa.String(length=60), nullable=False, server_default=''))

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vat_split', sa.JSON(), nullable=False, server_default='[]'))



def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('vat_split')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('peppol_id')
        batch_op.drop_column('purchase_order')

    with op.batch_alter_table('einvoice_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_einvoice_deliveries_status'))

    op.drop_table('einvoice_deliveries')
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_notes_order_id'))
        batch_op.drop_index(batch_op.f('ix_credit_notes_invoice_id'))

    op.drop_table('credit_notes')
    op.drop_table('company_profiles')
