"""Signing as Shopify's app proxy does: the same code the demo storefront uses."""

from shopify_loyalty.demo.proxy_signing import PATH_PREFIX, signed_query

__all__ = ["PATH_PREFIX", "signed_query"]
