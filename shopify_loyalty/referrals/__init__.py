"""Referrals: every member's code and link, the friend's welcome discount, the referrer's reward."""

from shopify_loyalty.referrals.codes import referral_link
from shopify_loyalty.referrals.conversion import convert_referral, void_referral

__all__ = ["convert_referral", "referral_link", "void_referral"]
