"""Customer segments: RFM groups and lifecycle stages, with their size, revenue and members,
kept at Shopify as ``loyalty-segment:<name>`` customer tags for the merchant's campaigns."""
