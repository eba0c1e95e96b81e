"""Discount codes we make up: unguessable, easy to read aloud, unique per shop.

A code is ``LOY-`` and three groups of four characters drawn with :mod:`secrets` from an
alphabet without the look-alikes 0/O and 1/I/L, so about 59 bits of chance stand between a code
and anyone guessing it, and a shopper reading it off a receipt cannot mistype it.
"""

from __future__ import annotations

import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "LOY"
GROUPS = 3
GROUP_LENGTH = 4


def new_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
    )
    return "-".join((CODE_PREFIX, *groups))


def normalise_code(code: str) -> str:
    """Shopify matches codes case-insensitively at checkout, so we store and compare upper."""
    return code.strip().upper()
