"""How every webhook is signed, and how a receiver checks it.

``X-Loyalty-Hmac-Sha256`` is the base64 HMAC-SHA256, keyed with the endpoint's signing
secret, of ``<X-Loyalty-Timestamp>.<raw body>`` (the Unix time in seconds, a dot, the body
bytes exactly as received). A receiver recomputes it, compares in constant time, and refuses
timestamps more than five minutes away from its clock (a replayed old delivery).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Loyalty-Hmac-Sha256"
TIMESTAMP_HEADER = "X-Loyalty-Timestamp"
EVENT_ID_HEADER = "X-Loyalty-Event-Id"
TOPIC_HEADER = "X-Loyalty-Topic"
SHOP_HEADER = "X-Loyalty-Shop-Domain"
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, timestamp: str, body: bytes, header: str, *, now: float) -> bool:
    """What a receiver does (the recipe in the README, in Python)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), header.strip())
