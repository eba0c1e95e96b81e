"""Paid members as an audience: the customers carrying the paid membership's Shopify tag."""

from __future__ import annotations

PAID_MEMBER_TAG = "loyalty-member:paid"
