"""Every message rendered with sample data, in the shop's frame, for the merchant to see
before a shopper does (``/admin/api/notifications/previews/<kind>``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput, NotFound
from shopify_loyalty.notifications.branding import shop_frame
from shopify_loyalty.notifications.kinds import Kind, is_marketing
from shopify_loyalty.notifications.locales import LOCALES
from shopify_loyalty.notifications.rendering import RenderedEmail, render_message
from shopify_loyalty.shops.models import Shop

SAMPLE_CUSTOMER = "Maria"
SAMPLE_AFFILIATE = "Anna"


def sample_data(kind: Kind) -> dict[str, Any]:
    """What the templates of ``kind`` are rendered with, as a real fact would give."""
    today = utcnow().date()
    earned = {
        "points": 40,
        "balance": 260,
        "pending": 40,
        "available_on": (today + timedelta(days=14)).isoformat(),
    }
    code = {
        "code": "LOY-7Q2M9XK4",
        "title": "5.00 off your next order",
        "points_spent": 500,
        "ends_on": (today + timedelta(days=90)).isoformat(),
    }
    samples: dict[Kind, dict[str, Any]] = {
        Kind.WELCOME: {"points": 100},
        Kind.POINTS_EARNED: {**earned, "order_name": "#1042"},
        Kind.STAMP_CARD_COMPLETED: {**code, "points_spent": 0, "title": "Free shipping"},
        Kind.REWARD_CODE_ISSUED: code,
        Kind.TIER_UP: {"tier": "Gold", "previous_tier": "Silver", "discount_percent": "10"},
        Kind.TIER_DOWN: {"tier": "Silver", "previous_tier": "Gold", "discount_percent": "5"},
        Kind.POINTS_EXPIRING: {
            "points": 320,
            "expires_on": (today + timedelta(days=30)).isoformat(),
        },
        Kind.POINTS_LAST_CHANCE: {
            "points": 320,
            "expires_on": (today + timedelta(days=3)).isoformat(),
        },
        Kind.BIRTHDAY: {**earned, "points": 50, "pending": 0},
        Kind.ANNIVERSARY: {**earned, "points": 100, "pending": 0},
        Kind.REFERRAL_CONVERTED: {"points": 200},
        Kind.AFFILIATE_PAYOUT: {
            "amount": "184.50",
            "currency": "EUR",
            "conversions": 12,
            "covers_until": (today - timedelta(days=1)).isoformat(),
            "reference": "SEPA-2026-11",
        },
    }
    return samples[kind]


@dataclass(frozen=True)
class Preview:
    kind: str
    locale: str
    marketing: bool
    email: RenderedEmail


def parse_kind(raw: str) -> Kind:
    try:
        return Kind(raw)
    except ValueError:
        raise NotFound(
            f"There is no message called {raw}; the messages are "
            f"{', '.join(kind.value for kind in Kind)}.",
            field="kind",
        ) from None


def parse_locale(raw: str | None) -> str:
    if raw is None or raw == "":
        return LOCALES[0]
    if raw not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    return raw


def preview(session: Session, shop: Shop, kind: Kind, locale: str, app_url: str) -> Preview:
    """``kind`` in ``locale`` with sample data; marketing messages show an example
    unsubscribe link (the real one is signed for each shopper)."""
    marketing = is_marketing(kind)
    unsubscribe = f"{app_url}/notifications/unsubscribe/example" if marketing else None
    first_name = SAMPLE_AFFILIATE if kind is Kind.AFFILIATE_PAYOUT else SAMPLE_CUSTOMER
    email = render_message(
        kind.value, locale, sample_data(kind), shop_frame(session, shop), first_name, unsubscribe
    )
    return Preview(kind.value, locale, marketing, email)
