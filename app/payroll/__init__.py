"""Payroll: pay periods (payrolls) and one line per caregiver paid in each (payroll users).

Payrolls and their lines are stored, edited and closed here; generating them from a period's
punchcards is its own issue. `services.link_punchcards` marks punchcards as paid by a payroll.
"""
