"""Identifiers US payers and electronic visit verification aggregators check: the National
Provider Identifier (NPI) and HCPCS procedure codes with their modifiers.

An NPI is ten digits whose last is a Luhn check digit computed over the prefix 80840 and the
first nine (CMS, "Requirements for Check Digit Validation of NPI", 2001): 1234567893 is
valid, 1234567890 is not.
"""

from __future__ import annotations

import re

NPI = r"^\d{10}$"
HCPCS = r"^[A-Z0-9][0-9]{4}$"
"""A HCPCS Level II code (a letter and four digits, such as T1019) or a CPT code (five
digits)."""
MODIFIER = re.compile(r"[A-Z0-9]{2}")
NPI_PREFIX = "80840"
"""What the NPI's check digit is computed over besides its first nine digits (ISO 7812 card
issuer prefix of US health care)."""


def luhn_digit(digits: str) -> int:
    """The Luhn check digit of `digits`: doubling every second digit from the right."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return (10 - total % 10) % 10


def valid_npi(npi: str) -> bool:
    """Whether `npi` is ten digits ending with its check digit."""
    if not re.fullmatch(NPI, npi):
        return False
    return luhn_digit(NPI_PREFIX + npi[:9]) == int(npi[9])


def with_check_digit(first_nine: str) -> str:
    """An NPI made of nine digits and their check digit (demo data, tests)."""
    return first_nine + str(luhn_digit(NPI_PREFIX + first_nine))
