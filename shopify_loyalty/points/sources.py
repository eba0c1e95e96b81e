"""Where a ledger row comes from (its ``source``), and the reasons we write ourselves.

``source`` is the kind of change; ``reason`` the specific cause shown to merchant and shopper
(for bonuses the bonus kind, for redemptions what the caller names).
"""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    ORDER = "order"
    REFUND = "refund"
    CANCELLATION = "cancellation"
    REDEMPTION = "redemption"
    BONUS = "bonus"
    ADJUSTMENT = "adjustment"
    EXPIRY = "expiry"


# Rows that show the customer taking part in the program. Take-backs and expiry are things
# that happen to a customer, so they do not keep points from expiring.
ACTIVITY_SOURCES: tuple[str, ...] = (
    Source.ORDER,
    Source.REDEMPTION,
    Source.BONUS,
    Source.ADJUSTMENT,
)

ORDER_REASON = "order"
REFUND_REASON = "refund"
CANCELLATION_REASON = "cancellation"
ADJUSTMENT_REASON = "adjustment"
EXPIRY_REASON = "expiry"

SIGNUP_BONUS = "signup"
BIRTHDAY_BONUS = "birthday"
ANNIVERSARY_BONUS = "anniversary"
FEEDBACK_BONUS = "feedback"
