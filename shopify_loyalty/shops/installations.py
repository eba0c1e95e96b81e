"""Which installation an event belongs to, judged by when Shopify triggered it.

A shop can uninstall and reinstall while webhooks are still on their way. An event
triggered between the uninstall and the reinstall belongs to no installation and is not
applied; an ``app/uninstalled`` or ``shop/redact`` triggered before the current
installation began is stale and must not undo it. Events without a trigger time (Shopify
always sends one) are judged as current.
"""

from __future__ import annotations

from datetime import datetime

from shopify_loyalty.shops.models import Shop

# Topics that end an installation: only one triggered during the current one may apply.
ENDING_TOPICS = frozenset({"app/uninstalled", "shop/redact"})


def stale_reason(shop: Shop, topic: str, triggered_at: datetime | None) -> str | None:
    """Why the event must be ignored for this shop's current installation, or None."""
    if triggered_at is None or not shop.is_installed:
        return None
    if topic in ENDING_TOPICS:
        if triggered_at < shop.installed_at:
            return f"{topic} triggered before the current installation began"
        return None
    uninstalled_at = shop.uninstalled_at
    if uninstalled_at is not None and uninstalled_at <= triggered_at < shop.installed_at:
        return "triggered while the app was uninstalled"
    return None
