"""Visits as they happened: punchcards (clock-in and clock-out, what a visit bills and pays).

Punchcards are stored, listed and corrected here; clocking in and out with visit verification
is its own issue. Invoices and payroll lines put their snapshot on the punchcards they bill or
pay through `services.mark_punchcards`. `edges` holds the batched `Event.punchcard` field for
the scheduling package.
"""
