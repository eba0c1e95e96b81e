"""Member perks: member-only offers (time-boxed code discounts limited to chosen audiences
through Shopify customer segments) and early access to products or collections for chosen
audiences (a customer tag, a theme app block and a checkout validation function)."""
