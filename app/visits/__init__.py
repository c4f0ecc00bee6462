"""Visits as they happened: punchcards (clock-in and clock-out, what a visit bills and pays).

Punchcards are recorded by clocking in and out of a visit (`clock`: visit verification against
the account's visit settings, flags, hours under the rounding rules; `rules`, `geo` and `visit`
hold its parts), and stored, listed and corrected by the office (`services`). Invoices and
payroll lines put their snapshot on the punchcards they bill or pay through
`marking.mark_punchcards`. `edges` holds the batched `Event.punchcard` field for the
scheduling package.
"""
