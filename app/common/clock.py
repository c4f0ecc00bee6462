"""The one clock every write uses."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """UTC now to the millisecond, as MongoDB keeps it: what we return is what we store."""
    stamp = dt.datetime.now(dt.UTC)
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)
