"""shopify_loyalty: points, head-start stamp cards, VIP tiers and affiliate codes for Shopify."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shopify_loyalty.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # The web app (Flask and every blueprint) loads when asked for: the workers and the other
    # commands import this package without serving anything.
    if name == "create_app":
        from shopify_loyalty.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
