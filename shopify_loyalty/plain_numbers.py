"""Whole numbers typed by people or browsers: ASCII digits only, and few enough of them.

``str.isdigit`` also accepts superscripts and other scripts' digits, which ``int`` then
refuses or reads unexpectedly; and an id longer than a 64-bit integer cannot be stored.
"""

from __future__ import annotations

MAX_DIGITS = 19
LARGEST_ID = 2**63 - 1


def is_plain_number(text: str, max_digits: int = MAX_DIGITS) -> bool:
    """True for 1 to ``max_digits`` ASCII digits and nothing else."""
    return text.isascii() and text.isdigit() and 0 < len(text) <= max_digits


def plain_number(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """The number, or None when ``text`` is not a plain number within 64 bits."""
    if not is_plain_number(text, max_digits):
        return None
    number = int(text)
    return number if number <= LARGEST_ID else None
