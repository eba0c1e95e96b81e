"""The messages the program sends, and which of them are marketing.

Transactional messages deliver something the shopper already owns and must act on to use:
the discount code of a reward they redeemed, or of a stamp card they filled. They go to
every shopper with an email address. So does the payout notice to an affiliate (a business
partner, not a shopper), at the address the merchant gave. Everything else (points earned,
welcome, tier moves up or down, the expiry warning and its last chance, birthday,
anniversary, referral converted) promotes the program, so it is marketing: sent only to
shoppers who accept email marketing at Shopify and have not unsubscribed from our emails
since. Expiry needs no email to be fair: the reminder row exists for every member and the
widget shows it.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    WELCOME = "welcome"
    POINTS_EARNED = "points_earned"
    STAMP_CARD_COMPLETED = "stamp_card_completed"
    REWARD_CODE_ISSUED = "reward_code_issued"
    TIER_UP = "tier_up"
    TIER_DOWN = "tier_down"
    POINTS_EXPIRING = "points_expiring"
    POINTS_LAST_CHANCE = "points_last_chance"
    BIRTHDAY = "birthday"
    ANNIVERSARY = "anniversary"
    REFERRAL_CONVERTED = "referral_converted"
    AFFILIATE_PAYOUT = "affiliate_payout"


TRANSACTIONAL: frozenset[Kind] = frozenset(
    {Kind.REWARD_CODE_ISSUED, Kind.STAMP_CARD_COMPLETED, Kind.AFFILIATE_PAYOUT}
)


def is_marketing(kind: str) -> bool:
    return Kind(kind) not in TRANSACTIONAL
