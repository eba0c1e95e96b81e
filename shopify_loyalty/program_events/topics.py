"""The program events integrations can hear about, by topic."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    TIER_CHANGED = "tier.changed"
    REWARD_ISSUED = "reward.issued"
    POINTS_EXPIRING = "points.expiring"
    STAMP_CARD_COMPLETED = "stamp_card.completed"
    REFERRAL_CONVERTED = "referral.converted"
    POINTS_EARNED = "points.earned"
    POINTS_SPENT = "points.spent"


ALL_TOPICS: tuple[str, ...] = tuple(topic.value for topic in Topic)
