"""The outbound webhooks' switches, read from the environment when used.

- ``LOYALTY_WEBHOOKS_RETRY_BASE_SECONDS`` (default 120): the first retry waits this long,
  each next one twice as long (8 attempts span about 4 hours by default, like Shopify's own
  webhooks). Tests and the demo set it low.
- ``LOYALTY_WEBHOOKS_ALLOW_LOOPBACK=1``: endpoints may be on this machine (127.0.0.0/8,
  ::1), over plain HTTP too; for tests and the demo only. Private, link-local and other
  internal addresses stay refused.
"""

from __future__ import annotations

import os

from shopify_loyalty.settings import SettingsError

RETRY_BASE_VARIABLE = "LOYALTY_WEBHOOKS_RETRY_BASE_SECONDS"
ALLOW_LOOPBACK_VARIABLE = "LOYALTY_WEBHOOKS_ALLOW_LOOPBACK"
DEFAULT_RETRY_BASE_SECONDS = 120.0
MAX_RETRY_BASE_SECONDS = 3600.0


def retry_base_seconds() -> float:
    raw = os.environ.get(RETRY_BASE_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_RETRY_BASE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_RETRY_BASE_SECONDS:
        raise SettingsError(
            RETRY_BASE_VARIABLE,
            f"must be a number of seconds above 0 and at most 3600, not {raw!r}",
        )
    return value


def loopback_allowed() -> bool:
    return os.environ.get(ALLOW_LOOPBACK_VARIABLE, "").strip() == "1"
