"""Emails to shoppers about the program: points earned, reward codes, tier moves, expiring
points, birthdays and anniversaries, welcome and referrals; in their language, with
consent for marketing, queued in an outbox and sent once per fact."""

from shopify_loyalty.notifications.outbox import queue_notifications

__all__ = ["queue_notifications"]
