"""shopify_loyalty: points, head-start stamp cards, VIP tiers and affiliate codes for Shopify."""

from shopify_loyalty.app import create_app

__all__ = ["create_app"]
