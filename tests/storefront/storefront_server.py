"""The local storefront with its signing app proxy: the demo's, shared with the tests."""

from shopify_loyalty.demo.storefront import Storefront, StorefrontServer

__all__ = ["Storefront", "StorefrontServer"]
