"""VIP tiers: what a customer qualifies for, their membership, and its discount at Shopify."""
