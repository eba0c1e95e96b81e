"""Everything that speaks Shopify's protocols: signatures, OAuth, the Admin API client."""
