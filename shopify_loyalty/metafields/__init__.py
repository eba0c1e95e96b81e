"""The customer's program data written to Shopify customer metafields in the app's namespace
(``$app:loyalty``: points_balance, tier, stamps, lifecycle_stage), so Shopify Email, Klaviyo
and Shopify's segments can use them."""
