"""Invoices: numbering, the invoice as data, its PDF (credit notes and e-invoices come here)."""
