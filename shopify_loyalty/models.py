"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from shopify_loyalty.affiliates.models import (
    Affiliate,
    AffiliateClick,
    AffiliateCode,
    AffiliateConversion,
    AffiliatePayout,
)
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import Base
from shopify_loyalty.imports.models import BackfillRun
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.metafields.models import CustomerMetafieldSync
from shopify_loyalty.monitoring.models import AdminApiFailure, WorkerHeartbeat
from shopify_loyalty.notifications.models import EmailUnsubscribe, NotificationMessage
from shopify_loyalty.orders.models import Order, Refund
from shopify_loyalty.outbound_webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from shopify_loyalty.paid_membership.models import (
    MembershipPurchase,
    MembershipRefundLine,
    PaidMembership,
)
from shopify_loyalty.perks.models import (
    AudienceMember,
    EarlyAccessGrant,
    EarlyAccessWindow,
    MemberOffer,
    PerkSegment,
)
from shopify_loyalty.points.models import CustomerBirthday, ExpiryReminder, LedgerEntry
from shopify_loyalty.privacy.models import DataRequestExport
from shopify_loyalty.program_events.models import ProgramEvent
from shopify_loyalty.programs.models import ProgramConfig
from shopify_loyalty.referrals.models import Referral, ReferralCode
from shopify_loyalty.rewards.models import IssuedCode, Reward
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.models import StampCard, StampEntry, StampOrder
from shopify_loyalty.storefront.models import RateLimitCounter
from shopify_loyalty.surveys.models import SurveyResponse
from shopify_loyalty.terms.models import TermsVersion
from shopify_loyalty.tiers.models import TierDiscount, TierMembership, TierMove

__all__ = [
    "AdminApiFailure",
    "Affiliate",
    "AffiliateClick",
    "AffiliateCode",
    "AffiliateConversion",
    "AffiliatePayout",
    "AudienceMember",
    "BackfillRun",
    "Base",
    "Customer",
    "CustomerBirthday",
    "CustomerMetafieldSync",
    "DataRequestExport",
    "EarlyAccessGrant",
    "EarlyAccessWindow",
    "EmailUnsubscribe",
    "ExpiryReminder",
    "IssuedCode",
    "Job",
    "LedgerEntry",
    "MemberOffer",
    "MembershipPurchase",
    "MembershipRefundLine",
    "NotificationMessage",
    "Order",
    "PaidMembership",
    "PerkSegment",
    "ProgramConfig",
    "ProgramEvent",
    "RateLimitCounter",
    "Referral",
    "ReferralCode",
    "Refund",
    "Reward",
    "Shop",
    "StampCard",
    "StampEntry",
    "StampOrder",
    "SurveyResponse",
    "TermsVersion",
    "TierDiscount",
    "TierMembership",
    "TierMove",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WorkerHeartbeat",
]
