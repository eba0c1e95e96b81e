"""Program events: the facts of the program (tier moves, reward codes, expiring points, full
stamp cards, referrals, points earned and spent) recorded once each, for Shopify Flow and
the merchant's outbound webhooks to consume from the worker."""

from shopify_loyalty.program_events.recording import record_customer_events

__all__ = ["record_customer_events"]
