"""Which topics the app acts on, and which handler applies each one."""

from __future__ import annotations

from shopify_loyalty.inbox.context import Handler
from webhooks import COMPLIANCE_TOPICS, HANDLERS


def handler_for(topic: str) -> Handler | None:
    return HANDLERS.get(topic)


def is_known_topic(topic: str) -> bool:
    return topic in HANDLERS


def applies_after_uninstall(topic: str) -> bool:
    """Privacy topics must be honoured for a shop that has uninstalled (shop/redact comes
    48 hours after uninstall); everything else for such a shop is ignored."""
    return topic in COMPLIANCE_TOPICS
