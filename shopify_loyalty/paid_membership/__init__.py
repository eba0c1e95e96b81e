"""Paid VIP membership: a product the shopper buys for a period, with its own perks.

Paid members carry the Shopify customer tag :data:`PAID_MEMBER_TAG`; the paid tier's
discounts at Shopify are limited to the customer segment of that tag. Whether a customer is
a paid member at a moment is :func:`shopify_loyalty.paid_membership.status.is_paid_member`.
"""

PAID_MEMBER_TAG = "loyalty-member:paid"
