"""Payroll: pay periods (payrolls) and one line per caregiver paid in each (payroll users).

Payrolls and their lines are stored, edited and closed here; generating them from a period's
punchcards is its own issue. A line's writes put the payroll's snapshot on the punchcards it
pays (`app.visits.marking.mark_punchcards`), in the same transaction.
"""
