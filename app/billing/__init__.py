"""Billing: invoices (exact amounts, snapshots of who and what is billed, closing) and the
payments against them, which settle their invoice in the same transaction."""
